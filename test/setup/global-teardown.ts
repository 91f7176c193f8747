import { rmSync } from 'node:fs';

/** Stops the embedded PostgreSQL if global setup started one, then removes the run's temporary directory. */
export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __EMBEDDED_PG__?: { stop(): Promise<void> } }).__EMBEDDED_PG__?.stop();
  const run = (globalThis as { __TEST_RUN_DIR__?: { dir: string; previous?: string } }).__TEST_RUN_DIR__;
  if (!run) return;
  if (run.previous === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = run.previous;
  rmSync(run.dir, { recursive: true, force: true });
}
