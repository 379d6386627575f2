import { PublishError } from './errors.js';
import type { NewEvent } from './ports.js';

/**
 * What a publisher sends, from HTTP (form fields) or from code. A delivery time (`deliver_*` form
 * fields) is not part of it: `ScheduleService` validates the same input and stores a schedule.
 */
export interface PublishInput {
  topics: string[];
  data?: string | undefined;
  isPrivate?: boolean | undefined;
  /** The publisher's own id; the hub generates a `urn:uuid:` UUIDv7 when absent. */
  id?: string | undefined;
  type?: string | undefined;
  /** Milliseconds; a string must be ASCII digits only (the form field as received). */
  retry?: number | string | undefined;
}

export interface PublishLimits {
  maxTopics: number;
  maxTopicLengthBytes: number;
  maxIdLengthBytes: number;
}

export const defaultPublishLimits: PublishLimits = {
  maxTopics: 32,
  maxTopicLengthBytes: 2048,
  maxIdLengthBytes: 512,
};

// C0 controls, DEL and C1 controls: the spec forbids them in topics; in id and type they would let a
// value end an SSE field (CR/LF) or be dropped by parsers (NUL).
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;
const DIGITS_ONLY = /^[0-9]+$/;
const RESERVED_PATH = '/.well-known/mercure';

/**
 * Whether a topic addresses the hub's reserved namespace. The topic is resolved against a base URL
 * first, so that an absolute `https://hub/.well-known/mercure/subscriptions/...` cannot forge a
 * subscription event either (draft-08, Publication).
 */
export function isReservedTopic(topic: string): boolean {
  let path: string;
  try {
    path = new URL(topic, 'http://hub.invalid/').pathname;
  } catch {
    path = topic;
  }
  return path === RESERVED_PATH || path.startsWith(`${RESERVED_PATH}/`);
}

const byteLength = (value: string) => Buffer.byteLength(value, 'utf8');

function validateTopics(topics: string[], limits: PublishLimits): void {
  if (topics.length === 0) throw new PublishError('TOPIC_MISSING', 'missing "topic" field', 'topic');
  if (topics.length > limits.maxTopics) {
    throw new PublishError('TOO_MANY_TOPICS', `too many "topic" fields (max ${limits.maxTopics})`, 'topic');
  }
  for (const topic of topics) {
    if (topic === '' || CONTROL_CHARACTERS.test(topic) || !topic.isWellFormed()) {
      throw new PublishError(
        'TOPIC_INVALID',
        '"topic" must be non-empty text without control characters',
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
    if (isReservedTopic(topic)) {
      throw new PublishError('TOPIC_RESERVED', '"topic" must not be under /.well-known/mercure', 'topic');
    }
  }
}

function validateId(id: string, limits: PublishLimits): void {
  if (id.startsWith('#') || id === 'earliest' || id === '') {
    throw new PublishError('ID_INVALID', '"id" must not be empty, start with "#" or be "earliest"', 'id');
  }
  if (CONTROL_CHARACTERS.test(id) || !id.isWellFormed()) {
    throw new PublishError('ID_INVALID', '"id" must not contain control characters (CR, LF, NUL, ...)', 'id');
  }
  if (byteLength(id) > limits.maxIdLengthBytes) {
    throw new PublishError('FIELD_TOO_LARGE', `"id" is longer than ${limits.maxIdLengthBytes} bytes`, 'id');
  }
}

function validateType(type: string): void {
  if (CONTROL_CHARACTERS.test(type) || !type.isWellFormed()) {
    throw new PublishError(
      'TYPE_INVALID',
      '"type" must not contain control characters (CR, LF, NUL, ...)',
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

/** Validates a publication and returns the event to store, with `id` generated when absent. */
export function toNewEvent(input: PublishInput, limits: PublishLimits, generateId: () => string): NewEvent {
  validateTopics(input.topics, limits);
  if (input.id !== undefined) validateId(input.id, limits);
  if (input.type !== undefined && input.type !== '') validateType(input.type);
  const data = input.data ?? '';
  if (!data.isWellFormed()) throw new PublishError('DATA_INVALID', '"data" must be valid UTF-8', 'data');
  return {
    id: input.id ?? generateId(),
    topics: [...input.topics],
    data,
    type: input.type === '' ? undefined : input.type,
    retryMs: input.retry === undefined || input.retry === '' ? undefined : parseRetry(input.retry),
    isPrivate: input.isPrivate === true,
  };
}
