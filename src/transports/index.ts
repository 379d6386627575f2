/**
 * How events reach a subscriber, written once for every host: the `Exchange` over node:http(2)
 * and Fetch, and the transports `sse`, `long-poll` and `short-poll` on one cursor semantics.
 */
export { idHeaderValue } from './cursor-header.js';
export type { Exchange } from './exchange.js';
export { type FetchExchange, fetchExchange } from './fetch-exchange.js';
export { type NodeRequest, type NodeResponse, nodeExchange } from './node-exchange.js';
export { type PollAnswer, type PollMode, type PollOptions, servePoll } from './poll.js';
export { readBodyWithin } from './read-body.js';
export { type SseTransportOptions, serveSse } from './sse.js';
export type { SubscriptionContext } from './subscription-context.js';
