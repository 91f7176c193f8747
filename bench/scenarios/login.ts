import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LoadResult, median, percentile, runLoad } from '../lib/load';
import { log } from '../lib/paths';
import { ServerProcess } from '../lib/processes';
import { BenchResults } from '../lib/report';
import { describe, summarize } from '../lib/summary';
import { ScenarioContext } from './context';

/** bcrypt.compare/s in a separate process with the app's pool size, the app idle meanwhile. */
function measureCeiling(bcryptRounds: number, seconds: number): { comparesPerSecond: number; threadpool: string } {
  const measured = spawnSync(process.execPath, [join(__dirname, '..', 'lib', 'bcrypt-rate.js'), String(bcryptRounds), String(seconds)], {
    env: { ...process.env },
    encoding: 'utf8',
  });
  return JSON.parse(measured.stdout) as { comparesPerSecond: number; threadpool: string };
}

/** Scenario 5 and its ceiling: bcrypt.compare/s at the configured cost with the app's thread pool size. */
export async function runLogin({ args, dataset, servers }: ScenarioContext, app: ServerProcess, bcryptRounds: number): Promise<BenchResults['login']> {
  const rounds: LoadResult[] = [];
  const ceilings: number[] = [];
  const probe: number[] = [];
  // Logins queue for the hashing threads: more connections than twice the pool only lengthen the queue (at
  // cost 12 a compare takes a quarter of a second, so 50 waiting logins would wait seconds each).
  const connections = Math.min(args.connections, 2 * (Number(process.env.UV_THREADPOOL_SIZE) || 4));
  // A few logins a second: longer rounds than the other scenarios', for the same precision.
  const duration = Math.max(15, args.duration);
  log(`  warm-up login (${args.warmup} s)`);
  await runLoad({ port: app.port, serverPid: app.pid, dbCpuMs: servers.dbCpuMs, connections, durationSec: args.warmup, next: dataset.login() });
  let threadpool = '';
  for (let round = 1; round <= args.rounds; round++) {
    // The ceiling next to each round, so that both see the same machine.
    const ceiling = measureCeiling(bcryptRounds, Math.max(5, Math.round(duration / 2)));
    ceilings.push(ceiling.comparesPerSecond);
    threadpool = ceiling.threadpool;
    log(`  round ${round} bcrypt ceiling ${ceiling.comparesPerSecond.toFixed(2)} compares/s at cost ${bcryptRounds} (thread pool ${ceiling.threadpool})`);
    // An event-loop probe: GET /health every 50 ms while logins saturate the pool.
    let probing = true;
    const prober = (async () => {
      while (probing) {
        const t0 = performance.now();
        try {
          await (await fetch(`http://127.0.0.1:${app.port}/health`)).arrayBuffer();
          probe.push(performance.now() - t0);
        } catch {
          // A keep-alive connection the server closed while the ceiling was measured: the next probe opens another.
        }
        await sleep(50);
      }
    })();
    const result = await runLoad({ port: app.port, serverPid: app.pid, dbCpuMs: servers.dbCpuMs, connections, durationSec: duration, next: dataset.login() });
    probing = false;
    await prober;
    log(`  round ${round} login   app   ${describe(result)}`);
    rounds.push(result);
  }
  probe.sort((a, b) => a - b);
  return {
    ceiling: median(ceilings),
    ceilings,
    threadpool,
    connections,
    durationSec: duration,
    app: summarize(rounds),
    healthProbe: { samples: probe.length, p50: percentile(probe, 50), p99: percentile(probe, 99), max: probe[probe.length - 1] ?? 0 },
  };
}
