import { describe, expect, it } from 'vitest';
import { createUuidv7Generator, timeOfUuidv7 } from '../../src/time/index.js';

const createEventIdGenerator = () => {
  const generate = createUuidv7Generator();
  return (nowMs: number) => `urn:uuid:${generate(nowMs)}`;
};

const URN_UUID_V7 = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('UUIDv7 event ids (randomness drawn from a pool)', () => {
  it('makes urn:uuid: UUIDv7 ids carrying the publication time', () => {
    const generate = createEventIdGenerator();
    const id = generate(1_700_000_000_123);
    expect(id).toMatch(URN_UUID_V7);
    expect(timeOfUuidv7(id)).toBe(1_700_000_000_123);
  });

  it('keeps ids strictly increasing and distinct across many pool refills, in one millisecond', () => {
    const generate = createEventIdGenerator();
    let previous = '';
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      // 5000 ids in "one" millisecond overflow the 12-bit counter: the next millisecond is borrowed.
      const id = generate(1_700_000_000_000);
      expect(id > previous).toBe(true);
      seen.add(id);
      previous = id;
    }
    expect(seen.size).toBe(5000);
    expect(timeOfUuidv7(previous)).toBeGreaterThan(1_700_000_000_000);
  });

  it('stays increasing when the clock steps back', () => {
    const generate = createEventIdGenerator();
    const first = generate(2_000_000);
    const second = generate(1_000_000);
    expect(second > first).toBe(true);
    expect(timeOfUuidv7(second)).toBe(2_000_000);
  });

  it('differs between generators (random bits), and refuses a time out of range', () => {
    const a = createEventIdGenerator()(5);
    const b = createEventIdGenerator()(5);
    expect(a).not.toBe(b);
    expect(() => createEventIdGenerator()(-1)).toThrow(RangeError);
    expect(() => createEventIdGenerator()(1.5)).toThrow(RangeError);
  });
});
