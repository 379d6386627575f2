import type { Selector } from './selector.js';
import { Lru } from './selector-lru.js';

interface Entry<T> {
  readonly subscriber: T;
  readonly selectors: readonly Selector[];
  /** The epoch of the last event that visited this entry: dedupes without a Set per event. */
  mark: number;
}

/** Subscribers sharing one template or URL-pattern selector (compiled selectors are shared). */
interface PatternGroup<T> {
  readonly selector: Selector;
  readonly entries: Set<Entry<T>>;
}

export interface TopicIndexOptions {
  /** How many topics keep their list of matching pattern groups. */
  maxCachedTopics?: number;
}

/**
 * Fan-out index: which subscribers does an event reach? (Routing only: private-event authorization
 * is `canReceive`, checked by the caller per visited subscriber.)
 *
 * Cost per event: exact selectors are a Map lookup per topic, then one step per matching
 * subscriber; `*` subscribers are walked once; template and URL-pattern selectors are grouped by
 * selector, and each topic caches the list of groups whose selector matches it, so a topic seen
 * before costs one step per matching subscriber, whatever the number of distinct patterns. Adding
 * or removing a pattern group clears that cache; joining an existing group does not.
 *
 * Nothing is allocated per subscriber per event: an entry visited by several of an event's topics
 * is skipped through its `mark`, compared with an epoch counter bumped once per event.
 */
export class TopicIndex<T> {
  readonly #entries = new Map<T, Entry<T>>();
  readonly #exact = new Map<string, Set<Entry<T>>>();
  readonly #wildcards = new Set<Entry<T>>();
  readonly #groups = new Map<Selector, PatternGroup<T>>();
  readonly #groupsByTopic: Lru<string, PatternGroup<T>[]>;
  #epoch = 0;
  #collecting = false;

  constructor(options: TopicIndexOptions = {}) {
    this.#groupsByTopic = new Lru(options.maxCachedTopics ?? 4096);
  }

  get size(): number {
    return this.#entries.size;
  }

  has(subscriber: T): boolean {
    return this.#entries.has(subscriber);
  }

  /** Registers (or re-registers, replacing its selectors) a subscriber. */
  add(subscriber: T, selectors: readonly Selector[]): void {
    this.remove(subscriber);
    // Marked with the current epoch: a subscriber added by a visit callback misses the event in
    // flight, which it could not have asked for.
    const entry: Entry<T> = { subscriber, selectors, mark: this.#epoch };
    this.#entries.set(subscriber, entry);
    for (const selector of selectors) {
      if (selector.isWildcard) this.#wildcards.add(entry);
      else if (selector.exactTopic !== undefined) setOf(this.#exact, selector.exactTopic).add(entry);
      else this.#groupOf(selector).entries.add(entry);
    }
  }

  /** Unregisters a subscriber; safe inside a `collect` callback. Returns whether it was present. */
  remove(subscriber: T): boolean {
    const entry = this.#entries.get(subscriber);
    if (entry === undefined) return false;
    this.#entries.delete(subscriber);
    for (const selector of entry.selectors) {
      if (selector.isWildcard) {
        this.#wildcards.delete(entry);
      } else if (selector.exactTopic !== undefined) {
        const set = this.#exact.get(selector.exactTopic);
        set?.delete(entry);
        if (set?.size === 0) this.#exact.delete(selector.exactTopic);
      } else {
        const group = this.#groups.get(selector);
        group?.entries.delete(entry);
        if (group?.entries.size === 0) {
          this.#groups.delete(selector);
          this.#groupsByTopic.clear();
        }
      }
    }
    return true;
  }

  /**
   * Calls `visit` once for each subscriber with a selector matching at least one of `topics`.
   * Returns how many were visited. `visit` may remove (or add) subscribers but must not call
   * `collect` again.
   */
  collect(topics: readonly string[], visit: (subscriber: T) => void): number {
    if (this.#collecting) throw new Error('TopicIndex.collect is not re-entrant');
    this.#collecting = true;
    const epoch = ++this.#epoch;
    let visited = 0;
    try {
      for (const entry of this.#wildcards) visited += visitOnce(entry, epoch, visit);
      for (const topic of topics) {
        const exact = this.#exact.get(topic);
        if (exact !== undefined) for (const entry of exact) visited += visitOnce(entry, epoch, visit);
        if (this.#groups.size === 0) continue;
        for (const group of this.#matchingGroups(topic)) {
          for (const entry of group.entries) visited += visitOnce(entry, epoch, visit);
        }
      }
    } finally {
      this.#collecting = false;
    }
    return visited;
  }

  #groupOf(selector: Selector): PatternGroup<T> {
    let group = this.#groups.get(selector);
    if (group === undefined) {
      group = { selector, entries: new Set() };
      this.#groups.set(selector, group);
      this.#groupsByTopic.clear();
    }
    return group;
  }

  #matchingGroups(topic: string): PatternGroup<T>[] {
    let groups = this.#groupsByTopic.get(topic);
    if (groups === undefined) {
      groups = [];
      for (const group of this.#groups.values()) if (group.selector.matches(topic)) groups.push(group);
      this.#groupsByTopic.set(topic, groups);
    }
    return groups;
  }
}

function visitOnce<T>(entry: Entry<T>, epoch: number, visit: (subscriber: T) => void): number {
  if (entry.mark === epoch) return 0;
  entry.mark = epoch;
  visit(entry.subscriber);
  return 1;
}

function setOf<K, V>(map: Map<K, Set<V>>, key: K): Set<V> {
  let set = map.get(key);
  if (set === undefined) {
    set = new Set();
    map.set(key, set);
  }
  return set;
}
