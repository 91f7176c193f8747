/**
 * A child process holding many `GET /notifications/stream` connections on raw sockets (no http.Agent, no
 * parser: a few bytes of state per connection), told what to do over IPC by the bench.
 *
 *   {type: 'open', port, tokens, concurrency}  -> {type: 'opened', opened, failed, firstError}
 *   {type: 'expect', count, timeoutMs}         -> {type: 'delivered', received, firstAt, lastAt}
 *   {type: 'close'}                            -> exits
 */
import { connect, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

type Message = { type: 'open'; port: number; tokens: string[]; concurrency: number } | { type: 'expect'; count: number; timeoutMs: number } | { type: 'close' };

const now = () => performance.timeOrigin + performance.now();
const sockets: Socket[] = [];
let expecting: { count: number; received: number; firstAt: number; lastAt: number; timer: NodeJS.Timeout } | null = null;

function send(message: unknown): void {
  process.send?.(message);
}

function finishExpect(): void {
  if (!expecting) return;
  clearTimeout(expecting.timer);
  send({ type: 'delivered', received: expecting.received, firstAt: expecting.firstAt, lastAt: expecting.lastAt });
  expecting = null;
}

/** Opens one stream; resolves once the server's `: connected` comment arrived, rejects on anything else. */
function open(port: number, token: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let connected = false;
    let head = '';
    socket.setNoDelay(true);
    socket.on('connect', () => {
      socket.write(`GET /notifications/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nAuthorization: Bearer ${token}\r\n\r\n`);
    });
    socket.on('data', (chunk: Buffer) => {
      if (!connected) {
        head += chunk.toString('latin1');
        if (!head.startsWith('HTTP/1.1 200')) {
          if (head.includes('\r\n')) {
            socket.destroy();
            reject(new Error(head.split('\r\n')[0]));
          }
          return;
        }
        if (head.includes(': connected')) {
          connected = true;
          head = '';
          sockets.push(socket);
          resolve();
        }
        return;
      }
      // An event frame (heartbeats are comments, `: ping`).
      if (expecting && chunk.includes('event: ')) {
        const at = now();
        if (!expecting.received) expecting.firstAt = at;
        expecting.lastAt = at;
        if (++expecting.received >= expecting.count) finishExpect();
      }
    });
    socket.on('error', (error) => {
      if (!connected) reject(error);
    });
  });
}

process.on('message', (message: Message) => {
  if (message.type === 'open') {
    void (async () => {
      let next = 0;
      let opened = 0;
      let failed = 0;
      let firstError: string | undefined;
      const worker = async () => {
        while (next < message.tokens.length) {
          const token = message.tokens[next++];
          try {
            await open(message.port, token);
            opened++;
          } catch (error) {
            failed++;
            firstError ??= error instanceof Error ? error.message : String(error);
          }
        }
      };
      await Promise.all(Array.from({ length: message.concurrency }, worker));
      send({ type: 'opened', opened, failed, firstError });
    })();
  } else if (message.type === 'expect') {
    expecting = { count: message.count, received: 0, firstAt: 0, lastAt: 0, timer: setTimeout(finishExpect, message.timeoutMs) };
  } else {
    for (const socket of sockets) socket.destroy();
    process.exit(0);
  }
});
