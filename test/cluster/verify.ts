/**
 * The end of the cluster test: what every subscriber received, set against what the publishers had
 * acknowledged and against the history the hub kept in Redis (its stream, in cursor order).
 */
import type { ChaosSubscriber, Publication } from './clients.js';

/** One event of the hub's history, in cursor order. */
export interface KeptEvent {
  cursor: number;
  id: string;
  topics: string[];
}

export interface Counts {
  published: number;
  acknowledged: number;
  /** Sent, never answered 200: may or may not have been stored. */
  unacknowledged: number;
  /** Events received, all subscribers together. */
  delivered: number;
  /** Deliveries the acknowledged events called for. */
  expected: number;
  lost: number;
  duplicated: number;
  /** Deliveries of unacknowledged events (allowed, once each). */
  unacknowledgedDelivered: number;
}

export interface Verdict {
  counts: Counts;
  /** Every violation, one line each, with what is needed to look into it; empty when all is well. */
  problems: string[];
}

const shown = 5;

function sample<T>(items: T[]): string {
  return `${JSON.stringify(items.slice(0, shown))}${items.length > shown ? ` and ${items.length - shown} more` : ''}`;
}

/**
 * For each subscriber: the acknowledged events of its topics must be exactly those it received, each
 * once; unacknowledged ones at most once; nothing else. Order: each publisher's events in sequence
 * order, and the whole list in the order of the hub's history (cursor order) filtered by its topics.
 * The history itself must hold every acknowledged event once. The subscribers must have every fence
 * (the last event of each publisher) before this runs.
 */
