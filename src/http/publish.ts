import { AuthError, type StoredEvent } from '../hub/index.js';
import type { Exchange } from '../transports/index.js';
import { readForm } from './body.js';
import { clientAddressOf } from './client-address.js';
import type { HttpContext } from './context.js';
import { isOriginAllowedForCookie } from './cors.js';
import { HttpError } from './errors.js';
import { addressKey, subjectKey, takePublishToken } from './rate-limit.js';
import { publishLater } from './schedules.js';
import { sendText, shuttingDownError, toHttpError, tokenPresentationError } from './send.js';
import { presentedToken } from './token.js';

/**
 * `POST /.well-known/mercure`: verify the token, read the form, validate it, authorize every topic,
 * then store and fan out (or, with `deliver_*` fields, schedule). Answers 200 with the event's id,
 * also to a retry of a publication already kept (same id and content: see `Hub.publish`).
 */
export async function servePublish(
  context: HttpContext,
  exchange: Exchange,
  url: URL,
  cors: Record<string, string>,
): Promise<void> {
  const { options } = context;
  const presented = presentedToken(exchange.headers, url.searchParams);
  if (presented === undefined) throw new AuthError('TOKEN_MISSING', 'a publisher token is required');
  // 0.x let subscribers put the token in the URL (EventSource sends no header). A publisher can
  // always send a header, and a URL is what proxies and access logs keep: refused, not ignored.
  if (presented.source === 'query') {
    throw tokenPresentationError(
      'a publisher token is not accepted in the URL, where proxies and logs keep it: send it in an Authorization header',
    );
  }
  if (presented.source === 'cookie') {
    const hubOrigin = options.hubUrl ? new URL(options.hubUrl).origin : undefined;
    if (
      !isOriginAllowedForCookie(exchange.headers.origin, hubOrigin, { allowedOrigins: options.corsOrigins })
    ) {
      throw new HttpError(403, 'ORIGIN_FORBIDDEN', 'publishing with a cookie requires an allowed Origin');
    }
  }
  const grant = await context.authorizer.verifyPublisher(presented.token);
  // `--publish-rate`: per client address and per token subject, all or nothing, before the body
  // is read; a refused publication (429 + Retry-After) stores nothing.
  const limiter = context.publishRateLimiter;
  if (limiter !== undefined) {
    const address = clientAddressOf(exchange.clientAddress, exchange.headers, context.trustedProxies);
    const keys = [addressKey(address)];
    if (grant.subject !== undefined) keys.unshift(subjectKey(grant.subject));
    takePublishToken(limiter, keys);
  }
  const form = await readForm(exchange, options.maxBodyBytes);
  const topics = form.getAll('topic');
  const input = {
    topics,
    data: form.get('data') ?? undefined,
    isPrivate: form.has('private'),
    id: form.get('id') ?? undefined,
    type: form.get('type') ?? undefined,
    retry: form.get('retry') ?? undefined,
  };
  // A malformed publication (a reserved or `*` topic, too many topics, …) is refused "regardless of
  // the presented access token": 400 or 413 before any 403.
  context.hub.checkPublishInput(input);
  for (const topic of topics) {
    if (!grant.canPublish(topic)) {
      throw new AuthError('FORBIDDEN', 'the token does not allow publishing on every topic');
    }
  }
  // `deliver_*` fields: validated the same way, stored, delivered by the runner (docs/time.md).
  // Every field `publishLater` reads starts with `deliver_`: a form without one is an immediate
  // publish, and skipping the call (and its two awaits) changes nothing else.
  const schedules = context.schedules;
  if (context.hub.isClosed) throw shuttingDownError();
  let event: StoredEvent;
  try {
    if (
      schedules !== undefined &&
      hasDeliveryField(form) &&
      (await publishLater({ schedules, form, input, grant, exchange, headers: cors }))
    ) {
      return;
    }
    if (context.hub.isClosed) throw shuttingDownError();
    event = await context.hub.publish(input);
  } catch (error) {
    throw asShutdownError(context, error);
  }
  sendText(exchange, 200, event.id, cors);
}

/** Whether the form has a field of scheduled delivery (`deliver_at`, `deliver_local`, …). */
function hasDeliveryField(form: URLSearchParams): boolean {
  for (const name of form.keys()) if (name.startsWith('deliver_')) return true;
  return false;
}

/**
 * A failure of the write of a publication, when a shutdown raced it, answered 503 +
 * `Retry-After` (see `shuttingDownError`) rather than 500: the hub closed before the write
 * (`Hub.publish` rejects with a plain error then), or its store or broker closed under it
 * (`CLOSED`, mapped by `toHttpError`, or whatever a closed database driver throws). Nothing was
 * acknowledged.
 */
function asShutdownError(context: HttpContext, error: unknown): unknown {
  return context.hub.isClosed && toHttpError(error) === undefined ? shuttingDownError() : error;
}
