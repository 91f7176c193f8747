import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { runLoad } from '../lib/load';
import { log, WORK } from '../lib/paths';
import { latestProfile, topFunctions } from '../lib/profile';
import { BenchResults } from '../lib/report';
import { generatorsOf, HTTP_SCENARIOS, ScenarioContext } from './context';

/** Scenarios 1 and 2 against a fresh app and floor under `node --cpu-prof` (not the measured processes). */
export async function runProfiles({ args, url, dataset, servers }: ScenarioContext): Promise<BenchResults['profiles']> {
  const generators = generatorsOf(dataset);
  const out: NonNullable<BenchResults['profiles']> = [];
  const wanted = HTTP_SCENARIOS.filter((s) => args.scenarios.has(s.key) && (s.key === 'list' || s.key === 'byId'));
  for (const scenario of wanted) {
    for (const server of args.floor ? (['app', 'floor'] as const) : (['app'] as const)) {
      const dir = join(WORK, `profile-${scenario.key}-${server}`);
      rmSync(dir, { recursive: true, force: true });
      const target =
        server === 'app' ? await servers.startApp(url, `profile-${scenario.key}`, dir) : await servers.startFloor(url, `profile-${scenario.key}`, dir);
      await runLoad({ port: target.port, serverPid: target.pid, connections: args.connections, durationSec: args.warmup, next: generators[scenario.key]() });
      const result = await runLoad({
        port: target.port,
        serverPid: target.pid,
        connections: args.connections,
        durationSec: args.duration,
        next: generators[scenario.key](),
      });
      await servers.stop(target);
      const file = latestProfile(dir);
      if (!file) continue;
      log(`  profiled ${scenario.key} on ${server}: ${Math.round(result.rps)} req/s under the profiler`);
      out.push({ scenario: scenario.key, server, requests: result.requests + result.non2xx, ...topFunctions(file, 30, result.window) });
    }
  }
  return out;
}
