import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `condition` every 50 ms until it holds; throws naming `what` after `deadlineMs`. */
export async function waitUntil(condition: () => Promise<boolean>, what: string, deadlineMs = 30_000): Promise<void> {
  const giveUpAt = Date.now() + deadlineMs;
  while (!(await condition())) {
    if (Date.now() > giveUpAt) throw new Error(`Timed out waiting until ${what}`);
    await sleep(50);
  }
}
