import { Lru } from './lru.js';
import type { Selector } from './selector.js';

interface Entry<T> {
  readonly subscriber: T;
  readonly selectors: readonly Selector[];
  /** The epoch of the last event that visited this entry: dedupes without a Set per event. */
  mark: number;
}

/** Subscribers sharing one template or URL-pattern selector (compiled selectors are shared). */
export interface PatternGroup<T> {
  readonly selector: Selector;
  readonly entries: Set<Entry<T>>;
  /** Emptied and dropped: a cached list may still name it, harmlessly (it has no entries). */
  isRemoved: boolean;
}

/**
 * A topic's matching groups among the first `testedBefore` groups ever added (counting from the
 * last compaction of the log).
 */
interface CachedGroups<T> {
  readonly groups: readonly PatternGroup<T>[];
  readonly testedBefore: number;
}

export interface TopicIndexOptions {
  /** How many topics keep their list of matching pattern groups. */
  maxCachedTopics?: number;
  /** The clock `advance` reads its deadline against (milliseconds). Default `performance.now`. */
  nowMs?: () => number;
}

/**
 * The pattern groups matching each topic of one event, found by `TopicIndex.advance` in as many
 * slices as it takes. The groups are those indexed when the work on a topic began: a subscriber
 * that opens later (after the event was stored) gets it by replay, or did not ask for it.
 */
export interface TopicResolution<T> {
  readonly topics: readonly string[];
  /** Per topic, its matching groups once found. */
  readonly groups: (readonly PatternGroup<T>[] | undefined)[];
  /** The topic being worked on: its candidate groups, how far through, what matched so far. */
  current: Work<T> | undefined;
}

interface Work<T> {
  /** The groups to test, added since the topic's cached list (all of them when none). */
  readonly candidates: readonly PatternGroup<T>[];
  at: number;
  readonly found: PatternGroup<T>[];
  /** The number after the last candidate's: how far the finished list will have tested. */
  readonly testedBefore: number;
  /** The log's numbering when the work began; a compaction renumbers, and the list is not cached. */
  readonly compactions: number;
}

/**
 * Fan-out index: which subscribers does an event reach? (Routing only: private-event authorization
 * is `canReceive`, checked by the caller per visited subscriber.)
 *
 * Cost per event: exact selectors are a Map lookup per topic, then one step per matching
 * subscriber; `*` subscribers are walked once; template and URL-pattern selectors are grouped by
 * selector, and each topic caches the list of groups whose selector matches it, so a topic seen
 * before costs one step per matching subscriber, whatever the number of distinct patterns. A group
 * added later is tested against a cached topic the next time the topic is seen (the list records
 * how far through the groups it got), and removing one costs nothing: subscribers coming and going
 * never make known topics pay for every distinct pattern again. Matching new topics is done in
 * slices (`resolve`, `advance`), so the caller can bound what one turn of the event loop spends.
 *
 * Nothing is allocated per subscriber per event: an entry visited by several of an event's topics
 * is skipped through its `mark`, compared with an epoch counter bumped once per event.
 */
export class TopicIndex<T> {
  readonly #entries = new Map<T, Entry<T>>();
  readonly #exact = new Map<string, Set<Entry<T>>>();
  readonly #wildcards = new Set<Entry<T>>();
  readonly #groups = new Map<Selector, PatternGroup<T>>();
  readonly #groupsByTopic: Lru<string, CachedGroups<T>>;
  readonly #nowMs: () => number;
  /** The pattern groups in the order they were added; `#logStart + i` numbers `#log[i]`. */
  #log: PatternGroup<T>[] = [];
  #logStart = 0;
  /** Compactions of `#log` so far (each renumbers the groups and empties the topic cache). */
  #compactions = 0;
  #epoch = 0;
  #collecting = false;

