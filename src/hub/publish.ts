import { encodedEventLength } from '../sse/index.js';
import { PublishError } from './errors.js';
import { FORBIDDEN_CHARACTERS } from './forbidden-characters.js';
import type { NewEvent } from './ports.js';

/**
 * What a publisher sends, from HTTP (form fields) or from code. A delivery time (`deliver_*` form
 * fields) is not part of it: `ScheduleService` validates the same input and stores a schedule.
 */
export interface PublishInput {
  topics: string[];
  data?: string | undefined;
  isPrivate?: boolean | undefined;
  /**
   * The publisher's own id; the hub generates a `urn:uuid:` UUIDv7 when absent. It SHOULD be unique
   * hub-wide, but a reused one is accepted (see `Hub.publish`); sending one is also what lets the hub
   * recognise a retry.
   */
  id?: string | undefined;
  type?: string | undefined;
  /** Milliseconds; a string must be ASCII digits only (the form field as received). */
  retry?: number | string | undefined;
}

export interface PublishLimits {
  maxTopics: number;
  maxTopicLengthBytes: number;
  maxIdLengthBytes: number;
  /**
   * The largest event, as SSE bytes, the hub accepts: what one subscriber's queue holds
   * (`maxQueueBytes`). A larger event would be stored and then disconnect every subscriber it
   * is sent to, for ever on each reconnection; it is refused instead (413 naming `data`).
   */
  maxEventBytes: number;
}

export const defaultPublishLimits: PublishLimits = {
  maxTopics: 32,
  maxTopicLengthBytes: 2048,
  maxIdLengthBytes: 512,
  maxEventBytes: 1024 * 1024,
};

/** The length of the id the hub generates (`urn:uuid:` and a UUID), counted when none is given. */
const GENERATED_ID_LENGTH = 'urn:uuid:'.length + 36;

const DIGITS_ONLY = /^[0-9]+$/;
/** The hub's path, the root of the namespace only the hub publishes under (subscription events). */
const HUB_PATH = '/.well-known/mercure';
/**
 * Topics are resolved against the hub's URL. Its scheme and authority do not matter ("regardless of
 * scheme or authority"); its path does: the relative topic `mercure/x` resolves to
 * `/.well-known/mercure/x`.
 */
const HUB_URL = `http://hub.invalid${HUB_PATH}`;
const PERCENT_ESCAPE = /%[0-9A-Fa-f]{2}/g;
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/**
 * The path a topic addresses, normalised as the spec requires before the reserved-namespace test
 * (Publication): resolved against the hub's URL by the WHATWG URL parser (which removes dot
 * segments, `%2E` ones included), then its percent-encoded unreserved characters decoded (RFC 3986
 * §6.2.2.2), so `/.well-known/%6Dercure/x` is the path it names. `undefined` when the topic is not
 * a URL reference: "A topic that cannot be parsed … does not address the reserved namespace".
 */
function topicPath(topic: string): string | undefined {
  let path: string;
  try {
    path = new URL(topic, HUB_URL).pathname;
  } catch {
    return undefined;
  }
  const decoded = path.replace(PERCENT_ESCAPE, (triplet) => {
    const character = String.fromCharCode(Number.parseInt(triplet.slice(1), 16));
    return UNRESERVED.test(character) ? character : triplet;
  });
  // An opaque path (`urn:…`) cannot start with `/`, so it never names a hub path. A hierarchical
  // one is parsed again in case decoding made dot segments; the origin is prefixed as text so that
  // a path starting with `//` stays a path instead of becoming an authority.
  if (decoded === path || !decoded.startsWith('/')) return decoded;
  return new URL(`http://hub.invalid${decoded}`).pathname;
}

/**
 * Whether a topic addresses the hub's reserved namespace: its normalised path (see `topicPath`) is
 * the hub's path or under it. Checking the resolved path, not a prefix of the raw value, is what
 * stops an absolute `https://hub/.well-known/mercure/subscriptions/...` forging a subscription event.
 */
export function isReservedTopic(topic: string): boolean {
  // The two usual shapes of a topic, decided without the URL parser (two `URL`s per topic per
  // check, and a publication is checked twice); `isReservedTopicByUrl` for everything else.
  if (PLAIN_SEGMENT.test(topic) && topic !== '.' && topic !== '..') return topic === 'mercure';
  if (PLAIN_ABSOLUTE.test(topic) && !topic.includes('well-known')) return false;
  return isReservedTopicByUrl(topic);
}

/**
 * One relative segment of unreserved characters, not a dot segment: it replaces the last segment
 * of the hub's path, so it addresses `/.well-known/<topic>`, reserved exactly when it is `mercure`.
 */
const PLAIN_SEGMENT = /^[A-Za-z0-9\-._~]+$/;
/**
 * A scheme, `//` and printable ASCII without `%`, `\\`, spaces or controls: an absolute URL whose
 * path is spelled in it as is (no base path, nothing decoded, stripped or turned into `/`), so it
 * can only name the reserved path if it contains `well-known`.
 */
const PLAIN_ABSOLUTE = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[\x21-\x24\x26-\x5b\x5d-\x7e]*$/;

/** `isReservedTopic` through the WHATWG URL parser, whatever the topic (see `topicPath`). */
export function isReservedTopicByUrl(topic: string): boolean {
  const path = topicPath(topic);
  return path !== undefined && (path === HUB_PATH || path.startsWith(`${HUB_PATH}/`));
}

