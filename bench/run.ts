/**
 * `npm run bench`: builds the app, starts it in production mode against a real PostgreSQL (DATABASE_URL's
 * server, else an embedded one) next to a bare Fastify + pg "floor" server, seeds a catalog, and drives
 * both with autocannon. Writes bench/results.md and bench/results.svg. See `npm run bench -- --help`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as bcrypt from 'bcrypt';
import Redis from 'ioredis';
import { Client } from 'pg';
import { EnvironmentVariables } from '../src/config/environment';
import { runMigrations } from '../src/database/migrate';
import { BenchArgs, parseArgs, ScenarioKey } from './lib/args';
import { BENCH_PASSWORD, Dataset } from './lib/dataset';
import { BenchDatabaseServer, freePort, openDatabaseServer } from './lib/database';
import { LoadResult, median, percentile, RequestSpec, runLoad } from './lib/load';
import { busyness, machineInfo } from './lib/machine';
import { normalizeSql, PgCaptureProxy } from './lib/pg-capture';
import { cpuMs, parentPid, postgresCpuMs, rssMb, ServerProcess, startServer } from './lib/processes';
import { latestProfile, topFunctions } from './lib/profile';
import { BenchResults, LoadSummary, writeReport } from './lib/report';
import { seed } from './lib/seed';
import { runSse } from './lib/sse';

const ROOT = resolve(__dirname, '..', '..');
const WORK = join(ROOT, 'bench', '.work');
const APP_MAIN = join(ROOT, 'dist', 'src', 'main.js');
const FLOOR_MAIN = join(ROOT, 'dist', 'bench', 'floor-server.js');

type Target = 'app' | 'floor';

const log = (line: string) => process.stderr.write(`${line}\n`);

/** The scenarios measured against both servers, in the order they run within a round. */
const HTTP_SCENARIOS: Array<{ key: Exclude<ScenarioKey, 'login' | 'sse'>; floor: boolean }> = [
  { key: 'list', floor: true },
  { key: 'byId', floor: true },
  { key: 'slots', floor: false },
  { key: 'booking', floor: true },
];

function summarize(rounds: LoadResult[]): LoadSummary {
  return {
    rounds,
    rps: median(rounds.map((r) => r.rps)),
    p50: median(rounds.map((r) => r.p50)),
    p99: median(rounds.map((r) => r.p99)),
    cpuMsPerRequest: median(rounds.map((r) => r.cpuMsPerRequest)),
    dbCpuMsPerRequest: median(rounds.map((r) => r.dbCpuMsPerRequest)),
    peakRssMb: Math.max(...rounds.map((r) => r.peakRssMb)),
    syscallsPerRequest: median(rounds.map((r) => r.readsPerRequest + r.writesPerRequest)),
    non2xx: rounds.reduce((sum, r) => sum + r.non2xx, 0),
    errors: rounds.reduce((sum, r) => sum + r.errors, 0),
  };
}

function describe(result: LoadResult): string {
  const bad = result.non2xx ? `, ${result.non2xx} non-2xx (first ${result.firstBadStatus})` : '';
  return `${Math.round(result.rps).toLocaleString('en-US')} req/s, p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, CPU ${result.cpuMsPerRequest.toFixed(3)} ms/req (db ${result.dbCpuMsPerRequest.toFixed(3)}), peak RSS ${Math.round(result.peakRssMb)} MB, syscalls/req r ${result.readsPerRequest.toFixed(1)} w ${result.writesPerRequest.toFixed(1)}${bad}`;
}

/** The PostgreSQL server's postmaster, when it runs on this machine: the parent of a backend. */
async function postmasterOf(url: string): Promise<number | null> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const parent = parentPid(rows[0].pid);
    return parent && parent > 1 ? parent : null;
  } finally {
    await client.end();
  }
}

async function redisAvailable(url: string): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

class Bench {
  private readonly jwtSecret = randomBytes(36).toString('base64url'); // 48 characters
  private readonly secretKey = randomBytes(36).toString('base64url');
  private readonly bcryptRounds = new EnvironmentVariables().BCRYPT_ROUNDS;
  private readonly servers: ServerProcess[] = [];
  private redisUrl: string | null = null;
  private dbCpuMs: () => number = () => 0;
  private mailDir = '';

