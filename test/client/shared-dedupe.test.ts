import { describe, expect, it } from 'vitest';
import { type ChannelLike, type LockManagerLike, SharedEventSource } from '../../src/client/index.js';

/** A channel the test speaks through directly. */
class ScriptedChannel implements ChannelLike {
  onmessage: ((event: MessageEvent) => void) | null = null;
  readonly posted: unknown[] = [];
  postMessage(message: unknown): void {
    this.posted.push(message);
  }
  close(): void {}
  receive(data: unknown): void {
    this.onmessage?.(new MessageEvent('message', { data }));
  }
}

/** Another tab holds the lock for ever: this one stays a follower. */
const neverGranted: LockManagerLike = { request: () => new Promise(() => {}) };

function follower() {
  const channel = new ScriptedChannel();
  const source = new SharedEventSource('http://hub.test/events', {
    locks: neverGranted,
    createChannel: () => channel,
  });
  const received: string[] = [];
  source.onmessage = (event) => received.push(`${event.data}@${event.lastEventId}`);
  const event = (epoch: string, id: string, data: string) =>
    channel.receive({
      kind: 'event',
      epoch,
      type: 'message',
      init: { data, lastEventId: id, origin: 'http://hub.test' },
    });
  return { source, channel, received, event };
}

describe('SharedEventSource followers', () => {
  it('announce themselves, then mirror the leader state', () => {
    const tab = follower();
    expect(tab.channel.posted).toEqual([{ kind: 'hello' }]);
    const opens: number[] = [];
    tab.source.onopen = () => opens.push(tab.source.readyState);
    tab.channel.receive({ kind: 'state', epoch: 'A', readyState: 1 });
    tab.channel.receive({ kind: 'state', epoch: 'A', readyState: 1 });
    expect(opens).toEqual([1]);
    tab.source.close();
  });

  it('drop a takeover replay of ids already seen under the previous leader, in order', () => {
    const tab = follower();
    tab.event('A', 'e1', 'one');
    tab.event('A', 'e2', 'two');
    // Leader B started from an older cursor (e1): e2 comes again, then new events.
    tab.event('B', 'e2', 'two');
    tab.event('B', 'e3', 'three');
    // A late broadcast of the old leader, delivered after B's: dropped as well.
    tab.event('A', 'e3', 'three');
    expect(tab.received).toEqual(['one@e1', 'two@e2', 'three@e3']);
    expect(tab.source.lastEventId).toBe('e3');
    tab.source.close();
  });

  it('keep events of one leadership that share a carried-over id, and events without ids', () => {
    const tab = follower();
    tab.event('A', 'e1', 'one');
    tab.event('A', 'e1', 'no id of its own');
    tab.event('A', '', 'a');
    tab.event('B', '', 'a');
    expect(tab.received).toEqual(['one@e1', 'no id of its own@e1', 'a@', 'a@']);
    tab.source.close();
  });

  it('close with every tab when the leader fails the connection', () => {
    const tab = follower();
    const codes: string[] = [];
    tab.source.onerror = (event) => codes.push((event as unknown as { code: string }).code);
    tab.channel.receive({ kind: 'state', epoch: 'A', readyState: 2, errorCode: 'HTTP_STATUS' });
    expect(tab.source.readyState).toBe(2);
    expect(codes).toEqual(['HTTP_STATUS']);
    tab.event('A', 'e9', 'late');
    expect(tab.received).toEqual([]);
  });
});