const byteLength = (value: string) => Buffer.byteLength(value, 'utf8');

function validateTopics(topics: string[], limits: PublishLimits): void {
  if (topics.length === 0) throw new PublishError('TOPIC_MISSING', 'missing "topic" field', 'topic');
  if (topics.length > limits.maxTopics) {
    throw new PublishError('TOO_MANY_TOPICS', `too many "topic" fields (max ${limits.maxTopics})`, 'topic');
  }
  for (const topic of topics) {
    if (topic === '' || FORBIDDEN_CHARACTERS.test(topic) || !topic.isWellFormed()) {
      throw new PublishError(
        'TOPIC_INVALID',
        '"topic" must be non-empty text without control or format characters',
        'topic',
      );
    }
    if (byteLength(topic) > limits.maxTopicLengthBytes) {
      throw new PublishError(
        'FIELD_TOO_LARGE',
        `"topic" is longer than ${limits.maxTopicLengthBytes} bytes`,
        'topic',
      );
    }
    // "Every topic value (canonical or alternate) MUST NOT address the reserved hub namespace" and
    // "MUST NOT be exactly *, which is reserved for the wildcard matcher".
    if (topic === '*') throw new PublishError('TOPIC_RESERVED', '"topic" must not be "*"', 'topic');
    if (isReservedTopic(topic)) {
      throw new PublishError('TOPIC_RESERVED', '"topic" must not be under /.well-known/mercure', 'topic');
    }
  }
}

function validateId(id: string, limits: PublishLimits): void {
  if (id.startsWith('#') || id === 'earliest' || id === '') {
    throw new PublishError('ID_INVALID', '"id" must not be empty, start with "#" or be "earliest"', 'id');
  }
  if (FORBIDDEN_CHARACTERS.test(id) || !id.isWellFormed()) {
    throw new PublishError(
      'ID_INVALID',
      '"id" must not contain control or format characters (CR, LF, NUL, U+200B, ...)',
      'id',
    );
  }
  if (byteLength(id) > limits.maxIdLengthBytes) {
    throw new PublishError('FIELD_TOO_LARGE', `"id" is longer than ${limits.maxIdLengthBytes} bytes`, 'id');
  }
}

function validateType(type: string): void {
  if (FORBIDDEN_CHARACTERS.test(type) || !type.isWellFormed()) {
    throw new PublishError(
      'TYPE_INVALID',
      '"type" must not contain control or format characters (CR, LF, NUL, U+200B, ...)',
      'type',
    );
  }
  // The hub's own event type: a publisher must not make its updates look like hub messages.
  if (type === 'mercure') throw new PublishError('TYPE_INVALID', '"type" must not be "mercure"', 'type');
}

function parseRetry(retry: number | string): number {
  const value = typeof retry === 'number' ? retry : DIGITS_ONLY.test(retry) ? Number(retry) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new PublishError('RETRY_INVALID', '"retry" must be ASCII digits only (milliseconds)', 'retry');
  }
  return value;
}

/** Throws the `PublishError` naming the first field a publication gets wrong; stores nothing. */
export function validatePublishInput(input: PublishInput, limits: PublishLimits): void {
  validateTopics(input.topics, limits);
  if (input.id !== undefined) validateId(input.id, limits);
  if (input.type !== undefined && input.type !== '') validateType(input.type);
  if (input.data !== undefined && !input.data.isWellFormed()) {
    throw new PublishError('DATA_INVALID', '"data" must be valid UTF-8', 'data');
  }
  const retryMs = input.retry !== undefined && input.retry !== '' ? parseRetry(input.retry) : undefined;
  validateEventSize(input, retryMs, limits);
}

function validateEventSize(input: PublishInput, retryMs: number | undefined, limits: PublishLimits): void {
  const data = input.data ?? '';
  // No UTF-16 unit takes more than 7 bytes on the wire (a line feed becomes `\ndata: `), and the
  // field names and line ends of id, event and retry take under 64: most events need no count.
  const units = data.length + (input.id?.length ?? GENERATED_ID_LENGTH) + (input.type?.length ?? 0);
  if (units * 7 + 64 <= limits.maxEventBytes) return;
  const bytes = encodedEventLength({
    data,
    event: input.type === '' ? undefined : input.type,
    id: input.id ?? 'x'.repeat(GENERATED_ID_LENGTH),
    retry: retryMs,
  });
  if (bytes > limits.maxEventBytes) {
    throw new PublishError(
      'FIELD_TOO_LARGE',
      `"data" is too large: the event takes ${bytes} bytes on an event stream, more than the ${limits.maxEventBytes} a subscriber's queue holds`,
      'data',
    );
  }
}

/** Validates a publication and returns the event to store, with `id` generated when absent. */
export function toNewEvent(input: PublishInput, limits: PublishLimits, generateId: () => string): NewEvent {
  validatePublishInput(input, limits);
  const data = input.data ?? '';
  return {
    id: input.id ?? generateId(),
    topics: [...input.topics],
    data,
    type: input.type === '' ? undefined : input.type,
    retryMs: input.retry === undefined || input.retry === '' ? undefined : parseRetry(input.retry),
    isPrivate: input.isPrivate === true,
  };
}
