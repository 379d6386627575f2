/**
 * Reads a request body of either host, counting bytes as they stream in: `undefined` as soon as it
 * crosses `maxBytes` (or when `Content-Length` already says it will), never buffered whole first.
 * `discard` lets the host drop the rest in its own way, so that the error answer can still be sent.
 */
export async function readBodyWithin(
  chunks: AsyncIterable<Uint8Array>,
  contentLength: string | null | undefined,
  maxBytes: number,
  discard: () => unknown,
): Promise<Uint8Array | undefined> {
  const declared = Number(contentLength ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await discard();
    return undefined;
  }
  const parts: Uint8Array[] = [];
  let sizeBytes = 0;
  for await (const chunk of chunks) {
    sizeBytes += chunk.byteLength;
    if (sizeBytes > maxBytes) {
      await discard();
      return undefined;
    }
    parts.push(chunk);
  }
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(sizeBytes);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}
