import { type Price, parsePrice } from './prices.js';

/** `GET /demo/stocks`: every symbol's price now, and the id of the last price the hub published. */
export interface Snapshot {
  lastEventId: string;
  prices: Price[];
}

/**
 * The snapshot-then-stream pattern: draw the current prices at once, then subscribe with the
 * snapshot's id as `Last-Event-ID`, so the hub replays whatever was published in between and the
 * page neither misses nor doubles a price. Without a snapshot (an older hub, a network error) the
 * page simply starts live and fills as prices arrive.
 */
export async function fetchSnapshot(): Promise<Snapshot> {
  try {
    const response = await fetch('/demo/stocks', { headers: { accept: 'application/json' } });
    if (!response.ok) return { lastEventId: '', prices: [] };
    const body = (await response.json()) as { lastEventId?: unknown; prices?: unknown };
    const prices = Array.isArray(body.prices)
      ? body.prices.flatMap((item) => parsePrice(JSON.stringify(item)) ?? [])
      : [];
    return { lastEventId: typeof body.lastEventId === 'string' ? body.lastEventId : '', prices };
  } catch {
    return { lastEventId: '', prices: [] };
  }
}
