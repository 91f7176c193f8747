import { LoadResult, runLoad } from '../lib/load';
import { log } from '../lib/paths';
import { ServerProcess } from '../lib/processes';
import { BenchResults } from '../lib/report';
import { describe, summarize } from '../lib/summary';
import { generatorsOf, HTTP_SCENARIOS, ScenarioContext, Target } from './context';

/**
 * Scenarios 1-4 (catalog page, service by id, slots, booking), app and floor side by side: a warm-up each,
 * then the measured rounds interleaved, who goes first alternating by round.
 */
export async function runHttpScenarios(
  { args, dataset, servers }: ScenarioContext,
  app: ServerProcess,
  floor: ServerProcess | null,
): Promise<BenchResults['http']> {
  const wanted = HTTP_SCENARIOS.filter((s) => args.scenarios.has(s.key));
  const generators = generatorsOf(dataset);
  const rounds: Record<string, Partial<Record<Target, LoadResult[]>>> = {};
  for (const scenario of wanted) {
    for (const target of scenario.floor && floor ? (['app', 'floor'] as const) : (['app'] as const)) {
      const server = target === 'app' ? app : floor!;
      log(`  warm-up ${scenario.key} on ${target} (${args.warmup} s)`);
      await runLoad({
        port: server.port,
        serverPid: server.pid,
        dbCpuMs: servers.dbCpuMs,
        connections: args.connections,
        durationSec: args.warmup,
        next: generators[scenario.key](),
      });
    }
  }
  for (let round = 1; round <= args.rounds; round++) {
    for (const scenario of wanted) {
      // Who goes first alternates by round, and each run starts on a settled database (no autovacuum or
      // checkpoint left over from the previous run's writes), so neither server inherits the other's cost.
      const order = round % 2 ? (['app', 'floor'] as const) : (['floor', 'app'] as const);
      for (const target of scenario.floor && floor ? order : (['app'] as const)) {
        const server = target === 'app' ? app : floor!;
        await servers.settle();
        const result = await runLoad({
          port: server.port,
          serverPid: server.pid,
          dbCpuMs: servers.dbCpuMs,
          connections: args.connections,
          durationSec: args.duration,
          next: generators[scenario.key](),
          afterwork: () => servers.settle(),
        });
        log(`  round ${round} ${scenario.key.padEnd(7)} ${target.padEnd(5)} ${describe(result)}`);
        ((rounds[scenario.key] ??= {})[target] ??= []).push(result);
      }
    }
  }
  const http: BenchResults['http'] = {};
  for (const scenario of wanted) {
    http[scenario.key] = {
      app: summarize(rounds[scenario.key].app!),
      floor: rounds[scenario.key].floor ? summarize(rounds[scenario.key].floor!) : undefined,
    };
  }
  return http;
}
