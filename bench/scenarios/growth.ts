import * as bcrypt from 'bcrypt';
import { runMigrations } from '../../src/database/migrate';
import { BENCH_PASSWORD, Dataset } from '../lib/dataset';
import { LoadResult, runLoad } from '../lib/load';
import { log } from '../lib/paths';
import { BenchResults } from '../lib/report';
import { seed } from '../lib/seed';
import { describe, summarize } from '../lib/summary';
import { ScenarioContext } from './context';

/**
 * Scenario 1 on a small catalog next to the big one: an app on each, measured in alternating order on a
 * settled database, so that the two p50s differ only by the catalog's size.
 */
export async function runGrowth({ args, db, url: largeUrl, dataset: largeDataset, servers }: ScenarioContext): Promise<BenchResults['growth']> {
  const name = `${db.baseName}_bench_small`;
  log(`  catalog growth: scenario 1 on ${args.growthServices} and on ${args.services} services (${name})`);
  const smallUrl = await db.recreate(name);
  try {
    await runMigrations(smallUrl);
    const passwordHash = await bcrypt.hash(BENCH_PASSWORD, 4); // nobody logs in here
    await seed(smallUrl, { services: args.growthServices, providers: args.providers, customers: args.customers, passwordHash });
    const sizes = [
      { key: 'small' as const, app: await servers.startApp(smallUrl, 'small'), dataset: await Dataset.load(smallUrl, servers.jwtSecret) },
      { key: 'large' as const, app: await servers.startApp(largeUrl, 'large'), dataset: largeDataset },
    ];
    const load = (size: (typeof sizes)[number], durationSec: number) =>
      runLoad({
        port: size.app.port,
        serverPid: size.app.pid,
        dbCpuMs: servers.dbCpuMs,
        connections: args.connections,
        durationSec,
        next: size.dataset.listing(),
      });
    for (const size of sizes) await load(size, args.warmup);
    const rounds: Record<'small' | 'large', LoadResult[]> = { small: [], large: [] };
    for (let round = 1; round <= args.rounds; round++) {
      for (const size of round % 2 ? sizes : [...sizes].reverse()) {
        await servers.settle();
        const result = await load(size, args.duration);
        const services = size.key === 'small' ? args.growthServices : args.services;
        log(`  round ${round} list@${services} app ${describe(result)}`);
        rounds[size.key].push(result);
      }
    }
    for (const size of sizes) await servers.stop(size.app);
    return { smallServices: args.growthServices, small: summarize(rounds.small), largeServices: args.services, large: summarize(rounds.large) };
  } finally {
    if (!args.keepDatabase) await db.drop(name);
  }
}
