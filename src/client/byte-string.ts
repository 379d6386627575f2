const encoder = new TextEncoder();

/**
 * The UTF-8 bytes of `text`, one character per byte (a "ByteString").
 *
 * The standard sends `Last-Event-ID` "encoded as UTF-8", but `fetch` headers are ByteStrings:
 * characters above U+00FF throw, and the ones below go out as single bytes. Mapping each UTF-8
 * byte to the character of the same code makes `fetch` put exactly the UTF-8 bytes on the wire,
 * which is what browsers' native EventSource sends.
 */
export function utf8ByteString(text: string): string {
  let out = '';
  for (const byte of encoder.encode(text)) out += String.fromCharCode(byte);
  return out;
}

/** The inverse of `utf8ByteString`: a header value read as bytes (one per character), decoded as UTF-8. */
export function utf8FromByteString(byteString: string): string {
  return new TextDecoder().decode(Uint8Array.from(byteString, (char) => char.charCodeAt(0)));
}
