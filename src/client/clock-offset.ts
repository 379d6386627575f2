/**
 * Estimates how far the server's clock is ahead of ours (server minus client, milliseconds), NTP
 * style: the server read its clock somewhere between our request and its response, so we pair its
 * time with the midpoint of the round trip. The error is at most half the round trip plus the
 * precision of the server's time (1 s for a `Date` header, which truncates to whole seconds).
 *
 * The sample with the smallest error bound wins and is kept: a long-poll held 25 s by the server
 * gives a ±12.5 s sample that must not replace a ±20 ms one.
 */
export class ClockOffsetEstimator {
  #offsetMs: number | undefined;
  #errorBoundMs = Number.POSITIVE_INFINITY;

  get offsetMs(): number | undefined {
    return this.#offsetMs;
  }

  /** `serverMs` may be NaN (missing or unparsable time): then nothing is learnt. */
  addSample(requestStartMs: number, responseMs: number, serverMs: number, precisionMs: number): void {
    if (!Number.isFinite(serverMs) || responseMs < requestStartMs) return;
    const halfRoundTripMs = (responseMs - requestStartMs) / 2;
    const errorBoundMs = halfRoundTripMs + precisionMs / 2;
    if (errorBoundMs > this.#errorBoundMs) return;
    this.#errorBoundMs = errorBoundMs;
    // A truncated time (Date header) stands for an instant somewhere in [t, t + precision).
    this.#offsetMs = Math.round(serverMs + precisionMs / 2 - (requestStartMs + halfRoundTripMs));
  }
}
