import { describe, expect, it } from 'vitest';
import type { Clock } from '../../src/clock/index.js';
import { hubPerTest, legacyToken, publish, subscribe } from './helpers.js';

const TOPIC = 'https://example.com/rate';

describe('--publish-rate (memory store, real hub on loopback, fake clock)', () => {
  const start = hubPerTest('memory');

  function fakeClock(): Clock & { advance(ms: number): void } {
    let now = Date.UTC(2026, 0, 1);
    return { nowMs: () => now, advance: (ms) => (now += ms) };
  }

  /** Publishes `data` on TOPIC with `token`, as the client `address` (through the trusted loopback). */
  const publishAs = (url: string, token: string, address: string, data: string) =>
    publish(
      url,
      token,
      [
        ['topic', TOPIC],
        ['data', data],
      ],
      { 'x-forwarded-for': address },
    );

  it('limits per token sub and per client address, answers 429 + Retry-After, and stores nothing refused', async () => {
    const clock = fakeClock();
    // The test client is 127.0.0.1: trusting loopback lets X-Forwarded-For name each "client".
    const hub = await start({
      allowAnonymous: true,
      clock,
      publishRate: 1,
      publishBurst: 2,
      trustProxy: ['loopback'],
    });
    const fence = await hub.herald.publish({ topics: [TOPIC], data: 'fence' });
    const alice = await legacyToken({ publish: ['*'] }, { sub: 'alice' });
    const bob = await legacyToken({ publish: ['*'] }, { sub: 'bob' });
    const carol = await legacyToken({ publish: ['*'] }, { sub: 'carol' });
    const dave = await legacyToken({ publish: ['*'] }, { sub: 'dave' });

    // alice spends her burst from two addresses; her third publish is refused on her sub.
    expect((await publishAs(hub.url, alice, '203.0.113.1', 'a1')).status).toBe(200);
    expect((await publishAs(hub.url, alice, '203.0.113.2', 'a2')).status).toBe(200);
    const refused = await publishAs(hub.url, alice, '203.0.113.3', 'refused-sub');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.text()).toMatch(/publish rate limit per token subject exceeded/);

    // bob is not limited by alice's bucket.
    expect((await publishAs(hub.url, bob, '203.0.113.4', 'b1')).status).toBe(200);

    // The address limit applies across tokens: carol and dave share 198.51.100.9's bucket.
    expect((await publishAs(hub.url, carol, '198.51.100.9', 'c1')).status).toBe(200);
    expect((await publishAs(hub.url, dave, '198.51.100.9', 'd1')).status).toBe(200);
    const byAddress = await publishAs(hub.url, bob, '198.51.100.9', 'refused-addr');
    expect(byAddress.status).toBe(429);
    expect(byAddress.headers.get('retry-after')).toBe('1');
    expect(await byAddress.text()).toMatch(/publish rate limit per client address exceeded/);
    // The refusal took nothing from bob's own bucket: one token left of his burst.
    expect((await publishAs(hub.url, bob, '203.0.113.5', 'b2')).status).toBe(200);

    // A second later alice has a token again.
    clock.advance(1_000);
    expect((await publishAs(hub.url, alice, '203.0.113.6', 'a3')).status).toBe(200);

    // Replay after the fence: every accepted publication, none of the refused ones.
    const stream = await subscribe(hub.url, `topic=${encodeURIComponent(TOPIC)}`, {
      'last-event-id': fence.id,
    });
    // In order: a refused publication, had it been stored, would come before a3.
    const received = await stream.waitFor(7);
    expect(received.map((event) => event.data)).toEqual(['a1', 'a2', 'b1', 'c1', 'd1', 'b2', 'a3']);
    stream.close();
  });

  it('limits a token without sub by its address only', async () => {
    const clock = fakeClock();
    const limited = await start({ clock, publishRate: 0.5, publishBurst: 1 });
    const anonymousSub = await legacyToken({ publish: ['*'] });
    const data: [string, string][] = [
      ['topic', TOPIC],
      ['data', 'x'],
    ];
    expect((await publish(limited.url, anonymousSub, data)).status).toBe(200);
    const refused = await publish(limited.url, anonymousSub, data);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('2');
    expect(await refused.text()).toMatch(/per client address/);
  });

  it('is off by default', async () => {
    const hub = await start({ clock: fakeClock() });
    const token = await legacyToken({ publish: ['*'] }, { sub: 'alice' });
    for (let i = 0; i < 20; i++) {
      const res = await publish(hub.url, token, [
        ['topic', TOPIC],
        ['data', `${i}`],
      ]);
      expect(res.status).toBe(200);
    }
  });
});
