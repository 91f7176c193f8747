import { AddressInfo, createConnection, createServer, Server, Socket } from 'node:net';

/** One statement a client ran: a simple query (`Q`), or an extended query at its Bind (`B`), named or not. */
export interface CapturedStatement {
  at: number;
  sql: string;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

/**
 * A TCP proxy in front of PostgreSQL that records the SQL text of every statement its clients send, read
 * from the wire protocol. It sees what any client runs (TypeORM, raw `pg`, the floor), so the floor can be
 * checked to issue the same statements as the app.
 */
export class PgCaptureProxy {
  readonly statements: CapturedStatement[] = [];
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly upstreamHost: string,
    private readonly upstreamPort: number,
  ) {}

  async listen(): Promise<number> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(client: Socket): void {
    const upstream = createConnection({ host: this.upstreamHost, port: this.upstreamPort });
    this.sockets.add(client).add(upstream);
    const parser = new FrontendParser((sql) => this.statements.push({ at: Date.now(), sql }));
    client.on('data', (chunk: Buffer) => {
      parser.feed(chunk);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  }
}

/** Splits the client-to-server byte stream into protocol messages. */
class FrontendParser {
  private buffer: Buffer = Buffer.alloc(0);
  private startup = true;
  private readonly prepared = new Map<string, string>();

  constructor(private readonly onStatement: (sql: string) => void) {}

  feed(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    for (;;) {
      if (this.startup) {
        // Startup-phase messages have no type byte: int32 length, int32 code.
        if (this.buffer.length < 8) return;
        const length = this.buffer.readInt32BE(0);
        if (this.buffer.length < length) return;
        const code = this.buffer.readInt32BE(4);
        if (code !== SSL_REQUEST && code !== GSSENC_REQUEST) this.startup = false;
        this.buffer = this.buffer.subarray(length);
        continue;
      }
      if (this.buffer.length < 5) return;
      const type = String.fromCharCode(this.buffer[0]);
      const length = this.buffer.readInt32BE(1);
      if (this.buffer.length < 1 + length) return;
      const body = this.buffer.subarray(5, 1 + length);
      if (type === 'Q') this.onStatement(cString(body, 0).text);
      else if (type === 'P') {
        // A named statement is parsed once per connection and then only bound: count executions at Bind.
        const name = cString(body, 0);
        this.prepared.set(name.text, cString(body, name.next).text);
      } else if (type === 'B') {
        const portal = cString(body, 0);
        const text = this.prepared.get(cString(body, portal.next).text);
        if (text !== undefined) this.onStatement(text);
      }
      this.buffer = this.buffer.subarray(1 + length);
    }
  }
}

function cString(buffer: Buffer, offset: number): { text: string; next: number } {
  const end = buffer.indexOf(0, offset);
  return { text: buffer.toString('utf8', offset, end), next: end + 1 };
}

/** Whitespace-insensitive form of a statement, to compare the app's with the floor's. */
export function normalizeSql(sql: string): string {
  return sql.replace(/\s+/g, ' ').replace(/\( /g, '(').replace(/ \)/g, ')').trim();
}
