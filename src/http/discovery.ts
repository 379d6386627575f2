import { idHeaderValue } from '../transports/index.js';

/** Target attributes of a `rel="mercure"` link (Mercure §Discovery); each one is optional. */
export interface MercureLinkAttributes {
  /**
   * `last-event-id`: the newest event when the resource was generated. The subscriber passes it
   * back as `last_event_id`, so updates published meanwhile are not lost.
   */
  lastEventId?: string | undefined;
  /**
   * `type`: the SSE `event` the updates of this resource carry. Omit it when they carry several
   * ("MUST omit the corresponding attribute"); `mercure` is reserved to the hub.
   */
  type?: string | undefined;
  /** `content-type`: the media type of the updates' `data`. Omit it when they use several. */
  contentType?: string | undefined;
}

export type LinkHeaderErrorCode =
  /** A URL or an attribute value that cannot be written into the header as it is. */
  | 'LINK_VALUE_INVALID'
  /** `type: "mercure"`: "A publisher advertising its own resource MUST NOT use the reserved `mercure` type". */
  | 'LINK_TYPE_RESERVED';

export class LinkHeaderError extends Error {
  override readonly name = 'LinkHeaderError';
  readonly code: LinkHeaderErrorCode;
  /** What was refused: `hubUrl`, `topicUrl`, `last-event-id`, `type` or `content-type`. */
  readonly field: string;

  constructor(code: LinkHeaderErrorCode, message: string, field: string) {
    super(message);
    this.code = code;
    this.field = field;
  }
}

/**
 * The `Link` header value an application adds to a resource so that clients find the hub
 * (`rel="mercure"`, with its optional target attributes) and the topic's canonical URL
 * (`rel="self"`). Spec: Discovery. Throws `LinkHeaderError` for a URL that is not a plain URI
 * reference (percent-encode an IRI first), an attribute value holding control or Unicode format
 * (`Cf`) characters, the same constraint as the publication `type` and `id` fields, an empty one, a
 * `content-type` that is no media type, and the reserved `type` `mercure`.
 */
export function discoveryLinkHeader(
  hubUrl: string,
  topicUrl?: string,
  attributes: MercureLinkAttributes = {},
): string {
  assertUriReference(hubUrl, 'hubUrl');
  const { lastEventId, type, contentType } = attributes;
  if (lastEventId !== undefined) assertAttributeValue(lastEventId, 'last-event-id');
  if (type !== undefined) {
    assertAttributeValue(type, 'type');
    if (type === 'mercure') {
      throw new LinkHeaderError(
        'LINK_TYPE_RESERVED',
        'the event type "mercure" is reserved to the hub (subscription events)',
        'type',
      );
    }
  }
  if (contentType !== undefined) {
    assertAttributeValue(contentType, 'content-type');
    if (!MEDIA_TYPE.test(contentType)) {
      throw new LinkHeaderError(
        'LINK_VALUE_INVALID',
        'content-type must be a media type (type/subtype)',
        'content-type',
      );
    }
  }
  const links = [mercureLink(hubUrl, attributes)];
  if (topicUrl !== undefined) {
    assertUriReference(topicUrl, 'topicUrl');
    links.push(`<${topicUrl}>; rel="self"`);
  }
  return links.join(', ');
}

/**
 * The `rel="mercure"` link itself, unchecked: the hub's own answers use it, with values the hub
 * holds (an event id it stored, its reserved `mercure` type), which must never fail the answer.
 */
export function mercureLink(hubUrl: string, attributes: MercureLinkAttributes): string {
  let link = `<${hubUrl}>; rel="mercure"`;
  if (attributes.lastEventId !== undefined) link += `; last-event-id=${quoted(attributes.lastEventId)}`;
  if (attributes.type !== undefined) link += `; type=${quoted(attributes.type)}`;
  if (attributes.contentType !== undefined) link += `; content-type=${quoted(attributes.contentType)}`;
  return link;
}

/** C0, DEL, C1 and Unicode format characters: invisible, and C0 would end or split the header. */
const FORBIDDEN_CHARACTER = /[\u0000-\u001f\u007f-\u009f\p{Cf}]/u;
/** RFC 9110 `type "/" subtype`, then any parameters. */
const MEDIA_TYPE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+\/[!#$%&'*+.^_`|~0-9A-Za-z-]+(\s*;.*)?$/;
/** Visible ASCII but the delimiters of `<…>`: a URI reference as RFC 8288 writes it. */
const URI_REFERENCE = /^[\u0021-\u003b\u003d\u003f-\u007e]+$/;

function assertAttributeValue(value: string, field: string): void {
  if (value === '' || FORBIDDEN_CHARACTER.test(value)) {
    throw new LinkHeaderError(
      'LINK_VALUE_INVALID',
      `${field} must be non-empty, without control or Unicode format characters`,
      field,
    );
  }
}

function assertUriReference(url: string, field: string): void {
  if (!URI_REFERENCE.test(url)) {
    throw new LinkHeaderError(
      'LINK_VALUE_INVALID',
      `${field} must be a URI reference: visible ASCII without < or > (percent-encode the rest)`,
      field,
    );
  }
}

/**
 * An RFC 9110 quoted-string: `\` and `"` escaped. A header value is bytes, so characters beyond
 * ASCII go out as their UTF-8 bytes (obs-text, which a quoted-string admits): a reader decodes the
 * value as UTF-8. Node refuses a header string with characters above U+00FF, so without this an
 * event id such as `urn:x:中文` would turn the answer into a 500.
 */
function quoted(value: string): string {
  return `"${idHeaderValue(value.replace(/[\\"]/g, '\\$&'))}"`;
}
