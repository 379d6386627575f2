// `urn:uuid:` + a version 7 UUID (RFC 9562): version nibble 7, variant bits 10.
const UUID_V7_URN = /^urn:uuid:([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/**
 * The Unix time in milliseconds encoded in an event id of the form `urn:uuid:<UUIDv7>` (its first
 * 48 bits, big-endian), or `undefined` for any other id. Lets a subscriber tell how old an event is
 * without a field of its own; subtract `clockOffsetMs` to compare with the local clock.
 */
export function timeOfEventId(id: string): number | undefined {
  const match = UUID_V7_URN.exec(id);
  if (match === null) return undefined;
  // 48 bits fit a double exactly (53-bit mantissa).
  return Number.parseInt(`${match[1]}${match[2]}`, 16);
}
