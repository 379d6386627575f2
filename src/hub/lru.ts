/**
 * A bounded, approximately least-recently-used map holding at most `2 × maxEntries` entries.
 *
 * Two generations (the quick-lru scheme): new and re-used keys go to `#recent`; when it fills up it
 * becomes `#old` and the previous `#old` is dropped whole. Every operation is O(1). The obvious
 * single-`Map` LRU (delete the first key on overflow) was measured at 9 µs per insert once full:
 * V8 leaves a hole per deleted key at the front of the table, and each `keys().next()` walks them.
 */
export class Lru<K, V> {
  readonly #maxEntries: number;
  #recent = new Map<K, V>();
  #old = new Map<K, V>();

  constructor(maxEntries: number) {
    this.#maxEntries = Math.max(1, maxEntries);
  }

  get(key: K): V | undefined {
    const value = this.#recent.get(key);
    if (value !== undefined) return value;
    const old = this.#old.get(key);
    if (old !== undefined) {
      this.#old.delete(key);
      this.#insert(key, old);
    }
    return old;
  }

  set(key: K, value: V): void {
    if (this.#recent.has(key)) this.#recent.set(key, value);
    else {
      this.#old.delete(key);
      this.#insert(key, value);
    }
  }

  delete(key: K): void {
    this.#recent.delete(key);
    this.#old.delete(key);
  }

  clear(): void {
    this.#recent.clear();
    this.#old.clear();
  }

  get size(): number {
    return this.#recent.size + this.#old.size;
  }

  #insert(key: K, value: V): void {
    if (this.#recent.size >= this.#maxEntries) {
      this.#old = this.#recent;
      this.#recent = new Map();
    }
    this.#recent.set(key, value);
  }
}
