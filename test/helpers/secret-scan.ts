import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One answer of the app, with what the scanner needs to know about the request it answers. */
export interface Exchange {
  method: string;
  url: string;
  /** The request's Authorization header: whose answer this is. */
  authorization?: string;
  /** What the caller sent (an e-mail address in it is theirs to see again). */
  requestBody?: unknown;
  status: number;
  headers: Record<string, unknown>;
  text: string;
}

const BCRYPT_HASH = /\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}/;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g;
/** What a reset token looks like (32 random bytes, base64url), standing alone. */
const TOKEN_SHAPED = /(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g;
/** The links whose token is only ever e-mailed: password reset, address verification, e-mail change and its revert. */
const TOKEN_LINK = /\/(?:reset-password|verify-email|confirm-email-change|revert-email-change)\?token=([A-Za-z0-9_-]+)/g;
const TOKEN_MAIL_KINDS = ['password_reset_', 'email_verification_', 'email_change_confirmation_', 'email_change_notice_'];
/** Bounds the memory of token-shaped strings (a suite with very many answers forgets the oldest). */
const MAX_REMEMBERED = 50_000;

function callerOf(authorization: string | undefined): { sub?: string; role?: string } {
  const payload = /^Bearer [^.]+\.([^.]+)\./i.exec(authorization ?? '')?.[1];
  if (!payload) return {};
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub?: string; role?: string };
  } catch {
    return {};
  }
}

const asText = (value: unknown): string => (typeof value === 'string' ? value : (JSON.stringify(value) ?? ''));

/**
 * Looks at every answer the e2e suites get for what must never leave the app: a JWT signing secret, a
 * bcrypt hash, the token of an e-mailed link (password reset, address verification, e-mail change and its
 * revert: they are only ever e-mailed), and another user's e-mail address. An address is fine to its owner,
 * to an admin and to the caller who sent it. Link tokens reach the scanner late (the e-mail is written after
 * the answer), so token-shaped strings in answers are remembered and matched against every such e-mail when
 * the hits are collected.
 */
export class SecretScanner {
  private readonly secrets = new Set<string>();
  private readonly resetTokens = new Set<string>();
  /** Known e-mail address (lower case) -> the id of the account it belongs to. */
  private readonly owners = new Map<string, string>();
  /** Account id -> its role as last answered (a token's claim is stale once an admin changed the role). */
  private readonly roles = new Map<string, string>();
  private readonly mailDirs = new Set<string>();
  /** Token-shaped string seen in an answer -> where. */
  private readonly tokenShaped = new Map<string, string>();
  private hits: string[] = [];

  registerSecret(secret: string | undefined): void {
    // A short value would match by accident; the app refuses secrets this short anyway.
    if (secret && secret.length >= 16) this.secrets.add(secret);
  }

  registerUser(id: string, email: string, role?: string): void {
    this.owners.set(email.toLowerCase(), id);
    if (role) this.roles.set(id, role);
  }

  registerMailDir(dir: string): void {
    this.mailDirs.add(dir);
  }

  registerResetToken(token: string): void {
    if (this.resetTokens.has(token)) return;
    this.resetTokens.add(token);
    const seen = this.tokenShaped.get(token);
    if (seen) this.hits.push(`${seen}: a password reset token`);
  }

  inspect(exchange: Exchange): void {
    try {
      this.scan(exchange);
    } catch (error) {
      this.hits.push(`${exchange.method} ${exchange.url}: the scanner failed (${String(error)})`);
    }
  }

  /** Every hit so far, once every reset e-mail written so far has been read. */
  collect(): string[] {
    for (const dir of this.mailDirs) {
      let files: string[];
      try {
        files = readdirSync(dir).filter((file) => TOKEN_MAIL_KINDS.some((kind) => file.startsWith(kind)) && file.endsWith('.txt'));
      } catch {
        continue;
      }
      for (const file of files) {
        for (const [, token] of readFileSync(join(dir, file), 'utf8').matchAll(TOKEN_LINK)) this.registerResetToken(token);
      }
    }
    return [...this.hits];
  }

  /** Forgets the hits (not what it knows): for a test that provokes hits on purpose. */
  clearHits(): void {
    this.hits = [];
  }

  private scan(exchange: Exchange): void {
    const where = `${exchange.method} ${exchange.url} -> ${exchange.status}`;
    for (const [name, value] of Object.entries(exchange.headers)) {
      const text = asText(value);
      for (const found of this.secretsIn(text)) this.hits.push(`${where}: ${found} in the ${name} header`);
    }
    const { text } = exchange;
    if (!text) return;
    for (const found of this.secretsIn(text)) this.hits.push(`${where}: ${found} in the body`);
    for (const [token] of text.matchAll(TOKEN_SHAPED)) {
      if (this.tokenShaped.size >= MAX_REMEMBERED) this.tokenShaped.delete(this.tokenShaped.keys().next().value as string);
      this.tokenShaped.set(token, where);
    }
    if (!/^application\/(problem\+)?json/.test(asText(exchange.headers['content-type']))) return;

    const caller = callerOf(exchange.authorization);
    const callerRole = (caller.sub && this.roles.get(caller.sub)) || caller.role;
    if (callerRole !== 'ADMIN') {
      const supplied = `${exchange.url}\n${asText(exchange.requestBody)}`.toLowerCase();
      for (const [address] of text.matchAll(EMAIL)) {
        const email = address.toLowerCase();
        const owner = this.owners.get(email);
        if (owner && owner !== caller.sub && !supplied.includes(email)) {
          this.hits.push(`${where}: the e-mail address of user ${owner} to ${caller.sub ? `user ${caller.sub}` : 'an anonymous caller'}`);
        }
      }
    }
    // Learn accounts from the answers that describe one (registration, profile changes).
    if (!text.startsWith('{')) return;
    const body = JSON.parse(text) as { id?: unknown; email?: unknown; role?: unknown };
    if (typeof body.id === 'string' && typeof body.email === 'string' && typeof body.role === 'string') this.registerUser(body.id, body.email, body.role);
  }

  private secretsIn(text: string): string[] {
    const found: string[] = [];
    for (const secret of this.secrets) if (text.includes(secret)) found.push('a signing secret');
    if (BCRYPT_HASH.test(text)) found.push('a bcrypt hash');
    for (const token of this.resetTokens) if (text.includes(token)) found.push('a password reset token');
    return found;
  }
}

/** The one scanner of a test file: the test app's HTTP agent feeds it, the setup file's afterAll reads it. */
export const secretScan = new SecretScanner();
