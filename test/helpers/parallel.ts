import type { AddressInfo } from 'node:net';
import { answerLog } from './answers';
import { secretScan } from './secret-scan';
import { TestApp } from './test-app';

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed JSON body, or undefined when there is none. */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Puts the in-process app on a real port, so requests can truly run at once over separate connections. */
export async function listen(t: TestApp): Promise<string> {
  await t.app.listen(0, '127.0.0.1');
  const { port } = t.app.getHttpServer().address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

/** One request over fetch, with the body read and parsed. */
export async function send(url: string, init: { method: string; headers?: Record<string, string>; body?: unknown }): Promise<RawResponse> {
  const response = await fetch(url, {
    method: init.method,
    // A JSON content type with no body is a 400 in Fastify: only say JSON when sending some.
    headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  secretScan.inspect({
    method: init.method,
    url,
    authorization: init.headers?.authorization ?? init.headers?.Authorization,
    requestBody: init.body,
    status: response.status,
    headers: Object.fromEntries(response.headers),
    text,
  });
  answerLog.record({ method: init.method, url, status: response.status, contentType: response.headers.get('content-type'), text });
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, text, body };
}

/** Fires `count` requests at once (all started before any is awaited) and returns their answers in order. */
export function fireAtOnce(count: number, request: (index: number) => Promise<RawResponse>): Promise<RawResponse[]> {
  return Promise.all(Array.from({ length: count }, (_, index) => request(index)));
}

/** How many answers had each status, e.g. `{201: 1, 409: 99}`. */
export function statusCounts(responses: RawResponse[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const { status } of responses) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}
