import { setTimeout as sleep } from 'node:timers/promises';
import * as bcrypt from 'bcrypt';
import { DateTime } from 'luxon';
import { runMigrations } from '../../src/database/migrate';
import { BENCH_PASSWORD } from '../lib/dataset';
import { LoadResult, percentile, RequestSpec, runLoad } from '../lib/load';
import { log } from '../lib/paths';
import { ServerProcess } from '../lib/processes';
import { BenchResults, GrowthRow, HEALTH_CONNECTIONS } from '../lib/report';
import { CATEGORIES, seed } from '../lib/seed';
import { describe, summarize } from '../lib/summary';
import { ScenarioContext } from './context';

/** A weekday two weeks ahead: inside the horizon, past the notice, no booking of the run on it yet. */
const AVAILABLE_ON = DateTime.utc().plus({ days: 14 }).toISODate();

/** Each catalog query of issue 17's table: the requests one load draws from, in turn. */
export const GROWTH_QUERIES: Array<{ key: string; label: string; paths: string[]; target?: false }> = [
  { key: 'category', label: '`GET /services/?category=X`', paths: CATEGORIES.map((c) => `/services/?category=${c}&limit=20`) },
  { key: 'commonWord', label: '`?q=<common word>`', paths: ['cleaning', 'plumbing', 'gardening', 'haircut'].map((w) => `/services/?q=${w}`) },
  // Every service's title ends with its number: a number is a word one service has.
  { key: 'rareWord', label: '`?q=<rare word>`', paths: ['737', '251', '919', '402'].map((n) => `/services/?q=${n}`) },
  {
    key: 'priceRange',
    label: '`?minPrice&maxPrice&sort=price`',
    paths: [
      [100, 120],
      [250, 260],
      [40, 400],
    ].map(([min, max]) => `/services/?minPrice=${min}&maxPrice=${max}&sort=price`),
  },
  {
    key: 'priceRangeCategory',
    label: '`?category=X&minPrice&maxPrice&sort=-price`',
    paths: CATEGORIES.map((c) => `/services/?category=${c}&minPrice=50&maxPrice=300&sort=-price`),
  },
  { key: 'title', label: '`?sort=title`', paths: ['/services/?sort=title', '/services/?sort=createdAt'] },
  // The small catalog has fewer than 5,000 services (an empty page): no ratio to hold this one to.
  { key: 'offset', label: '`?offset=5000`', paths: ['/services/?offset=5000', '/services/?offset=5000&sort=price'], target: false },
  {
    key: 'availableOnCategory',
    label: '`?availableOn=<date>&category=X`',
    paths: CATEGORIES.map((c) => `/services/?availableOn=${AVAILABLE_ON}&category=${c}`),
  },
  {
    key: 'availableOn',
    label: '`?availableOn=<date>`',
    paths: [`/services/?availableOn=${AVAILABLE_ON}`, `/services/?availableOn=${AVAILABLE_ON}&sort=price`],
  },
];

const cycle = (paths: string[]): (() => RequestSpec) => {
  let i = 0;
  return () => ({ method: 'GET', path: paths[i++ % paths.length] });
};

/** `GET /health` every 50 ms while `work` runs: how long the event loop keeps a request waiting. */
async function probeHealth<T>(port: number, work: Promise<T>): Promise<{ result: T; samples: number[] }> {
  const samples: number[] = [];
  let probing = true;
  const prober = (async () => {
    while (probing) {
      const t0 = performance.now();
      try {
        await (await fetch(`http://127.0.0.1:${port}/health`)).arrayBuffer();
        samples.push(performance.now() - t0);
      } catch {
        // a connection closed under load: the next probe opens another
      }
      await sleep(50);
    }
  })();
  try {
    return { result: await work, samples };
  } finally {
    probing = false;
    await prober;
  }
}

/**
 * Every catalog query of the table on a small catalog next to the big one: an app on each, measured
 * in alternating order on a settled database, so that the two p50s differ only by the catalog's size; and,
 * while each runs, `GET /health` probed every 50 ms (a catalog query must not hold the event loop).
 */
export async function runGrowth({ args, db, url: largeUrl, servers }: ScenarioContext): Promise<BenchResults['growth']> {
  const name = `${db.baseName}_bench_small`;
  log(`  catalog growth: the catalog queries on ${args.growthServices} and on ${args.services} services (${name})`);
  const smallUrl = await db.recreate(name);
  try {
    await runMigrations(smallUrl);
    const passwordHash = await bcrypt.hash(BENCH_PASSWORD, 4); // nobody logs in here
    await seed(smallUrl, { services: args.growthServices, providers: args.providers, customers: args.customers, passwordHash });
    const sizes: Array<{ key: 'small' | 'large'; services: number; app: ServerProcess }> = [
      { key: 'small', services: args.growthServices, app: await servers.startApp(smallUrl, 'small') },
      { key: 'large', services: args.services, app: await servers.startApp(largeUrl, 'large') },
    ];
    const rows: GrowthRow[] = [];
    for (const query of GROWTH_QUERIES) {
      const load = (size: (typeof sizes)[number], durationSec: number) =>
        runLoad({
          port: size.app.port,
          serverPid: size.app.pid,
          dbCpuMs: servers.dbCpuMs,
          connections: args.connections,
          durationSec,
          next: cycle(query.paths),
        });
      for (const size of sizes) await load(size, args.warmup);
      const rounds: Record<'small' | 'large', LoadResult[]> = { small: [], large: [] };
      const health: number[] = [];
      for (let round = 1; round <= args.rounds; round++) {
        for (const size of round % 2 ? sizes : [...sizes].reverse()) {
          await servers.settle();
          const { result, samples } = await probeHealth(size.app.port, load(size, args.duration));
          if (size.key === 'large') health.push(...samples);
          log(`  round ${round} ${query.key}@${size.services} app ${describe(result)}`);
          rounds[size.key].push(result);
        }
      }
      // And at a few connections, the cores not saturated: what /health waits is then the event loop alone (at 50
      // connections on 2 shared cores it also waits for the CPU, as every request does).
      const large = sizes.find((size) => size.key === 'large')!;
      await servers.settle();
      const light = (
        await probeHealth(
          large.app.port,
          runLoad({ port: large.app.port, serverPid: large.app.pid, connections: HEALTH_CONNECTIONS, durationSec: args.duration, next: cycle(query.paths) }),
        )
      ).samples.sort((a, b) => a - b);
      log(
        `  ${query.key}@${large.services} /health p99 ${percentile(light, 99).toFixed(1)} ms at ${HEALTH_CONNECTIONS} connections, ${percentile(
          [...health].sort((a, b) => a - b),
          99,
        ).toFixed(1)} ms at ${args.connections}`,
      );
      health.sort((a, b) => a - b);
      rows.push({
        key: query.key,
        label: query.label,
        target: query.target !== false,
        small: summarize(rounds.small),
        large: summarize(rounds.large),
        health: { samples: health.length, p50: percentile(health, 50), p99: percentile(health, 99), max: health[health.length - 1] ?? 0 },
        healthLight: { samples: light.length, p50: percentile(light, 50), p99: percentile(light, 99), max: light[light.length - 1] ?? 0 },
      });
    }
    for (const size of sizes) await servers.stop(size.app);
    return { smallServices: args.growthServices, largeServices: args.services, rows };
  } finally {
    if (!args.keepDatabase) await db.drop(name);
  }
}
