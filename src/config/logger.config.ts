import type { IncomingMessage } from 'node:http';
import type { Params } from 'nestjs-pino';
import { loggableError } from '../common/errors/loggable-error';
import { AppConfig } from './app.config';

/** Query parameters that carry credentials (EventSource cannot send headers, so tokens may come this way). */
const SECRET_QUERY = /([?&](?:access_token|token|password)=)[^&#]*/gi;

export function redactUrl(url: string | undefined): string | undefined {
  return url?.replace(SECRET_QUERY, '$1[REDACTED]');
}

/** JSON lines (pretty with LOG_FORMAT=pretty); credentials are redacted wherever they may appear. */
export function buildLoggerParams(log: AppConfig['log']): Params {
  return {
    // No Nest middleware: requests are logged from a Fastify hook (common/logging/request-logging.ts), with
    // these same pino-http options.
    forRoutes: [],
    pinoHttp: {
      level: log.level,
      transport: log.format === 'pretty' ? { target: 'pino-pretty', options: { singleLine: true } } : undefined,
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'req.headers["x-api-key"]',
          'res.headers["set-cookie"]',
          '*.password',
          '*.newPassword',
          '*.currentPassword',
          '*.token',
          '*.access_token',
        ],
        censor: '[REDACTED]',
      },
      serializers: {
        // Every logged error, not only the problem filter's: a database error carries its statement's parameters and row.
        err: loggableError,
        req: (req: { id: unknown; method: string; url: string; remoteAddress?: string; headers: Record<string, unknown> }) => ({
          id: req.id,
          method: req.method,
          url: redactUrl(req.url),
          remoteAddress: req.remoteAddress,
          headers: req.headers,
        }),
      },
      customProps: (req: IncomingMessage) => ({ requestId: (req as IncomingMessage & { id?: unknown }).id }),
      quietReqLogger: true,
      // Middie strips the matched route from `req.url` before pino-http sees it; `originalUrl` keeps the path.
      autoLogging: { ignore: (req: IncomingMessage & { originalUrl?: string }) => (req.originalUrl ?? req.url) === '/health' },
    },
  };
}