export function verify(
  subscribers: ChaosSubscriber[],
  publications: Publication[],
  history: KeptEvent[],
): Verdict {
  const problems: string[] = [];
  const byId = new Map(publications.map((publication) => [publication.id, publication]));
  const counts: Counts = {
    published: publications.length,
    acknowledged: publications.filter((publication) => publication.isAcknowledged).length,
    unacknowledged: publications.filter((publication) => !publication.isAcknowledged).length,
    delivered: 0,
    expected: 0,
    lost: 0,
    duplicated: 0,
    unacknowledgedDelivered: 0,
  };

  // The history: each id once, every acknowledged id there, nothing the publishers did not send.
  const cursorOf = new Map<string, number>();
  for (const kept of history) {
    if (cursorOf.has(kept.id))
      problems.push(
        `history: ${kept.id} is stored twice (cursors ${cursorOf.get(kept.id)} and ${kept.cursor})`,
      );
    else cursorOf.set(kept.id, kept.cursor);
    if (!byId.has(kept.id)) problems.push(`history: ${kept.id} (cursor ${kept.cursor}) was never published`);
  }
  const missingFromHistory = publications
    .filter((publication) => publication.isAcknowledged && !cursorOf.has(publication.id))
    .map((publication) => publication.id);
  const fenceCursor = Math.max(
    0,
    ...publications.filter((publication) => publication.isFence).map((fence) => cursorOf.get(fence.id) ?? 0),
  );
  if (missingFromHistory.length > 0)
    problems.push(
      `history: ${missingFromHistory.length} acknowledged events are not stored: ${sample(missingFromHistory)}`,
    );

  for (const subscriber of subscribers) {
    const topics = new Set(subscriber.topics);
    const concerns = (eventTopics: string[]) => eventTopics.some((topic) => topics.has(topic));
    const received = subscriber.received;
    counts.delivered += received.length;
    const times = new Map<string, number>();
    for (const event of received) times.set(event.id, (times.get(event.id) ?? 0) + 1);

    const expected = publications.filter(
      (publication) => publication.isAcknowledged && concerns(publication.topics),
    );
    counts.expected += expected.length;
    const lost = expected.filter((publication) => !times.has(publication.id));
    counts.lost += lost.length;
    if (lost.length > 0) {
      problems.push(
        `${subscriber.name}: lost ${lost.length} acknowledged events: ${lost
          .slice(0, shown)
          .map((publication) => describeLoss(subscriber, publication, history, cursorOf))
          .join('; ')}`,
      );
    }
    const duplicated = [...times].filter(([, n]) => n > 1);
    counts.duplicated += duplicated.reduce((sum, [, n]) => sum + n - 1, 0);
    if (duplicated.length > 0) {
      problems.push(
        `${subscriber.name}: ${duplicated.length} events received more than once: ${duplicated
          .slice(0, shown)
          .map(([id, n]) => `${id} x${n} (${describeDeliveries(subscriber, id)})`)
          .join('; ')}`,
      );
    }
    const unexpected = received.filter((event) => {
      const publication = byId.get(event.id);
      return publication === undefined || !concerns(publication.topics);
    });
    if (unexpected.length > 0)
      problems.push(
        `${subscriber.name}: ${unexpected.length} events it should not get: ${sample(unexpected)}`,
      );
    const altered = received.filter((event) => {
      const publication = byId.get(event.id);
      return publication !== undefined && publication.data !== event.data;
    });
    if (altered.length > 0)
      problems.push(`${subscriber.name}: ${altered.length} events with other data: ${sample(altered)}`);
    counts.unacknowledgedDelivered += received.filter(
      (event) => byId.get(event.id)?.isAcknowledged === false,
    ).length;

    // Each publisher's acknowledged events in sequence order (its fence last).
    const lastSeq = new Map<number, { seq: number; id: string }>();
    for (const event of received) {
      const publication = byId.get(event.id);
      if (publication === undefined || !publication.isAcknowledged) continue;
      const seq = publication.isFence ? Number.POSITIVE_INFINITY : publication.seq;
      const before = lastSeq.get(publication.publisher);
      if (before !== undefined && seq <= before.seq && before.id !== event.id) {
        problems.push(
          `${subscriber.name}: ${event.id} came after ${before.id} (publisher ${publication.publisher} out of order)`,
        );
      }
      if (before === undefined || seq > before.seq) lastSeq.set(publication.publisher, { seq, id: event.id });
    }

    // The whole list is the hub's history filtered by the subscriber's topics, in cursor order, up
    // to the last fence at least: a stored event reaches every subscriber of its topics, acknowledged
    // or not (only an event stored after the fences, a stray in-flight retry, may still be on its way).
    const upTo = Math.max(fenceCursor, cursorOf.get(received.at(-1)?.id ?? '') ?? 0);
    const inHistory = history
      .filter((kept) => kept.cursor <= upTo && concerns(kept.topics))
      .map((kept) => kept.id);
    const got = received.map((event) => event.id);
    const diverge = firstDifference(got, inHistory);
    if (diverge !== undefined) {
      problems.push(
        `${subscriber.name}: differs from the history (cursor order) at position ${diverge}: received ${sample(
          got.slice(diverge),
        )}, history has ${sample(inHistory.slice(diverge))}`,
      );
    }
  }
  return { counts, problems };
}

function firstDifference(a: string[], b: string[]): number | undefined {
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return i;
  return undefined;
}

/** A lost event, with the stream that should have brought it: the one that brought its predecessor. */
function describeLoss(
  subscriber: ChaosSubscriber,
  lost: Publication,
  history: KeptEvent[],
  cursorOf: Map<string, number>,
): string {
  const cursor = cursorOf.get(lost.id);
  const topics = new Set(subscriber.topics);
  const before = history.filter(
    (kept) => cursor !== undefined && kept.cursor < cursor && kept.topics.some((topic) => topics.has(topic)),
  );
  const previous = before.at(-1);
  const carrier = subscriber.received.find((event) => event.id === previous?.id);
  const connection = carrier === undefined ? undefined : subscriber.connections[carrier.connection];
  return `${lost.id} (cursor ${cursor ?? 'not stored'}; its predecessor ${previous?.id ?? 'none'} came on ${
    connection === undefined ? 'no stream' : JSON.stringify({ stream: carrier?.connection, ...connection })
  })`;
}

function describeDeliveries(subscriber: ChaosSubscriber, id: string): string {
  return subscriber.received
    .filter((event) => event.id === id)
    .map((event) => {
      const connection = subscriber.connections[event.connection];
      return `stream ${event.connection} ${connection?.url} after ${connection?.lastEventId} in ${connection?.phase}`;
    })
    .join(', ');
}
