import type { SharedEventSource } from '../../../src/client/index.js';
import { byId, formatClock, h } from '../../shared/dom.js';
import { DemoSession } from '../../shared/session.js';
import { FEED_PATHS } from './feed.js';

interface SubscriptionDoc {
  subscriber: string;
  active: boolean;
  payload?: { name?: string; role?: string };
}

interface ChatMessage {
  from: string;
  text: string;
  atMs: number;
}

/**
 * Card 3: Alice publishes; Bob's token may subscribe but not publish, so his pane is read-only
 * (and trying to post shows the hub's 403). Bob's one connection carries the chat and, when the
 * subscriptions API is on, the presence events of the chat topic (private: his token may read them).
 */
export async function startChat(alice: DemoSession, feed: SharedEventSource): Promise<void> {
  const bob = await DemoSession.open('subscriber', 'Bob');
  const topic = alice.topic(FEED_PATHS.chat);
  const show = (pane: HTMLElement, data: string) => {
    const { from, text, atMs } = JSON.parse(data) as ChatMessage;
    pane.append(h('li', {}, h('b', {}, from), ` ${text} `, h('time', {}, formatClock(atMs))));
    pane.scrollTop = pane.scrollHeight;
  };
  feed.addEventListener('chat', (event) =>
    show(byId('chat-writer-log'), (event as MessageEvent<string>).data),
  );
  const presenceBase = `/.well-known/mercure/subscriptions/${encodeURIComponent(topic)}`;
  const topics = alice.hasSubscriptionsApi ? [topic, `${presenceBase}/{subscriber}`] : [topic];
  const bobSource = bob.subscribe(topics, 'herald-demo-bob');
  bobSource.addEventListener('chat', (event) =>
    show(byId('chat-reader-log'), (event as MessageEvent<string>).data),
  );

  const input = byId<HTMLInputElement>('chat-input');
  byId<HTMLFormElement>('chat-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (text === '') return;
    input.value = '';
    const message: ChatMessage = { from: 'Alice', text, atMs: Date.now() };
    await alice.publish({ topic, type: 'chat', data: JSON.stringify(message) });
  });
  byId('chat-reader-try').addEventListener('click', async () => {
    const message: ChatMessage = { from: 'Bob', text: 'hi', atMs: Date.now() };
    const response = await bob.publish({ topic, type: 'chat', data: JSON.stringify(message) });
    byId('chat-reader-status').textContent = response.ok
      ? 'unexpectedly accepted?'
      : `The hub refused Bob's publish: ${response.status} ${(await response.text()).trim()}`;
  });

  if (!alice.hasSubscriptionsApi) {
    byId('chat-presence').textContent = 'needs the subscriptions API (--subscriptions)';
    return;
  }
  const online = new Map<string, string>();
  const render = () => {
    const names = [...online.values()].sort();
    byId('chat-presence').replaceChildren(...names.map((name) => h('span', { class: 'presence-dot' }, name)));
  };
  const apply = (doc: SubscriptionDoc) => {
    if (doc.active) online.set(doc.subscriber, doc.payload?.name ?? 'a tab (anonymous)');
    else online.delete(doc.subscriber);
  };
  // Subscription events have no `type`: they arrive as plain messages.
  bobSource.onmessage = (message) => {
    apply(JSON.parse(message.data) as SubscriptionDoc);
    render();
  };
  const response = await fetch(presenceBase, { headers: { authorization: `Bearer ${bob.token}` } });
  if (response.ok) {
    const list = (await response.json()) as { subscriptions: SubscriptionDoc[] };
    for (const doc of list.subscriptions) apply(doc);
    render();
  }
}
