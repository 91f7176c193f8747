import type { IncomingMessage } from 'node:http';
import type { Params } from 'nestjs-pino';
import pino, { StreamEntry } from 'pino';
import type { Options } from 'pino-http';
import pinoPretty from 'pino-pretty';
import { loggableError } from '../common/errors/loggable-error';
import { AppConfig } from './app.config';

/** Query parameters that carry credentials (EventSource cannot send headers, so tokens may come this way). */
const SECRET_QUERY = /([?&](?:access_token|token|password)=)[^&#]*/gi;

export function redactUrl(url: string | undefined): string | undefined {
  return url?.replace(SECRET_QUERY, '$1[REDACTED]');
}

/**
 * The request headers a request line keeps: enough to tell who called and how, not every header a browser
 * or proxy sends. Authorization stays (redacted) so a line shows whether the call was authenticated.
 */
const LOGGED_HEADERS = ['host', 'user-agent', 'content-type', 'content-length', 'origin', 'referer', 'x-forwarded-for', 'authorization'];

type LoggedRequest = IncomingMessage & { originalUrl?: string };

/** `GET /services?page=2 200 12ms`: what a person reading the log wants of a request. */
function requestSummary(req: LoggedRequest, statusCode: number, responseTime?: number): string {
  const time = responseTime === undefined ? '' : ` ${Math.round(responseTime)}ms`;
  return `${req.method} ${redactUrl(req.originalUrl ?? req.url)} ${statusCode}${time}`;
}

/**
 * pino-pretty, one line per event: the time, the level, the component and the message (a request line
 * is its summary; the request and response objects stay in the JSON format). A dependency, not a dev
 * dependency: it is the default on a terminal, and LOG_FORMAT=pretty must work on a production install.
 */
const PRETTY_TRANSPORT = {
  target: 'pino-pretty',
  options: {
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,context,req,res,reqId,requestId,responseTime',
    messageFormat: '{if context}[{context}] {end}{msg}',
  },
};

/** Marks a request line, so a reader (and LOG_DIR's access.log) tells it from the app's own lines. */
const asAccessLine = (value: object) => ({ log: 'access', ...value });

/**
 * JSON lines (readable lines with LOG_FORMAT=pretty) on stdout; credentials are redacted wherever they may
 * appear. With `files` (LOG_DIR's, from LogFiles), the same lines also go to them, always as JSON.
 */
export function buildLoggerParams(log: Pick<AppConfig['log'], 'level' | 'format'>, files: StreamEntry[] = []): Params {
  const params = stdoutParams(log);
  return files.length ? alsoToFiles(params, log, files) : params;
}

/** stdout as before, plus the files: one process writes both, so the pretty printer then runs in it rather than as a transport. */
function alsoToFiles(params: Params, log: Pick<AppConfig['log'], 'format'>, files: StreamEntry[]): Params {
  const { transport: _transport, ...options } = params.pinoHttp as Options;
  const stdout = log.format === 'pretty' ? pinoPretty({ ...PRETTY_TRANSPORT.options, sync: true }) : pino.destination({ dest: 1, sync: true });
  return { ...params, pinoHttp: [options, pino.multistream([{ level: 'trace', stream: stdout }, ...files])] };
}

function stdoutParams(log: Pick<AppConfig['log'], 'level' | 'format'>): Params {
  return {
    // No Nest middleware: requests are logged from a Fastify hook (common/logging/request-logging.ts), with
    // these same pino-http options.
    forRoutes: [],
    pinoHttp: {
      level: log.level,
      transport: log.format === 'pretty' ? PRETTY_TRANSPORT : undefined,
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
          '*.refresh_token',
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
          headers: Object.fromEntries(LOGGED_HEADERS.filter((name) => req.headers[name] !== undefined).map((name) => [name, req.headers[name]])),
        }),
      },
      customSuccessObject: (_req, _res, value: object) => asAccessLine(value),
      customErrorObject: (_req, _res, _error, value: object) => asAccessLine(value),
      customSuccessMessage: (req: LoggedRequest, res, responseTime) => requestSummary(req, res.statusCode, responseTime),
      customErrorMessage: (req: LoggedRequest, res) => requestSummary(req, res.statusCode),
      customProps: (req: IncomingMessage) => ({ requestId: (req as IncomingMessage & { id?: unknown }).id }),
      quietReqLogger: true,
      // Middie strips the matched route from `req.url` before pino-http sees it; `originalUrl` keeps the path.
      autoLogging: { ignore: (req: LoggedRequest) => (req.originalUrl ?? req.url) === '/health' },
    },
  };
}
