/**
 * `npm run bench`: builds the app, starts it in production mode against a real PostgreSQL (DATABASE_URL's
 * server, else an embedded one) next to a bare Fastify + pg "floor" server, seeds a catalog, and drives
 * both with autocannon. Writes bench/results.md and bench/results.svg. See `npm run bench -- --help`.
 * Each scenario lives in bench/scenarios/; this file prepares the dataset and runs them in order.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as bcrypt from 'bcrypt';
import { EnvironmentVariables } from '../src/config/environment';
import { runMigrations } from '../src/database/migrate';
import { BenchArgs, parseArgs } from './lib/args';
import { BENCH_PASSWORD, Dataset } from './lib/dataset';
import { BenchDatabaseServer, openDatabaseServer } from './lib/database';
import { busyness, machineInfo } from './lib/machine';
import { log, ROOT, WORK } from './lib/paths';
import { rssMb } from './lib/processes';
import { latestProfile, topFunctions } from './lib/profile';
import { BenchResults, writeReport } from './lib/report';
import { seed } from './lib/seed';
import { BenchServers, redisAvailable } from './lib/servers';
import { captureStatements } from './scenarios/capture';
import { HTTP_SCENARIOS, ScenarioContext } from './scenarios/context';
import { runGrowth } from './scenarios/growth';
import { HISTORY_CONNECTIONS, runHistoryGrowth } from './scenarios/histories';
import { runHttpScenarios } from './scenarios/http';
import { runLogin } from './scenarios/login';
import { measureIdleMemory } from './scenarios/memory';
import { runProfiles } from './scenarios/profiles';
import { runSseScenario } from './scenarios/sse';

const bcryptRounds = new EnvironmentVariables().BCRYPT_ROUNDS;

/** A fresh database with the migrations and the catalog, and the dataset the load generators draw from. */
async function prepare(
  args: BenchArgs,
  db: BenchDatabaseServer & { baseName: string },
  servers: BenchServers,
): Promise<ScenarioContext & { seeded: BenchResults['dataset'] }> {
  const dbName = `${db.baseName}_bench`;
  log(`  database ${dbName} on ${db.kind === 'embedded' ? 'an embedded PostgreSQL' : `${db.host}:${db.port}`}`);
  const url = await db.recreate(dbName);
  await runMigrations(url);
  log(`  bcrypt cost ${bcryptRounds}: hashing the one password every account shares`);
  const passwordHash = await bcrypt.hash(BENCH_PASSWORD, bcryptRounds);
  const seeded = await seed(url, { services: args.services, providers: args.providers, customers: args.customers, passwordHash });
  log(`  seeded in ${seeded.seconds.toFixed(1)} s: ${seeded.listedServices.toLocaleString('en-US')} services publicly listed`);
  const dataset = await Dataset.load(url, servers.jwtSecret);
  return { args, db, url, dataset, servers, seeded };
}

