import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  type ConnectionErrorEvent,
  EventSource,
  type EventSourceEventMap,
  SharedEventSource,
} from '../../src/client/index.js';
import { nextEvent } from './support.js';

/** A fetch double: one event stream with a `message`, an `update` and then the end (an `error`). */
const oneStream: typeof fetch = async () =>
  new Response('data: m\n\nevent: update\ndata: u\n\n', {
    headers: { 'content-type': 'text/event-stream' },
  });

describe('addEventListener/removeEventListener types (EventSourceEventMap, as lib.dom)', () => {
  it('open, message, error and custom types each get their event type; this is the source', async () => {
    const source = new EventSource('http://hub.test/', { fetch: oneStream });
    const seen: string[] = [];
    source.addEventListener('open', (event) => {
      expectTypeOf(event).toEqualTypeOf<Event>();
      seen.push(event.type);
    });
    source.addEventListener('message', function (event) {
      expectTypeOf(event).toEqualTypeOf<MessageEvent<string>>();
      expectTypeOf(this).toEqualTypeOf<EventSource>();
      seen.push(`${event.type}:${event.data}`);
    });
    source.addEventListener('update', (event) => {
      expectTypeOf(event).toEqualTypeOf<MessageEvent<string>>();
      seen.push(`${event.type}:${event.data}`);
    });
    source.addEventListener('error', (event) => {
      expectTypeOf(event).toEqualTypeOf<ConnectionErrorEvent>();
      seen.push(`error:${event.code}`);
      source.close();
    });
    await nextEvent(source, 'error');
    expect(seen).toEqual(['open', 'message:m', 'update:u', 'error:END_OF_STREAM']);
  });

  it('accepts the listeners lib.dom accepts, and removes them', async () => {
    const source = new SharedEventSource('http://hub.test/', { fetch: oneStream });
    const seen: string[] = [];
    const domListener = (event: Event) => seen.push(`dom:${event.type}`);
    const domMessageListener = (event: MessageEvent) => seen.push(`any:${String(event.data)}`);
    const listenerObject = {
      handleEvent: (event: MessageEvent<string>) => seen.push(`object:${event.data}`),
    };
    source.addEventListener('message', domListener);
    source.addEventListener('update', domMessageListener);
    source.addEventListener('message', listenerObject, { once: true });
    source.addEventListener('error', domListener);
    source.removeEventListener('error', domListener);
    await nextEvent(source, 'error');
    source.close();
    expect(seen).toEqual(['dom:message', 'object:m', 'any:u']);
    expectTypeOf<EventSourceEventMap['error']>().toExtend<Event>();
    // @ts-expect-error a message listener does not take a number
    source.addEventListener('message', (event: number) => event);
  });
});
