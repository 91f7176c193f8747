import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { SMTPServer, SMTPServerOptions } from 'smtp-server';

/** One message as a real SMTP server received it: the envelope, the headers and the decoded text body. */
export interface ReceivedMail {
  mailFrom: string;
  rcptTo: string[];
  headers: Record<string, string>;
  text: string;
  /** The whole message as received (for a MIME parser: multipart messages carry attachments). */
  raw: Buffer;
}

export interface TestSmtpServer {
  port: number;
  received: ReceivedMail[];
  /** Polls until a message to `to` arrived; the deadline only keeps a broken feature from hanging the suite. */
  waitFor(to: string, deadlineMs?: number): Promise<ReceivedMail>;
  /** The same, for a message of one kind (its X-Mail-Kind header: `password_reset`...). */
  waitForKind(to: string, kind: string, deadlineMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

/** `body` holds the raw bytes as latin1 characters; the result is the UTF-8 text. */
function decodeBody(body: string, encoding: string | undefined): string {
  if (encoding === 'base64') return Buffer.from(body, 'base64').toString('utf8');
  const bytes =
    encoding === 'quoted-printable'
      ? body.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
      : body;
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

/** Splits a single-part RFC 5322 message (what the app sends: plain text) into headers and decoded text. */
export function parseMessage(raw: string): { headers: Record<string, string>; text: string } {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, text: decodeBody(raw.slice(split + 4), headers['content-transfer-encoding']) };
}

async function waitUntilReceived(received: ReceivedMail[], wanted: (mail: ReceivedMail) => boolean, what: string, deadlineMs: number): Promise<ReceivedMail> {
  const giveUpAt = Date.now() + deadlineMs;
  for (;;) {
    const mail = received.find(wanted);
    if (mail) return mail;
    if (Date.now() > giveUpAt) throw new Error(`No SMTP message ${what} arrived (received ${received.length})`);
    await sleep(25);
  }
}

/** A real SMTP server on a free local port (or on `port`) that accepts every message (no authentication). */
export async function startSmtpServer(options: SMTPServerOptions = {}, port = 0): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    logger: false,
    ...options,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const envelope = session.envelope;
        const raw = Buffer.concat(chunks);
        received.push({
          raw,
          mailFrom: envelope.mailFrom ? envelope.mailFrom.address : '',
          rcptTo: envelope.rcptTo.map((recipient) => recipient.address),
          ...parseMessage(raw.toString('latin1')),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port: (server.server.address() as AddressInfo).port,
    received,
    async waitFor(to, deadlineMs = 10_000) {
      return waitUntilReceived(received, (message) => message.rcptTo.includes(to), `to ${to}`, deadlineMs);
    },
    async waitForKind(to, kind, deadlineMs = 10_000) {
      return waitUntilReceived(received, (message) => message.rcptTo.includes(to) && message.headers['x-mail-kind'] === kind, `${kind} to ${to}`, deadlineMs);
    },
    close: () => new Promise<void>((resolve) => server.close(resolve)),
  };
}
