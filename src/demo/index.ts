/**
 * The local demo, loaded only by `herald serve --demo` (or an application calling `createDemoHub`):
 * pages, fake users' tokens and a stock ticker, as an extension of the hub's router.
 */
export { createDemoHub, type DemoHubOptions, type DemoOptions, demoExtension } from './demo.js';
export { DEMO_SYMBOLS, type DemoPrice, type DemoSnapshot, DemoTicker, demoStockTopic } from './ticker.js';
export { DEMO_TOPIC_PREFIX } from './token.js';
export { DEMO_USERS, type DemoUser } from './users.js';
