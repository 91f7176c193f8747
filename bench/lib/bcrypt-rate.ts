/**
 * Child process: how many bcrypt.compare calls per second this machine completes at a cost, through the
 * async API (the libuv thread pool, sized by UV_THREADPOOL_SIZE exactly as the app's is). Prints JSON.
 *
 *   node bcrypt-rate.js <rounds> <seconds>
 */
import * as bcrypt from 'bcrypt';

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 12);
  const seconds = Number(process.argv[3] ?? 5);
  const hash = await bcrypt.hash('Bench-Password-1!', rounds);
  // Warm-up: one round of the pool.
  await Promise.all(Array.from({ length: 8 }, () => bcrypt.compare('Bench-Password-1!', hash)));
  let done = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      await bcrypt.compare('Bench-Password-1!', hash);
      done++;
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
  const elapsed = (performance.now() - started) / 1000;
  process.stdout.write(JSON.stringify({ rounds, comparesPerSecond: done / elapsed, threadpool: process.env.UV_THREADPOOL_SIZE ?? '4 (default)' }));
}

void main();
