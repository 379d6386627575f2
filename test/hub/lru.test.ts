import { describe, expect, it } from 'vitest';
import { Lru } from '../../src/hub/lru.js';

describe('Lru', () => {
  it('keeps recently used keys and drops the rest once full', () => {
    const lru = new Lru<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    lru.set('c', 3); // a and b move to the old generation
    expect(lru.get('a')).toBe(1); // promoted back
    lru.set('d', 4);
    lru.set('e', 5); // drops the generation holding b
    expect(lru.get('b')).toBeUndefined();
    expect(lru.size).toBeLessThanOrEqual(4);
  });

  it('never holds more than twice its capacity', () => {
    const lru = new Lru<number, number>(100);
    for (let i = 0; i < 10_000; i++) lru.set(i, i);
    expect(lru.size).toBeLessThanOrEqual(200);
    expect(lru.get(9_999)).toBe(9_999);
  });

  it('overwrites, deletes and clears', () => {
    const lru = new Lru<string, number>(4);
    lru.set('a', 1);
    lru.set('a', 2);
    expect(lru.get('a')).toBe(2);
    lru.delete('a');
    expect(lru.get('a')).toBeUndefined();
    lru.set('b', 1);
    lru.clear();
    expect(lru.size).toBe(0);
  });
});
