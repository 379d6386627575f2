export type { Authorizer, JwtOptions } from './authorizer.js';
export { type CreateHubOptions, createHub, type HeraldHub } from './create-hub.js';
export { discoveryLinkHeader } from './discovery.js';
export { defaultHttpOptions, type HttpOptions, HUB_PATH } from './handler.js';
export type { SchedulingOptions } from './scheduling.js';
export { createHubServer, type HubServer, type TlsFiles } from './tls-server.js';