  constructor(options: TopicIndexOptions = {}) {
    this.#groupsByTopic = new Lru(options.maxCachedTopics ?? 4096);
    this.#nowMs = options.nowMs ?? (() => performance.now());
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
          group.isRemoved = true;
          if (this.#log.length > 2 * this.#groups.size + 64) this.#compactLog();
        }
      }
    }
    return true;
  }

  /**
   * Calls `visit` once for each subscriber with a selector matching at least one of `topics`.
   * Returns how many were visited. `visit` may remove (or add) subscribers but must not call
   * `collect` again. With a `resolution` of these topics that `advance` completed, no selector is
   * tested here; without one, new topics are matched synchronously, however long that takes.
   */
  collect(
    topics: readonly string[],
    visit: (subscriber: T) => void,
    resolution?: TopicResolution<T>,
  ): number {
    if (this.#collecting) throw new Error('TopicIndex.collect is not re-entrant');
    this.#collecting = true;
    const epoch = ++this.#epoch;
    let visited = 0;
    try {
      for (const entry of this.#wildcards) visited += visitOnce(entry, epoch, visit);
      for (const [i, topic] of topics.entries()) {
        const exact = this.#exact.get(topic);
        if (exact !== undefined) for (const entry of exact) visited += visitOnce(entry, epoch, visit);
        const groups =
          resolution?.groups[i] ?? (this.#groups.size === 0 ? NO_GROUPS : this.#matchingGroups(topic));
        for (const group of groups) {
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
      group = { selector, entries: new Set(), isRemoved: false };
      this.#groups.set(selector, group);
      this.#log.push(group);
    }
    return group;
  }

  /** Drops removed groups from the log once they are half of it: memory stays bounded under churn. */
  #compactLog(): void {
    this.#logStart += this.#log.length;
    // A Map iterates in insertion order, and a selector added again is inserted again: add order.
    this.#log = [...this.#groups.values()];
    this.#groupsByTopic.clear();
    this.#compactions++;
  }

  /** Starts finding the pattern groups of `topics`; `advance` does the work, `collect` uses it. */
  resolve(topics: readonly string[]): TopicResolution<T> {
    return { topics, groups: topics.map(() => undefined), current: undefined };
  }

  /**
   * Tests selectors against the resolution's topics until every topic's groups are known (true) or
   * the clock passes `deadlineMs` (false: call again later). A topic seen before costs a cache
   * lookup, plus one match per pattern selector added since; a new one costs one match per
   * distinct pattern selector, each bounded (see `selector-template.ts`, `selector-urlpattern.ts`),
   * and the clock is read after each, so one call overruns its deadline by at most one match.
   */
  advance(resolution: TopicResolution<T>, deadlineMs: number): boolean {
    const { topics, groups } = resolution;
    for (let i = 0; i < topics.length; i++) {
      if (groups[i] !== undefined) continue;
      const topic = topics[i]!;
      if (this.#groups.size === 0) {
        groups[i] = NO_GROUPS;
        continue;
      }
      const logEnd = this.#logStart + this.#log.length;
      if (resolution.current === undefined) {
        const cached = this.#groupsByTopic.get(topic);
        if (cached?.testedBefore === logEnd) {
          groups[i] = cached.groups;
          continue;
        }
        // Only the groups added since the cached list was made, if there is one.
        const from = Math.max(0, (cached?.testedBefore ?? 0) - this.#logStart);
        resolution.current = {
          candidates: this.#log.slice(from),
          at: 0,
          found: cached === undefined ? [] : cached.groups.filter((group) => !group.isRemoved),
          testedBefore: logEnd,
          compactions: this.#compactions,
        };
      }
      const work = resolution.current;
      while (work.at < work.candidates.length) {
        const group = work.candidates[work.at++]!;
        if (!group.isRemoved && group.selector.matches(topic)) work.found.push(group);
        if (work.at < work.candidates.length && deadlineMs !== Infinity && this.#nowMs() > deadlineMs) {
          return false;
        }
      }
      groups[i] = work.found;
      resolution.current = undefined;
      if (work.compactions === this.#compactions) {
        this.#groupsByTopic.set(topic, { groups: work.found, testedBefore: work.testedBefore });
      }
    }
    return true;
  }

  #matchingGroups(topic: string): readonly PatternGroup<T>[] {
    const resolution = this.resolve([topic]);
    this.advance(resolution, Number.POSITIVE_INFINITY);
    return resolution.groups[0] ?? NO_GROUPS;
  }
}

const NO_GROUPS: readonly never[] = [];

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
