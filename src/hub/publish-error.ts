/** Stable codes for a publication the hub refuses before storing it. */
export type PublishErrorCode =
  | 'TOPIC_MISSING'
  | 'TOPIC_INVALID'
  /** The topic addresses `/.well-known/mercure`, which only the hub itself may publish under. */
  | 'TOPIC_RESERVED'
  | 'TOO_MANY_TOPICS'
  | 'ID_INVALID'
  /** The publisher's id is already taken by a stored event. */
  | 'ID_DUPLICATE'
  | 'TYPE_INVALID'
  | 'RETRY_INVALID'
  | 'DATA_INVALID'
  | 'FIELD_TOO_LARGE';

export class PublishError extends Error {
  override readonly name = 'PublishError';
  readonly code: PublishErrorCode;
  /** The form field at fault (`topic`, `id`, `type`, `retry`, `data`). */
  readonly field: string;

  constructor(code: PublishErrorCode, field: string, message: string) {
    super(message);
    this.code = code;
    this.field = field;
  }
}
