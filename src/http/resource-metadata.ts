/**
 * OAuth 2.0 Protected Resource Metadata (RFC 9728) of the hub, which draft-08 §Protected Resource
 * Metadata says the hub SHOULD publish: how a generic OAuth client learns the `aud` to request
 * (`resource`), where to get a token (`authorization_servers`) and how to present it.
 */
import { MERCURE_DETAIL_TYPE } from '../hub/index.js';
import type { Exchange } from '../transports/index.js';
import { HttpError } from './errors.js';
import type { HttpOptions } from './options.js';
import { sendJson } from './send.js';
import { RECOMMENDED_TOKEN_COOKIE } from './token.js';

/** RFC 9728 §3: the well-known suffix inserted between the host and the path of the resource. */
export const RESOURCE_METADATA_PREFIX = '/.well-known/oauth-protected-resource';

export interface ResourceMetadataOptions {
  /** The hub's resource identifier (draft-08 `aud`), e.g. `https://hub.example/.well-known/mercure`. */
  resource: string;
  /** Issuer identifiers of the authorization servers (RFC 8414); omitted when tokens are self-issued. */
  authorizationServers: readonly string[];
  /** Whether the active subscriptions feature is on. */
  subscriptionsApi: boolean;
}

/** The metadata document. */
export function resourceMetadata(options: ResourceMetadataOptions): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    resource: options.resource,
    // The RFC 6750 methods the hub accepts for draft-08 tokens: the header only (no token in the
    // URL). The cookie is not an RFC 6750 method: `mercure_cookie` names it. No version member:
    // "This protocol carries no version identifier".
    bearer_methods_supported: ['header'],
    authorization_details_types_supported: [MERCURE_DETAIL_TYPE],
    mercure_cookie: RECOMMENDED_TOKEN_COOKIE,
  };
  if (options.authorizationServers.length > 0)
    doc['authorization_servers'] = [...options.authorizationServers];
  if (options.subscriptionsApi) doc['mercure_subscriptions'] = true;
  return doc;
}

/**
 * The metadata URL of a resource (RFC 9728 §3.1): `https://h/.well-known/mercure` →
 * `https://h/.well-known/oauth-protected-resource/.well-known/mercure`. `undefined` when the
 * resource is not an absolute URL.
 */
export function resourceMetadataUrl(resource: string): string | undefined {
  let url: URL;
  try {
    url = new URL(resource);
  } catch {
    return undefined;
  }
  const path = url.pathname === '/' ? '' : url.pathname;
  return `${url.origin}${RESOURCE_METADATA_PREFIX}${path}${url.search}`;
}

/** `GET /.well-known/oauth-protected-resource/.well-known/mercure`, when a resource is configured. */
export function serveResourceMetadata(
  options: HttpOptions & { resource: string },
  exchange: Exchange,
  cors: Record<string, string>,
): void {
  if (exchange.method !== 'GET' && exchange.method !== 'HEAD') {
    throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'use GET');
  }
  const { resource, authorizationServers, subscriptionsApi } = options;
  sendJson(exchange, 200, resourceMetadata({ resource, authorizationServers, subscriptionsApi }), cors);
}
