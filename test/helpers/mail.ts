import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { secretScan } from './secret-scan';

/** One message the file transport wrote: `To: ...`, `Subject: ...`, a blank line, then the body. */
export interface MailFile {
  file: string;
  to: string;
  subject: string;
  body: string;
}

export function readMailFile(dir: string, file: string): MailFile {
  const content = readFileSync(join(dir, file), 'utf8');
  const [head, ...rest] = content.split('\n\n');
  const header = (name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(head)?.[1] ?? '';
  return { file, to: header('To'), subject: header('Subject'), body: rest.join('\n\n') };
}

/** Every message of this kind (file name prefix) in `dir`, optionally only those to `to` (the .txt files; each has its .eml beside it). */
export function listMail(dir: string, kind: string, to?: string): MailFile[] {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    return [];
  }
  return files
    .filter((file) => file.startsWith(`${kind}_`) && file.endsWith('.txt'))
    .sort()
    .map((file) => readMailFile(dir, file))
    .filter((mail) => to === undefined || mail.to === to);
}

/**
 * Polls `dir` until `count` messages of this kind (to `to`, when given) are there: mail is sent after the
 * response, so it lands a moment later. The deadline only keeps a broken feature from hanging the suite.
 */
export async function waitForMail(dir: string, kind: string, to?: string, count = 1, deadlineMs = 10_000): Promise<MailFile[]> {
  const giveUpAt = Date.now() + deadlineMs;
  for (;;) {
    const found = listMail(dir, kind, to);
    if (found.length >= count) return found;
    if (Date.now() > giveUpAt) {
      throw new Error(`Expected ${count} "${kind}" mail(s)${to ? ` to ${to}` : ''} in ${dir}, found ${found.length}`);
    }
    await sleep(25);
  }
}

/** The reset token from the `/reset-password?token=...` link in a password reset e-mail. */
export function resetTokenOf(text: string): string {
  const token = /\/reset-password\?token=([A-Za-z0-9_-]+)/.exec(text)?.[1];
  if (!token) throw new Error(`No reset link in:\n${text}`);
  // From now on, an answer carrying it is a leak.
  secretScan.registerResetToken(token);
  return token;
}

/** The token of the `{path}?token=...` link in an e-mail (e.g. `/verify-email`), and the whole link. */
export function linkOf(text: string, path: string): { link: string; token: string } {
  const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`(https?://\\S*${escaped}\\?token=([A-Za-z0-9_-]+))`).exec(text);
  if (!match) throw new Error(`No ${path} link in:\n${text}`);
  return { link: match[1], token: match[2] };
}
