import { startChat } from './chat.js';
import { byId } from './dom.js';
import { openPageFeed } from './feed.js';
import { startHubMetrics } from './hub-metrics.js';
import { type LabState, startLab } from './lab.js';
import { startNotifications } from './notifications.js';
import { startReminder } from './reminder.js';
import { DemoSession } from './session.js';
import { startStock } from './stock.js';

declare global {
  interface Window {
    /** For tests and the curious: the lab's counters. */
    heraldDemo?: { lab: LabState; ready: boolean };
  }
}

async function main(): Promise<void> {
  let session: DemoSession;
  try {
    session = await DemoSession.open('publisher', 'Alice');
  } catch (error) {
    byId('banner').textContent = String((error as Error).message);
    byId('banner').hidden = false;
    return;
  }
  byId('topic-prefix').textContent = session.topicPrefix;
  const feed = openPageFeed(session);
  startNotifications(session, feed);
  startStock(feed);
  startReminder(session, feed);
  const lab = startLab(session);
  startHubMetrics();
  await startChat(session, feed);
  window.heraldDemo = { lab, ready: true };
  document.body.classList.add('ready');
}

void main();
