import { setTimeout as sleep } from 'node:timers/promises';
import { log } from '../lib/paths';
import { rssMb, ServerProcess } from '../lib/processes';
import { BenchResults } from '../lib/report';

/**
 * Idle memory of a freshly started app: 2 s after start (start-up garbage still in the heap), and once V8 has
 * shrunk the heap of an idle process (its memory reducer runs after some seconds without allocation).
 */
export async function measureIdleMemory(app: ServerProcess): Promise<Pick<BenchResults['memory'], 'idleAtStartMb' | 'idleSettledMb'>> {
  await sleep(2000);
  const idleAtStartMb = rssMb(app.pid);
  await sleep(28_000);
  const idleSettledMb = rssMb(app.pid);
  log(`  app idle RSS: ${idleAtStartMb.toFixed(0)} MB 2 s after start, ${idleSettledMb.toFixed(0)} MB after 30 s`);
  return { idleAtStartMb, idleSettledMb };
}
