/**
 * The hub's domain: publications, selectors, authorization, subscribers and fan-out, talking to
 * storage only through its ports. Other folders import it through this file only.
 */
export { canReceive, type Grant, MERCURE_DETAIL_TYPE } from './authorization.js';
export { AuthError, PublishError, type PublishErrorCode, SelectorError } from './errors.js';
export {
  EARLIEST,
  Hub,
  type HubObserver,
  type HubOptions,
  type OpenSubscription,
  type PublishOptions,
  type SubscribeRequest,
} from './hub.js';
export { createJwtVerifier, isJwtAccessToken, type JwtVerifier, type TrustedIssuer } from './jwt.js';
export { type KeySpec, loadKey, type RemoteJwksOptions, remoteJwks } from './jwt-keys.js';
export { Lru } from './lru.js';
export {
  type AppendOptions,
  type Broker,
  type Cursor,
  DEFAULT_MAX_LISTED_SUBSCRIBERS,
  type DirectoryEntry,
  type DirectoryMember,
  type DirectoryStats,
  type DirectorySubscription,
  type DuplicateIdError,
  isDuplicateIdError,
  isStoreError,
  type NewEvent,
  type RetentionPolicy,
  type Store,
  type StoredEvent,
  type StoreErrorCode,
  type SubscriberDirectory,
} from './ports.js';
export { defaultPublishLimits, type PublishInput, type PublishLimits, toNewEvent } from './publish.js';
export { compileSelector, type Selector, type SelectorKind, selectorKindForQueryParam } from './selector.js';
export { Subscriber, type SubscriberCloseReason, type SubscriberSink } from './subscriber.js';
export {
  directoryEntryOf,
  LocalSubscriberDirectory,
  type LocalSubscriberDirectoryOptions,
} from './subscriber-directory.js';
export { type SubscriptionFacts, subscriptionDocument } from './subscription-topic.js';
export { type MintOptions, mintToken, TokenMintError } from './token-mint.js';
export { type PollEvent, Update } from './update.js';
export {
  isAccessTokenType,
  type MercureVersion,
  requestVersion,
  subscriptionVersion,
  tokenVersion,
} from './version.js';
