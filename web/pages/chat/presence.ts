/** One subscription of the room's topic, as the hub's subscriptions API describes it. */
export interface SubscriptionDoc {
  subscriber: string;
  active: boolean;
  /** The subscriber's token `mercure.payload`: the demo puts the display name and role there. */
  payload?: { name?: string; role?: string; user?: string };
}

/** Someone in the room; several tabs of one person are one entry. */
export interface Person {
  name: string;
  tabs: number;
  isReader: boolean;
}

export function isSubscriptionDoc(value: unknown): value is SubscriptionDoc {
  const doc = value as Partial<SubscriptionDoc> | null;
  return typeof doc?.subscriber === 'string' && typeof doc.active === 'boolean';
}

/**
 * Who is subscribed to a room: the subscriptions API's list as a starting point, then every
 * subscription event (`active: true` when a tab subscribes, `false` when it goes) applied in order.
 */
export class Presence {
  readonly #subscribers = new Map<string, SubscriptionDoc>();

  reset(docs: readonly SubscriptionDoc[]): void {
    this.#subscribers.clear();
    for (const doc of docs) this.apply(doc);
  }

  apply(doc: SubscriptionDoc): void {
    if (doc.active) this.#subscribers.set(doc.subscriber, doc);
    else this.#subscribers.delete(doc.subscriber);
  }

  /** Sorted by name; a tab without a token (anonymous) has no name and is counted as a guest. */
  people(): Person[] {
    const byName = new Map<string, Person>();
    for (const doc of this.#subscribers.values()) {
      const name = doc.payload?.name ?? 'Guest';
      const person = byName.get(name) ?? { name, tabs: 0, isReader: doc.payload?.role === 'subscriber' };
      person.tabs += 1;
      byName.set(name, person);
    }
    return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}
