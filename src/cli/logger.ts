import pino, { type Logger } from 'pino';

const SECRET_QUERY = /([?&](?:authorization|access_token)=)[^&]*/gi;

/** Tokens must never reach logs: query parameters, header and cookies are redacted. */
export function redactUrl(url: string | undefined): string | undefined {
  return url?.replace(SECRET_QUERY, '$1[redacted]');
}

export function createLogger(level: string): Logger {
  const isTty = process.stdout.isTTY === true;
  return pino({
    level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie'],
      censor: '[redacted]',
    },
    serializers: {
      req: (req: { method?: string; url?: string; headers?: Record<string, unknown> }) => ({
        method: req.method,
        url: redactUrl(req.url),
      }),
      err: pino.stdSerializers.err,
    },
    ...(isTty ? { transport: { target: 'pino-pretty' } } : {}),
  });
}
