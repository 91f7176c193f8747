import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, IncomingMessage, request, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { Options } from 'pino-http';
import pinoHttp from 'pino-http';
import { prettyFactory } from 'pino-pretty';
import { buildLoggerParams, redactUrl } from './logger.config';

const ACCESS_TOKEN = 'eyJhbGciOiJIUzI1NiJ9.secret-query-token.sig';
const BEARER = 'eyJhbGciOiJIUzI1NiJ9.secret-header-token.sig';
const REQUEST_ID = 'req-logger-spec-42';

/** Serves one logged request through a pino-http logger built from our params, and returns the log lines. */
async function logOneRequest(path: string, headers: Record<string, string>): Promise<string> {
  const lines: string[] = [];
  const memory = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const logger = pinoHttp(buildLoggerParams({ level: 'info', format: 'json' }).pinoHttp as Options, memory);
  const server: Server = createServer((req, res) => {
    // The app's onRequest hook puts Fastify's request id on the raw request; pino-http reads it from there.
    (req as IncomingMessage & { id?: string }).id = req.headers['x-request-id'] as string;
    logger(req, res);
    res.end('ok');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const { port } = server.address() as AddressInfo;
    const response = await new Promise<IncomingMessage>((resolve, reject) =>
      request({ host: '127.0.0.1', port, path, headers }, resolve).on('error', reject).end(),
    );
    response.resume();
    await once(response, 'end');
  } finally {
    server.close();
    await once(server, 'close');
  }
  return lines.join('');
}

describe('buildLoggerParams', () => {
  it('logs the request id but neither the Authorization header nor an access_token query parameter', async () => {
    const output = await logOneRequest(`/events?access_token=${ACCESS_TOKEN}&page=2`, {
      authorization: `Bearer ${BEARER}`,
      'x-request-id': REQUEST_ID,
    });

    const entry = JSON.parse(output.trim().split('\n').pop() as string) as {
      requestId: string;
      req: { id: string; url: string; headers: Record<string, string> };
      res: { statusCode: number };
    };
    expect(entry.requestId).toBe(REQUEST_ID);
    expect(entry.req.id).toBe(REQUEST_ID);
    expect(entry.res.statusCode).toBe(200);
    expect(entry.req.url).toBe('/events?access_token=[REDACTED]&page=2');
    expect(entry.req.headers.authorization).toBe('[REDACTED]');
    expect(output).not.toContain(ACCESS_TOKEN);
    expect(output).not.toContain(BEARER);
    expect(output).not.toContain('secret-');
  });

  it('says what the request was in its message, and keeps only the headers worth reading', async () => {
    const output = await logOneRequest('/services?page=2', {
      'x-request-id': REQUEST_ID,
      'user-agent': 'logger-spec',
      'accept-language': 'en-GB,en;q=0.9',
      'sec-fetch-mode': 'cors',
    });
    const entry = JSON.parse(output.trim()) as { msg: string; req: { headers: Record<string, string> } };
    expect(entry.msg).toMatch(/^GET \/services\?page=2 200 \d+ms$/);
    expect(entry.req.headers).toEqual({ host: expect.any(String), 'user-agent': 'logger-spec' });
  });

  it('with LOG_FORMAT=pretty, writes a request as one short readable line', () => {
    const { transport } = buildLoggerParams({ level: 'info', format: 'pretty' }).pinoHttp as Options & { transport: { target: string; options: object } };
    expect(transport.target).toBe('pino-pretty');
    const line = prettyFactory({ ...transport.options, colorize: false })({
      level: 30,
      time: Date.now(),
      pid: 1,
      hostname: 'h',
      requestId: REQUEST_ID,
      req: { id: REQUEST_ID, method: 'GET', url: '/services', headers: { host: 'localhost' } },
      res: { statusCode: 200 },
      responseTime: 4,
      msg: 'GET /services 200 4ms',
    });
    expect(line).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: GET \/services 200 4ms\n$/);
    const context = prettyFactory({ ...transport.options, colorize: false })({
      level: 30,
      time: Date.now(),
      context: 'Bootstrap',
      msg: 'Migrations: up to date',
    });
    expect(context).toContain('INFO: [Bootstrap] Migrations: up to date');
  });

  it('LOG_FORMAT=pretty works on a production install: pino-pretty is a dependency, not a dev dependency', () => {
    const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
    expect(manifest.dependencies?.['pino-pretty']).toBeDefined();
    expect(manifest.devDependencies?.['pino-pretty']).toBeUndefined();
  });

  it('does not log liveness probes', async () => {
    const output = await logOneRequest('/health', { 'x-request-id': REQUEST_ID });
    expect(output).toBe('');
  });
});

describe('redactUrl', () => {
  it.each([
    ['/a?token=abc', '/a?token=[REDACTED]'],
    ['/a?x=1&password=p%40ss#frag', '/a?x=1&password=[REDACTED]#frag'],
    ['/a?ACCESS_TOKEN=abc&b=2', '/a?ACCESS_TOKEN=[REDACTED]&b=2'],
    ['/a?mytoken=abc', '/a?mytoken=abc'],
  ])('%s -> %s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });
});