async function run(args: BenchArgs, db: BenchDatabaseServer & { baseName: string }, servers: BenchServers): Promise<BenchResults> {
  const started = new Date();
  const before = await busyness([]);
  if (before.busy.length)
    log(`  note: the machine is not quiet: ${before.busy.map((b) => `${b.command.split(' ').slice(0, 3).join(' ')} ${b.cpuPercent}%`).join('; ')}`);
  const { seeded, ...context } = await prepare(args, db, servers);

  const results: BenchResults = {
    startedAt: started.toISOString(),
    finishedAt: '',
    args: { ...args, scenarios: [...args.scenarios] },
    machine: machineInfo(),
    postgres: `${await db.version()} (${db.kind === 'embedded' ? 'embedded' : 'DATABASE_URL'})`,
    redis: servers.redisUrl,
    bcryptRounds,
    threadpool: process.env.UV_THREADPOOL_SIZE ?? '4 (default)',
    dataset: seeded,
    busyBefore: before,
    busyAfter: before,
    capture: args.only ? { app: {}, floor: {}, same: {} } : await captureStatements(context),
    http: {},
    memory: { idleAtStartMb: 0, idleSettledMb: 0, idleAfterLoadMb: 0, peakUnderReadLoadMb: 0 },
  };

  if (args.only === 'growth') {
    await servers.watchPostgres(context.url);
    results.growth = await runGrowth(context);
    if (!args.keepDatabase) await db.drop(`${db.baseName}_bench`);
    results.busyAfter = await busyness([]);
    results.finishedAt = new Date().toISOString();
    return results;
  }

  // Scenarios 1-5 on one app (and one floor), after its idle memory is measured.
  const app = await servers.startApp(context.url, 'main', args.profile);
  Object.assign(results.memory, await measureIdleMemory(app));
  const floorWanted = args.floor && HTTP_SCENARIOS.some((s) => s.floor && args.scenarios.has(s.key));
  const floor = floorWanted ? await servers.startFloor(context.url, 'main', args.profile) : null;
  await servers.watchPostgres(context.url);
  results.http = await runHttpScenarios(context, app, floor);
  results.memory.peakUnderReadLoadMb = Math.max(...(['list', 'byId', 'slots'] as const).map((key) => results.http[key]?.app.peakRssMb ?? 0));
  if (args.scenarios.has('login')) results.login = await runLogin(context, app, bcryptRounds);
  await sleep(5000);
  results.memory.idleAfterLoadMb = rssMb(app.pid);
  if (floor) await servers.stop(floor);
  await servers.stop(app);
  if (args.profile) {
    const file = latestProfile(join(WORK, 'profiles'));
    if (file) results.profile = { file: file.replace(`${ROOT}/`, ''), ...topFunctions(file, 30) };
  }

  if (args.profiles) results.profiles = await runProfiles(context);
  if (args.scenarios.has('sse')) Object.assign(results, await runSseScenario(context));
  if (args.growth && args.scenarios.has('list')) results.growth = await runGrowth(context);
  if (args.growth) results.histories = await runHistoryGrowth({ ...args, db, servers, durationSec: 3, connections: HISTORY_CONNECTIONS });
  if (!args.keepDatabase) await db.drop(`${db.baseName}_bench`);
  results.busyAfter = await busyness([]);
  results.finishedAt = new Date().toISOString();
  return results;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.from) {
    // Only the report, again, from a run's saved figures (after a change to how it is written).
    const out = resolve(ROOT, args.out);
    writeReport(JSON.parse(readFileSync(resolve(ROOT, args.from), 'utf8')) as BenchResults, out);
    log(`  wrote ${join(out, 'results.md')} and ${join(out, 'results.svg')} from ${args.from}`);
    return;
  }
  try {
    const limit = Number(execFileSync('sh', ['-c', 'ulimit -n']).toString().trim());
    if (args.scenarios.has('sse') && limit < args.sseConnections + 1000) {
      log(`  note: open-file limit ${limit} is below ${args.sseConnections + 1000}; raise it (ulimit -n) for scenario 6`);
    }
  } catch {
    // not a POSIX shell
  }
  mkdirSync(WORK, { recursive: true });
  const mailDir = join(WORK, `mail-${process.pid}`);
  rmSync(join(WORK, 'profiles'), { recursive: true, force: true });
  rmSync(join(WORK, 'profiles-floor'), { recursive: true, force: true });
  const candidateRedis = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redisUrl = (await redisAvailable(candidateRedis)) ? candidateRedis : null;
  log(redisUrl ? `  Redis: ${redisUrl}` : '  Redis: none answered (scenario 6 needs it and is skipped)');

  const db = await openDatabaseServer(process.env.DATABASE_URL);
  const servers = new BenchServers(redisUrl, mailDir);
  try {
    const results = await run(args, db, servers);
    const out = resolve(ROOT, args.out);
    mkdirSync(out, { recursive: true });
    writeFileSync(join(WORK, 'results.json'), JSON.stringify(results, null, 2));
    writeReport(results, out);
    log(`  wrote ${join(out, 'results.md')} and ${join(out, 'results.svg')}`);
  } finally {
    await servers.stopAll();
    rmSync(mailDir, { recursive: true, force: true });
    await db.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
