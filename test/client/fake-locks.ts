import type { LockManagerLike } from '../../src/client/index.js';

/** An exclusive lock per name, granted in request order (the part of Web Locks we rely on). */
export class FakeLocks implements LockManagerLike {
  readonly #queues = new Map<string, Array<() => void>>();
  readonly #held = new Set<string>();

  request(name: string, options: { signal?: AbortSignal }, callback: () => Promise<void>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const grant = () => {
        this.#held.add(name);
        callback().finally(() => {
          this.#held.delete(name);
          resolve(undefined);
          this.#queues.get(name)?.shift()?.();
        });
      };
      if (!this.#held.has(name)) return grant();
      const queue = this.#queues.get(name) ?? [];
      this.#queues.set(name, queue);
      queue.push(grant);
      options.signal?.addEventListener('abort', () => {
        queue.splice(queue.indexOf(grant), 1);
        reject(new DOMException('aborted', 'AbortError'));
      });
    });
  }
}
