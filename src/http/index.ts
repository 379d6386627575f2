/**
 * herald/hub: the Mercure hub over HTTP, to embed (`createHub`) or serve (`createHubServer`).
 * Other folders of Herald import this folder through this file only.
 */
export { createAdminServer } from './admin-server.js';
export {
  type Authorizer,
  createAuthorizer,
  type IssuerOptions,
  type JwksFetchOptions,
  type JwtOptions,
} from './authorizer.js';
export { clientAddressOf, TrustedProxies, trustedProxiesOf } from './client-address.js';
export {
  type CreateHubOptions,
  createHub,
  type HeraldHub,
  type HubReconfiguration,
  type ScheduleOptions,
} from './create-hub.js';
export {
  discoveryLinkHeader,
  LinkHeaderError,
  type LinkHeaderErrorCode,
  type MercureLinkAttributes,
} from './discovery.js';
export { HttpError } from './errors.js';
export type { HubExtension, HubExtensionContext, HubExtensionFactory } from './extension.js';
export {
  defaultHttpOptions,
  type HttpOptions,
  HUB_PATH,
  RELOADABLE_HTTP_OPTIONS,
  type ReloadableHttpOptions,
} from './options.js';
export {
  createHubServer,
  type HubServer,
  type HubServerOptions,
  loadTlsCredentials,
  type TlsCredentials,
  type TlsFiles,
} from './tls-server.js';
