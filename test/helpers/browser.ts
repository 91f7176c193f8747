import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrowserContext, chromium, Page } from 'playwright-core';

/** Debian's Chromium: .ci/run installs it; a developer without it sees the browser suites skipped, CI never does. */
export const CHROMIUM = '/usr/bin/chromium';

export const describeWithChromium = (name: string, fn: () => void): void =>
  existsSync(CHROMIUM) || process.env.CI ? describe(name, fn) : describe.skip(`${name} [SKIPPED: no ${CHROMIUM}; apt-get install chromium]`, fn);

const UI_TIMEOUT_MS = 20_000;

export interface Browser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/**
 * Headless Chromium in a fresh profile, with the flags this closed network needs (no background connections,
 * no QUIC); `args` adds more (a host resolver rule, say).
 */
export async function launchChromium(args: string[] = []): Promise<Browser> {
  const profileDir = mkdtempSync(join(tmpdir(), 'marketplace-chromium-'));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...args,
    ],
  });
  context.setDefaultTimeout(UI_TIMEOUT_MS);
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: async () => {
      await context.close();
      rmSync(profileDir, { recursive: true, force: true });
    },
  };
}
