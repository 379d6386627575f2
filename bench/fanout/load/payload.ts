/**
 * The bytes a benchmark event carries: run id, sequence number and send time, then padding up to a
 * fixed size (about 100 bytes, the figure). Plain ASCII so that every target can carry it
 * verbatim (better-sse wraps it in JSON quotes; the scanner does not care).
 *
 * Format: `r=<run>;s=<seq>;t=<wall µs>;xxxx…`
 */
export const DEFAULT_PAYLOAD_BYTES = 100;

export function encodePayload(runId: number, seq: number, sentUs: number, sizeBytes: number): string {
  const head = `r=${runId};s=${seq};t=${Math.round(sentUs)};`;
  return head.length >= sizeBytes ? head : head + 'x'.repeat(sizeBytes - head.length);
}

export interface DecodedPayload {
  runId: number;
  seq: number;
  sentUs: number;
}

/**
 * Reads the three numbers of a payload found at `from` (the index of its `r=`) in `text`, or returns
 * false when the text there is not one. Writes into `out` instead of allocating: the subscriber
 * calls this once per delivery, millions of times per cell.
 */
export function decodePayloadAt(text: string, from: number, out: DecodedPayload): boolean {
  let i = from + 2;
  let runId = 0;
  let c = text.charCodeAt(i);
  if (c < 48 || c > 57) return false;
  while (c >= 48 && c <= 57) {
    runId = runId * 10 + (c - 48);
    c = text.charCodeAt(++i);
  }
  if (c !== 59 || text.charCodeAt(i + 1) !== 115 || text.charCodeAt(i + 2) !== 61) return false; // ";s="
  i += 3;
  let seq = 0;
  c = text.charCodeAt(i);
  while (c >= 48 && c <= 57) {
    seq = seq * 10 + (c - 48);
    c = text.charCodeAt(++i);
  }
  if (c !== 59 || text.charCodeAt(i + 1) !== 116 || text.charCodeAt(i + 2) !== 61) return false; // ";t="
  i += 3;
  let sentUs = 0;
  c = text.charCodeAt(i);
  while (c >= 48 && c <= 57) {
    sentUs = sentUs * 10 + (c - 48);
    c = text.charCodeAt(++i);
  }
  out.runId = runId;
  out.seq = seq;
  out.sentUs = sentUs;
  return true;
}