  constructor(
    private readonly args: BenchArgs,
    private readonly db: BenchDatabaseServer & { baseName: string },
  ) {}

  private appEnv(port: number, databaseUrl: string): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...(process.env.UV_THREADPOOL_SIZE ? { UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE } : {}),
      NODE_ENV: 'production',
      PORT: String(port),
      APP_URL: `http://127.0.0.1:${port}`,
      DATABASE_URL: databaseUrl,
      ...(this.redisUrl ? { REDIS_URL: this.redisUrl } : {}),
      JWT_SECRET_KEY: this.jwtSecret,
      SECRET_KEY: this.secretKey,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_ENABLED: 'false',
      PAYMENT_FAILURE_RATE: '0',
      SEED_SAMPLE_DATA: 'false',
      EMAIL_OUTPUT_DIR: this.mailDir,
    };
  }

  /** `profile`: true for bench/.work/profiles, or a directory. */
  async startApp(databaseUrl: string, label: string, profile: boolean | string = false): Promise<ServerProcess> {
    const port = await freePort();
    const profileArgs = profile ? ['--cpu-prof', `--cpu-prof-dir=${typeof profile === 'string' ? profile : join(WORK, 'profiles')}`] : [];
    const server = await startServer({
      name: `app (${label})`,
      command: process.execPath,
      args: [...profileArgs, APP_MAIN],
      env: this.appEnv(port, databaseUrl),
      port,
      readyPath: '/health',
      logFile: join(WORK, `app-${label}.log`),
    });
    this.servers.push(server);
    return server;
  }

  async startFloor(databaseUrl: string, label: string, profile: boolean | string = false): Promise<ServerProcess> {
    const port = await freePort();
    const profileArgs = profile ? ['--cpu-prof', `--cpu-prof-dir=${typeof profile === 'string' ? profile : join(WORK, 'profiles-floor')}`] : [];
    const server = await startServer({
      name: `floor (${label})`,
      command: process.execPath,
      args: [...profileArgs, FLOOR_MAIN],
      env: { ...this.appEnv(port, databaseUrl), FLOOR_PORT: String(port) },
      port,
      readyPath: '/health',
      logFile: join(WORK, `floor-${label}.log`),
    });
    this.servers.push(server);
    return server;
  }

  async stop(server: ServerProcess): Promise<void> {
    await server.stop();
    this.servers.splice(this.servers.indexOf(server), 1);
  }

  async stopAll(): Promise<void> {
    for (const server of [...this.servers]) await this.stop(server);
  }

  async run(): Promise<BenchResults> {
    const args = this.args;
    const started = new Date();
    mkdirSync(WORK, { recursive: true });
    this.mailDir = join(WORK, `mail-${process.pid}`);
    rmSync(join(WORK, 'profiles'), { recursive: true, force: true });
    rmSync(join(WORK, 'profiles-floor'), { recursive: true, force: true });
    const before = await busyness([]);
    if (before.busy.length)
      log(`  note: the machine is not quiet: ${before.busy.map((b) => `${b.command.split(' ').slice(0, 3).join(' ')} ${b.cpuPercent}%`).join('; ')}`);

    const candidateRedis = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    this.redisUrl = (await redisAvailable(candidateRedis)) ? candidateRedis : null;
    log(this.redisUrl ? `  Redis: ${this.redisUrl}` : '  Redis: none answered (scenario 6 needs it and is skipped)');

    // The dataset.
    const dbName = `${this.db.baseName}_bench`;
    log(`  database ${dbName} on ${this.db.kind === 'embedded' ? 'an embedded PostgreSQL' : `${this.db.host}:${this.db.port}`}`);
    const url = await this.db.recreate(dbName);
    await runMigrations(url);
    log(`  bcrypt cost ${this.bcryptRounds}: hashing the one password every account shares`);
    const passwordHash = await bcrypt.hash(BENCH_PASSWORD, this.bcryptRounds);
    const seeded = await seed(url, { services: args.services, providers: args.providers, customers: args.customers, passwordHash });
    log(`  seeded in ${seeded.seconds.toFixed(1)} s: ${seeded.listedServices.toLocaleString('en-US')} services publicly listed`);
    const dataset = await Dataset.load(url, this.jwtSecret);

    const results: BenchResults = {
      startedAt: started.toISOString(),
      finishedAt: '',
      args: { ...args, scenarios: [...args.scenarios] },
      machine: machineInfo(),
      postgres: `${await this.db.version()} (${this.db.kind === 'embedded' ? 'embedded' : 'DATABASE_URL'})`,
      redis: this.redisUrl,
      bcryptRounds: this.bcryptRounds,
      threadpool: process.env.UV_THREADPOOL_SIZE ?? '4 (default)',
      dataset: seeded,
      busyBefore: before,
      busyAfter: before,
      capture: await this.capture(url, dataset),
      http: {},
      memory: { idleAtStartMb: 0, idleSettledMb: 0, idleAfterLoadMb: 0, peakUnderReadLoadMb: 0 },
    };

    // Scenarios 1-4, app and floor side by side, interleaved by round.
    const wanted = HTTP_SCENARIOS.filter((s) => args.scenarios.has(s.key));
    const app = await this.startApp(url, 'main', args.profile);
    // Idle memory: 2 s after start (start-up garbage still in the heap), and once V8 has shrunk the heap of an
    // idle process (its memory reducer runs after some seconds without allocation).
    await sleep(2000);
    results.memory.idleAtStartMb = rssMb(app.pid);
    await sleep(28_000);
    results.memory.idleSettledMb = rssMb(app.pid);
    log(`  app idle RSS: ${results.memory.idleAtStartMb.toFixed(0)} MB 2 s after start, ${results.memory.idleSettledMb.toFixed(0)} MB after 30 s`);
    const floor = args.floor && wanted.some((s) => s.floor) ? await this.startFloor(url, 'main', args.profile) : null;
    const postmaster = await postmasterOf(url);
    this.dbCpuMs = postmaster ? () => postgresCpuMs(postmaster) : () => 0;
    const generators: Record<string, () => () => RequestSpec> = {
      list: () => dataset.listing(),
      byId: () => dataset.serviceById(),
      slots: () => dataset.slots(),
      booking: () => dataset.booking(),
    };
    const rounds: Record<string, Partial<Record<Target, LoadResult[]>>> = {};
    for (const scenario of wanted) {
      for (const target of scenario.floor && floor ? (['app', 'floor'] as const) : (['app'] as const)) {
        const server = target === 'app' ? app : floor!;
        log(`  warm-up ${scenario.key} on ${target} (${args.warmup} s)`);
        await runLoad({
          port: server.port,
          serverPid: server.pid,
          dbCpuMs: this.dbCpuMs,
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
          await this.settle();
          const result = await runLoad({
            port: server.port,
            serverPid: server.pid,
            dbCpuMs: this.dbCpuMs,
            connections: args.connections,
            durationSec: args.duration,
            next: generators[scenario.key](),
            afterwork: () => this.settle(),
          });
          log(`  round ${round} ${scenario.key.padEnd(7)} ${target.padEnd(5)} ${describe(result)}`);
          ((rounds[scenario.key] ??= {})[target] ??= []).push(result);
        }
      }
    }
    for (const scenario of wanted) {
      results.http[scenario.key] = {
        app: summarize(rounds[scenario.key].app!),
        floor: rounds[scenario.key].floor ? summarize(rounds[scenario.key].floor!) : undefined,
      };
    }
    const reads = (['list', 'byId', 'slots'] as const).map((key) => results.http[key]?.app.peakRssMb ?? 0);
    results.memory.peakUnderReadLoadMb = Math.max(...reads);

    if (args.scenarios.has('login')) results.login = await this.login(app, dataset);
    await sleep(5000);
    results.memory.idleAfterLoadMb = rssMb(app.pid);
    if (floor) await this.stop(floor);
    await this.stop(app);
    if (args.profile) {
      const file = latestProfile(join(WORK, 'profiles'));
      if (file) results.profile = { file: file.replace(`${ROOT}/`, ''), ...topFunctions(file, 30) };
    }

    if (args.profiles) results.profiles = await this.profiles(url, generators, wanted);

    if (args.scenarios.has('sse')) {
      if (!this.redisUrl) results.sseSkipped = 'no Redis answered';
      else {
        log(`  scenario 6: ${args.sseConnections} notification streams`);
        const sseApp = await this.startApp(url, 'sse');
        results.sse = await runSse({
          appPid: sseApp.pid,
          port: sseApp.port,
          databaseUrl: url,
          redisUrl: this.redisUrl,
          users: dataset.users,
          connections: args.sseConnections,
          log,
        });
        log(
          `    ${results.sse.delivered}/${results.sse.expected} delivered in ${results.sse.allDeliveredMs.toFixed(0)} ms; ${results.sse.perConnectionKb.toFixed(1)} KB per stream (RSS ${results.sse.rssBeforeMb.toFixed(0)} -> ${results.sse.rssAfterMb.toFixed(0)} MB)`,
        );
        await this.stop(sseApp);
      }
    }

    if (args.growth && args.scenarios.has('list')) results.growth = await this.growth(url, dataset);
    if (!args.keepDatabase) await this.db.drop(dbName);
    rmSync(this.mailDir, { recursive: true, force: true });
    results.busyAfter = await busyness([]);
    results.finishedAt = new Date().toISOString();
    return results;
  }

  /**
   * Waits (up to 30 s) until PostgreSQL and every server of the bench have together used under 5% of a core
   * for a second: no autovacuum, checkpoint or e-mail backlog left over from the previous run.
   */
  private async settle(): Promise<void> {
    const used = () => this.dbCpuMs() + this.servers.reduce((sum, server) => sum + cpuMs(server.pid), 0);
    const deadline = Date.now() + 30_000;
    for (let before = used(); Date.now() < deadline; ) {
      await sleep(1000);
      const now = used();
      if (now - before < 50) return;
      before = now;
    }
  }

  /** Scenarios 1 and 2 against a fresh app and floor under `node --cpu-prof` (not the measured processes). */
  private async profiles(
    url: string,
    generators: Record<string, () => () => RequestSpec>,
    wanted: Array<{ key: string; floor: boolean }>,
  ): Promise<BenchResults['profiles']> {
    const out: NonNullable<BenchResults['profiles']> = [];
    for (const scenario of wanted.filter((s) => s.key === 'list' || s.key === 'byId')) {
      for (const server of this.args.floor ? (['app', 'floor'] as const) : (['app'] as const)) {
        const dir = join(WORK, `profile-${scenario.key}-${server}`);
        rmSync(dir, { recursive: true, force: true });
        const target = server === 'app' ? await this.startApp(url, `profile-${scenario.key}`, dir) : await this.startFloor(url, `profile-${scenario.key}`, dir);
        await runLoad({
          port: target.port,
          serverPid: target.pid,
          connections: this.args.connections,
          durationSec: this.args.warmup,
          next: generators[scenario.key](),
        });
        const result = await runLoad({
          port: target.port,
          serverPid: target.pid,
          connections: this.args.connections,
          durationSec: this.args.duration,
          next: generators[scenario.key](),
        });
        await this.stop(target);
        const file = latestProfile(dir);
        if (!file) continue;
        log(`  profiled ${scenario.key} on ${server}: ${Math.round(result.rps)} req/s under the profiler`);
        out.push({ scenario: scenario.key, server, requests: result.requests + result.non2xx, ...topFunctions(file, 30, result.window) });
      }
    }
    return out;
  }

  /**
   * Runs the app and the floor once through a PostgreSQL wire-protocol proxy, a few sequential requests per
   * scenario, and records each request's statements: the floor must issue the same ones.
   */
  private async capture(url: string, dataset: Dataset): Promise<BenchResults['capture']> {
    const proxy = new PgCaptureProxy(this.db.host, this.db.port);
    const proxyPort = await proxy.listen();
    const proxied = new URL(url);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxyPort);
    const capture: BenchResults['capture'] = { app: {}, floor: {}, same: {} };
    try {
      const app = await this.startApp(proxied.toString(), 'capture');
      const floor = this.args.floor ? await this.startFloor(proxied.toString(), 'capture') : null;
      const requests: Array<{ key: string; next: () => RequestSpec; targets: Target[] }> = [
        { key: 'list', next: dataset.listing(), targets: ['app', 'floor'] },
        { key: 'byId', next: dataset.serviceById(), targets: ['app', 'floor'] },
        { key: 'slots', next: dataset.slots(), targets: ['app'] },
        { key: 'booking', next: dataset.booking(), targets: ['app', 'floor'] },
        { key: 'login', next: dataset.login(), targets: ['app'] },
      ];
      for (const { key, next, targets: all } of requests) {
        if (key === 'login' && !this.args.scenarios.has('login')) continue;
        const targets = all.filter((target) => target === 'app' || floor);
        for (const target of targets) {
          const server = target === 'app' ? app : floor!;
          const seen = new Map<string, { count: number; statements: string[] }>();
          for (let i = 0; i < 4; i++) {
            const spec = next();
            const mark = proxy.statements.length;
            const response = await fetch(`http://127.0.0.1:${server.port}${spec.path}`, { method: spec.method, headers: spec.headers, body: spec.body });
            await response.arrayBuffer();
            if (!response.ok) throw new Error(`capture: ${target} answered ${response.status} to ${spec.method} ${spec.path}`);
            await sleep(500); // after-commit work (e-mails) included
            const statements = proxy.statements.slice(mark).map((s) => normalizeSql(s.sql));
            if (i === 0) continue; // the first may include connection set-up
            const signature = [...statements].sort().join('\n');
            const entry = seen.get(signature) ?? { count: 0, statements };
            entry.count++;
            seen.set(signature, entry);
          }
          // The most frequent set: a background sweep may land in one window.
          const typical = [...seen.values()].sort((a, b) => b.count - a.count)[0];
          capture[target][key] = typical.statements;
        }
        if (targets.includes('floor')) {
          const sorted = (statements: string[]) => [...statements].sort().join('\n');
          capture.same[key] = sorted(capture.app[key]) === sorted(capture.floor[key]);
          log(`  statements for ${key}: app ${capture.app[key].length}, floor ${capture.floor[key].length}, ${capture.same[key] ? 'identical' : 'DIFFERENT'}`);
        } else {
          log(`  statements for ${key}: app ${capture.app[key].length}`);
        }
      }
      writeFileSync(join(WORK, 'statements.json'), JSON.stringify(capture, null, 2));
    } finally {
      await this.stopAll();
      await proxy.close();
    }
    return capture;
  }

  /** Scenario 5 and its ceiling: bcrypt.compare/s at the configured cost with the app's thread pool size. */
  private async login(app: ServerProcess, dataset: Dataset): Promise<BenchResults['login']> {
    /** bcrypt.compare/s in a separate process with the app's pool size, the app idle meanwhile. */
    const measureCeiling = (seconds: number) => {
      const measured = spawnSync(process.execPath, [join(__dirname, 'lib', 'bcrypt-rate.js'), String(this.bcryptRounds), String(seconds)], {
        env: { ...process.env },
        encoding: 'utf8',
      });
      return JSON.parse(measured.stdout) as { comparesPerSecond: number; threadpool: string };
    };
    const rounds: LoadResult[] = [];
    const ceilings: number[] = [];
    const probe: number[] = [];
    // Logins queue for the hashing threads: more connections than twice the pool only lengthen the queue (at
    // cost 12 a compare takes a quarter of a second, so 50 waiting logins would wait seconds each).
    const connections = Math.min(this.args.connections, 2 * (Number(process.env.UV_THREADPOOL_SIZE) || 4));
    // A few logins a second: longer rounds than the other scenarios', for the same precision.
    const duration = Math.max(15, this.args.duration);
    log(`  warm-up login (${this.args.warmup} s)`);
    await runLoad({ port: app.port, serverPid: app.pid, dbCpuMs: this.dbCpuMs, connections, durationSec: this.args.warmup, next: dataset.login() });
    let threadpool = '';
    for (let round = 1; round <= this.args.rounds; round++) {
      // The ceiling next to each round, so that both see the same machine.
      const ceiling = measureCeiling(Math.max(5, Math.round(duration / 2)));
      ceilings.push(ceiling.comparesPerSecond);
      threadpool = ceiling.threadpool;
      log(
        `  round ${round} bcrypt ceiling ${ceiling.comparesPerSecond.toFixed(2)} compares/s at cost ${this.bcryptRounds} (thread pool ${ceiling.threadpool})`,
      );
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
      const result = await runLoad({
        port: app.port,
        serverPid: app.pid,
        dbCpuMs: this.dbCpuMs,
        connections,
        durationSec: duration,
        next: dataset.login(),
      });
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

  /**
   * Scenario 1 on a small catalog next to the big one: an app on each, measured in alternating order on a
   * settled database, so that the two p50s differ only by the catalog's size.
   */
  private async growth(largeUrl: string, largeDataset: Dataset): Promise<BenchResults['growth']> {
    const name = `${this.db.baseName}_bench_small`;
    log(`  catalog growth: scenario 1 on ${this.args.growthServices} and on ${this.args.services} services (${name})`);
    const smallUrl = await this.db.recreate(name);
    try {
      await runMigrations(smallUrl);
      const passwordHash = await bcrypt.hash(BENCH_PASSWORD, 4); // nobody logs in here
      await seed(smallUrl, { services: this.args.growthServices, providers: this.args.providers, customers: this.args.customers, passwordHash });
      const sizes = [
        { key: 'small' as const, app: await this.startApp(smallUrl, 'small'), dataset: await Dataset.load(smallUrl, this.jwtSecret) },
        { key: 'large' as const, app: await this.startApp(largeUrl, 'large'), dataset: largeDataset },
      ];
      const load = (size: (typeof sizes)[number], durationSec: number) =>
        runLoad({
          port: size.app.port,
          serverPid: size.app.pid,
          dbCpuMs: this.dbCpuMs,
          connections: this.args.connections,
          durationSec,
          next: size.dataset.listing(),
        });
      for (const size of sizes) await load(size, this.args.warmup);
      const rounds: Record<'small' | 'large', LoadResult[]> = { small: [], large: [] };
      for (let round = 1; round <= this.args.rounds; round++) {
        for (const size of round % 2 ? sizes : [...sizes].reverse()) {
          await this.settle();
          const result = await load(size, this.args.duration);
          const services = size.key === 'small' ? this.args.growthServices : this.args.services;
          log(`  round ${round} list@${services} app ${describe(result)}`);
          rounds[size.key].push(result);
        }
      }
      for (const size of sizes) await this.stop(size.app);
      return { smallServices: this.args.growthServices, small: summarize(rounds.small), largeServices: this.args.services, large: summarize(rounds.large) };
    } finally {
      if (!this.args.keepDatabase) await this.db.drop(name);
    }
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  try {
    const limit = Number(execFileSync('sh', ['-c', 'ulimit -n']).toString().trim());
    if (args.scenarios.has('sse') && limit < args.sseConnections + 1000) {
      log(`  note: open-file limit ${limit} is below ${args.sseConnections + 1000}; raise it (ulimit -n) for scenario 6`);
    }
  } catch {
    // not a POSIX shell
  }
  const db = await openDatabaseServer(process.env.DATABASE_URL);
  const bench = new Bench(args, db);
  try {
    const results = await bench.run();
    const out = resolve(ROOT, args.out);
    mkdirSync(out, { recursive: true });
    writeFileSync(join(WORK, 'results.json'), JSON.stringify(results, null, 2));
    writeReport(results, out);
    log(`  wrote ${join(out, 'results.md')} and ${join(out, 'results.svg')}`);
  } finally {
    await bench.stopAll();
    await db.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
