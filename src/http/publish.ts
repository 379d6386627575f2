import { AuthError } from '../hub/index.js';
import type { Exchange } from '../transports/index.js';
import { readForm } from './body.js';
import type { HttpContext } from './context.js';
import { isOriginAllowedForCookie } from './cors.js';
import { HttpError } from './errors.js';
import { publishLater } from './schedules.js';
import { sendText } from './send.js';
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
  if (presented.source === 'cookie') {
    const hubOrigin = options.hubUrl ? new URL(options.hubUrl).origin : undefined;
    if (
      !isOriginAllowedForCookie(exchange.headers.origin, hubOrigin, { allowedOrigins: options.corsOrigins })
    ) {
      throw new HttpError(403, 'ORIGIN_FORBIDDEN', 'publishing with a cookie requires an allowed Origin');
    }
  }
  const grant = await context.authorizer.verifyPublisher(presented.token);
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
  const schedules = context.schedules;
  if (schedules && (await publishLater({ schedules, form, input, grant, exchange, headers: cors }))) {
    return;
  }
  const event = await context.hub.publish(input);
  sendText(exchange, 200, event.id, cors);
}
