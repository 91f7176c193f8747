import { IncomingHttpHeaders, IncomingMessage, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

/** One dispatched server-sent event, as a browser's EventSource would see it. */
export interface SseEvent {
  id: string;
  event: string;
  data: string;
}

export interface SseOptions {
  token?: string;
  /** Put the token in `?access_token=` instead of the Authorization header (as EventSource must). */
  tokenInQuery?: boolean;
  lastEventId?: string;
  headers?: Record<string, string>;
}

/**
 * A real streaming client over a socket: parses `text/event-stream` line by line as the WHATWG spec says
 * (fields, comments, multi-line data, dispatch on a blank line). `open` resolves once the response headers
 * arrived, i.e. once the server has subscribed the stream.
 */
export class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  retry: number | null = null;
  ended = false;
  private buffer = '';
  private pending = { id: '', event: '', data: [] as string[] };
  private lastId = '';

  private constructor(
    readonly status: number,
    readonly headers: IncomingHttpHeaders,
    private readonly response: IncomingMessage,
    /** The whole body, for responses that are not streams (errors). */
    readonly body: Promise<string>,
  ) {}

  static open(baseUrl: string, path: string, options: SseOptions = {}): Promise<SseClient> {
    const url = new URL(path, baseUrl);
    if (options.token && options.tokenInQuery) url.searchParams.set('access_token', options.token);
    const headers: Record<string, string> = { accept: 'text/event-stream', ...options.headers };
    if (options.token && !options.tokenInQuery) headers.authorization = `Bearer ${options.token}`;
    if (options.lastEventId !== undefined) headers['last-event-id'] = options.lastEventId;
    return new Promise((resolve, reject) => {
      const req = request(url, { method: 'GET', headers, agent: false }, (response) => {
        response.setEncoding('utf8');
        const isStream = response.statusCode === 200 && String(response.headers['content-type']).startsWith('text/event-stream');
        let text = '';
        const body = new Promise<string>((done) => response.on('end', () => done(text)).on('close', () => done(text)));
        const client = new SseClient(response.statusCode ?? 0, response.headers, response, body);
        response.on('data', (chunk: string) => (isStream ? client.feed(chunk) : (text += chunk)));
        response.on('close', () => (client.ended = true));
        resolve(client);
      });
      req.on('error', reject);
      req.end();
    });
  }

  /** The `id` of the last event received, as EventSource would send back in Last-Event-ID. */
  get lastEventId(): string {
    return this.lastId;
  }

  /** Polls until `count` events arrived; the deadline only keeps a broken feature from hanging the suite. */
  async waitForEvents(count: number, deadlineMs = 10_000): Promise<SseEvent[]> {
    const giveUpAt = Date.now() + deadlineMs;
    while (this.events.length < count) {
      if (Date.now() > giveUpAt) throw new Error(`Expected ${count} events, got ${this.events.length}: ${JSON.stringify(this.events.slice(-3))}`);
      await sleep(10);
    }
    return this.events;
  }

  async waitForComment(text: string, deadlineMs = 10_000): Promise<void> {
    const giveUpAt = Date.now() + deadlineMs;
    while (!this.comments.includes(text)) {
      if (Date.now() > giveUpAt) throw new Error(`No ": ${text}" comment arrived (got ${JSON.stringify(this.comments)})`);
      await sleep(10);
    }
  }

  async waitForEnd(deadlineMs = 10_000): Promise<void> {
    const giveUpAt = Date.now() + deadlineMs;
    while (!this.ended) {
      if (Date.now() > giveUpAt) throw new Error('The stream did not end');
      await sleep(10);
    }
  }

  /** Drops the connection, as a browser tab that closes or a network that fails would. */
  async close(): Promise<void> {
    if (this.ended) return;
    const closed = new Promise<void>((resolve) => this.response.once('close', () => resolve()));
    this.response.destroy();
    await closed;
  }

  private feed(chunk: string): void {
    this.buffer += chunk;
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      if (!match) return;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      this.line(line);
    }
  }

  private line(line: string): void {
    if (line === '') {
      if (this.pending.data.length) {
        this.lastId = this.pending.id || this.lastId;
        this.events.push({ id: this.lastId, event: this.pending.event || 'message', data: this.pending.data.join('\n') });
      }
      this.pending = { id: '', event: '', data: [] };
      return;
    }
    if (line.startsWith(':')) {
      this.comments.push(line.slice(1).replace(/^ /, ''));
      return;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') this.pending.id = value;
    else if (field === 'event') this.pending.event = value;
    else if (field === 'data') this.pending.data.push(value);
    else if (field === 'retry' && /^\d+$/.test(value)) this.retry = Number(value);
  }
}

/**
 * The notification streams a suite opens, each checked to have answered 200, so that `closeAll()` in an
 * `afterEach` leaves no test's stream open.
 */
export class OpenStreams {
  private readonly streams: SseClient[] = [];

  /** Opens `/notifications/stream` on `baseUrl` with `token` (and `options`) and remembers it. */
  async open(baseUrl: string, token: string, options: Omit<SseOptions, 'token'> = {}): Promise<SseClient> {
    const stream = await SseClient.open(baseUrl, '/notifications/stream', { token, ...options });
    this.streams.push(stream);
    expect(stream.status).toBe(200);
    return stream;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.streams.splice(0).map((stream) => stream.close()));
  }
}
