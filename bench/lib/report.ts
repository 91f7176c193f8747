import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LoadResult } from './load';
import { Busyness, MachineInfo } from './machine';
import { ProfileLine } from './profile';
import { SeedSummary } from './seed';
import { SseResult } from './sse';
import { HISTORY_CONNECTIONS, HISTORY_SIZES, HISTORY_TARGET, HistoryRow, historyTable } from '../scenarios/histories';

export interface LoadSummary {
  rounds: LoadResult[];
  rps: number;
  p50: number;
  p99: number;
  cpuMsPerRequest: number;
  dbCpuMsPerRequest: number;
  peakRssMb: number;
  syscallsPerRequest: number;
  non2xx: number;
  errors: number;
}

/** Connections of a catalog query while `/health` is probed with the cores not saturated. */
export const HEALTH_CONNECTIONS = 4;

/** One catalog query at both catalog sizes, and `GET /health` probed while it ran on the big one. */
export interface GrowthRow {
  key: string;
  label: string;
  /** Whether the 1.3x target applies (not to a page the small catalog does not have). */
  target: boolean;
  small: LoadSummary;
  large: LoadSummary;
  health: { samples: number; p50: number; p99: number; max: number };
  /** `/health` probed while the query runs at a few connections (HEALTH_CONNECTIONS), the cores not saturated. */
  healthLight?: { samples: number; p50: number; p99: number; max: number };
}

export interface BenchResults {
  startedAt: string;
  finishedAt: string;
  args: Record<string, unknown>;
  machine: MachineInfo;
  postgres: string;
  redis: string | null;
  bcryptRounds: number;
  threadpool: string;
  dataset: SeedSummary;
  busyBefore: Busyness;
  busyAfter: Busyness;
  capture: { app: Record<string, string[]>; floor: Record<string, string[]>; same: Record<string, boolean> };
  http: Partial<Record<'list' | 'byId' | 'slots' | 'booking', { app: LoadSummary; floor?: LoadSummary }>>;
  login?: {
    ceiling: number;
    ceilings: number[];
    threadpool: string;
    connections: number;
    durationSec: number;
    app: LoadSummary;
    healthProbe: { samples: number; p50: number; p99: number; max: number };
  };
  sse?: SseResult;
  sseSkipped?: string;
  growth?: { smallServices: number; largeServices: number; rows: GrowthRow[] };
  /** The histories of a user with 100 rows of their own and of one with 100,000 (and providers' slots), side by side. */
  histories?: HistoryRow[];
  memory: { idleAtStartMb: number; idleSettledMb: number; idleAfterLoadMb: number; peakUnderReadLoadMb: number };
  profile?: { file: string; lines: ProfileLine[]; byPackage: ProfileLine[] };
  /** Separate runs under `node --cpu-prof`: busy time per request by package, app and floor. */
  profiles?: Array<{ scenario: string; server: 'app' | 'floor'; requests: number; busyMs: number; lines: ProfileLine[]; byPackage: ProfileLine[] }>;
}

const TITLES: Record<string, string> = {
  list: '1. `GET /services/?category=X&limit=20`',
  byId: '2. `GET /services/{id}`',
  slots: '3. `GET /services/{id}/slots` (a week)',
  booking: '4. `POST /bookings/` with payment',
  login: '5. `POST /auth/login`',
};
const SHORT: Record<string, string> = { list: '1 list', byId: '2 get', slots: '3 slots', booking: '4 book', login: '5 login' };

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const ratio = (n: number) => `${n.toFixed(2)}x`;
const yes = (ok: boolean | undefined) => (ok === undefined ? 'not run' : ok ? '**met**' : '**not met**');

interface Target {
  name: string;
  goal: string;
  measured: string;
  met: boolean | undefined;
}

export function evaluateTargets(r: BenchResults): Target[] {
  const targets: Target[] = [];
  for (const [key, goal] of [
    ['list', 0.85],
    ['byId', 0.85],
    ['booking', 0.75],
  ] as const) {
    const pair = r.http[key];
    const value = pair?.floor ? pair.app.rps / pair.floor.rps : undefined;
    targets.push({
      name: `${TITLES[key]} vs floor`,
      goal: `>= ${goal}x floor req/s`,
      measured: value === undefined ? '-' : `${ratio(value)} (${int(pair!.app.rps)} vs ${int(pair!.floor!.rps)} req/s)`,
      met: value === undefined ? undefined : value >= goal,
    });
  }
  const login = r.login ? r.login.app.rps / r.login.ceiling : undefined;
  targets.push({
    name: `${TITLES.login} vs bcrypt ceiling`,
    goal: '>= 0.9x compare/s',
    measured: login === undefined ? '-' : `${ratio(login)} (${r.login!.app.rps.toFixed(2)} logins/s vs ${r.login!.ceiling.toFixed(2)} compares/s)`,
    met: login === undefined ? undefined : login >= 0.9,
  });
  for (const row of r.growth?.rows ?? []) {
    if (!row.target) continue;
    const growth = row.large.p50 / row.small.p50;
    targets.push({
      name: `Catalog growth: ${row.label} p50 at ${int(r.growth!.largeServices)} vs ${int(r.growth!.smallServices)} services`,
      goal: '<= 1.3x',
      measured: `${ratio(growth)} (${ms(row.large.p50)} vs ${ms(row.small.p50)} ms)`,
      met: growth <= 1.3,
    });
  }
  if (!r.growth) targets.push({ name: 'Catalog growth: each catalog query p50 at 100,000 vs 1,000 services', goal: '<= 1.3x', measured: '-', met: undefined });
  for (const row of r.histories ?? []) {
    targets.push({
      name: row.request.includes('slots')
        ? `History: ${row.request}, p50`
        : `History: ${row.request} p50, ${int(HISTORY_SIZES.large)} vs ${int(HISTORY_SIZES.small)} rows`,
      goal: `<= ${HISTORY_TARGET}x`,
      measured: `${ratio(row.ratio)} (${ms(row.largeP50)} vs ${ms(row.smallP50)} ms)`,
      met: row.ratio <= HISTORY_TARGET,
    });
  }
  const probes = r.growth?.rows.map((row) => row.healthLight ?? row.health) ?? [];
  const worstHealth = probes.length ? Math.max(...probes.map((h) => h.p99)) : undefined;
  const saturated = r.growth?.rows.length ? Math.max(...r.growth.rows.map((row) => row.health.p99)) : undefined;
  targets.push({
    name: `\`GET /health\` p99 while any catalog query runs (${HEALTH_CONNECTIONS} connections of it)`,
    goal: '< 50 ms',
    measured:
      worstHealth === undefined
        ? '-'
        : `${ms(worstHealth)} ms (the worst query's p99; ${ms(saturated!)} ms with ${(r.args as { connections: number }).connections} connections saturating the 2 cores)`,
    met: worstHealth === undefined ? undefined : worstHealth < 50,
  });
  const sse = r.sse;
  targets.push({
    name: `SSE fan-out to ${int(sse?.connections ?? 10_000)} streams`,
    goal: 'all delivered <= 1 s',
    measured: sse ? `${int(sse.delivered)}/${int(sse.expected)} in ${int(sse.allDeliveredMs)} ms` : (r.sseSkipped ?? '-'),
    met: sse ? sse.delivered === sse.expected && sse.expected === sse.connections && sse.allDeliveredMs <= 1000 : undefined,
  });
  targets.push({
    name: 'SSE memory per open stream',
    goal: '< 30 KB',
    measured: sse ? `${sse.perConnectionKb.toFixed(1)} KB` : '-',
    met: sse ? sse.perConnectionKb < 30 : undefined,
  });
  targets.push({
    name: 'App idle RSS (2 s after start; after 30 s idle)',
    goal: '< 150 MB',
    measured: `${int(r.memory.idleAtStartMb)} MB; ${int(r.memory.idleSettledMb)} MB`,
    met: r.memory.idleAtStartMb ? r.memory.idleAtStartMb < 150 : undefined,
  });
  targets.push({
    name: 'App RSS under read load (peak, scenarios 1-3)',
    goal: '< 300 MB',
    measured: `${int(r.memory.peakUnderReadLoadMb)} MB`,
    met: r.memory.peakUnderReadLoadMb ? r.memory.peakUnderReadLoadMb < 300 : undefined,
  });
  return targets;
}

function quietness(b: Busyness): string {
  const load = `load average ${b.loadavg.join(' / ')}`;
  if (!b.busy.length) return `quiet (${load}; no other process above 5% of a core)`;
  return `**not quiet** (${load}; ${b.busy.map((p) => `\`${p.command.slice(0, 60)}\` ${p.cpuPercent}%`).join(', ')})`;
}

export function renderMarkdown(r: BenchResults): string {
  const lines: string[] = [];
  const a = r.args as { duration: number; rounds: number; warmup: number; connections: number };
  lines.push('# Benchmark results', '');
  lines.push(
    `Run ${r.startedAt.replace('T', ' ').slice(0, 16)} UTC (${Math.round((Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 60_000)} min), \`npm run bench\`.`,
    '',
  );
  lines.push(`- Machine: ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGb} GB, Linux ${r.machine.kernel}, Node.js ${r.machine.node}`);
  lines.push(`- PostgreSQL ${r.postgres}; Redis ${r.redis ?? 'none'}; all on loopback, client (autocannon) on the same machine`);
  lines.push(
    `- Dataset: ${int(r.dataset.services)} services (${int(r.dataset.listedServices)} publicly listed) from ${int(r.dataset.providers)} providers (${int(r.dataset.deletedProviders)} deleted), ${int(r.dataset.customers)} customers; seeded in ${r.dataset.seconds.toFixed(0)} s`,
  );
  lines.push(
    `- Load: ${a.connections} connections, ${a.warmup} s warm-up, then ${a.rounds} rounds of ${a.duration} s per scenario, app and floor interleaved (who goes first alternates by round, every run starts once PostgreSQL has settled); medians of the rounds`,
  );
  lines.push(
    `- App: \`NODE_ENV=production\`, \`LOG_LEVEL=warn\`, rate limits off, \`PAYMENT_FAILURE_RATE=0\`, bcrypt cost ${r.bcryptRounds}, libuv pool ${r.threadpool}`,
  );
  lines.push(`- Machine before the run: ${quietness(r.busyBefore)}; after: ${quietness(r.busyAfter)}`, '');

  lines.push('## Results', '');
  lines.push(
    'CPU per request leads: on 2 cores shared by the servers, PostgreSQL and the load generator, requests per second mostly say who got the CPU, while CPU time per request says what each request costs. `app/floor CPU` compares server + PostgreSQL CPU per request (the floor does the same work with the same statements); `server` the server process alone.',
    '',
  );
  lines.push(
    '| scenario | server | server CPU ms/req | PostgreSQL CPU ms/req | server + PostgreSQL ms/req | app/floor CPU (server) | req/s | app/floor req/s | p50 ms | p99 ms | syscalls/req | peak RSS MB |',
  );
  lines.push('|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
  const total = (s: LoadSummary) => s.cpuMsPerRequest + s.dbCpuMsPerRequest;
  for (const key of ['list', 'byId', 'slots', 'booking'] as const) {
    const pair = r.http[key];
    if (!pair) continue;
    const row = (server: string, s: LoadSummary, cpuShare: string, rpsShare: string) =>
      `| ${server === 'app' ? TITLES[key] : ''} | ${server} | ${s.cpuMsPerRequest.toFixed(3)} | ${s.dbCpuMsPerRequest.toFixed(3)} | ${total(s).toFixed(3)} | ${cpuShare} | ${int(s.rps)} | ${rpsShare} | ${ms(s.p50)} | ${ms(s.p99)} | ${s.syscallsPerRequest.toFixed(1)} | ${int(s.peakRssMb)} |`;
    const floor = pair.floor;
    lines.push(
      row(
        'app',
        pair.app,
        floor ? `${ratio(total(pair.app) / total(floor))} (${ratio(pair.app.cpuMsPerRequest / floor.cpuMsPerRequest)})` : '-',
        floor ? ratio(pair.app.rps / floor.rps) : '-',
      ),
    );
    if (floor) lines.push(row('floor', floor, '', ''));
  }
  if (r.login) {
    const s = r.login.app;
    lines.push(
      `| ${TITLES.login} | app | ${s.cpuMsPerRequest.toFixed(1)} | ${s.dbCpuMsPerRequest.toFixed(3)} | ${total(s).toFixed(1)} | - | ${s.rps.toFixed(1)} | ${ratio(s.rps / r.login.ceiling)} of ceiling | ${ms(s.p50)} | ${ms(s.p99)} | ${s.syscallsPerRequest.toFixed(1)} | ${int(s.peakRssMb)} |`,
    );
  }
  lines.push('');
  const failures = Object.entries(r.http).flatMap(([key, pair]) =>
    (['app', 'floor'] as const).flatMap((server) =>
      pair?.[server]?.non2xx || pair?.[server]?.errors ? [`${key} ${server}: ${pair[server].non2xx} non-2xx, ${pair[server].errors} errors`] : [],
    ),
  );
  lines.push(failures.length ? `Failed requests: ${failures.join('; ')}.` : 'Every request answered 2xx (every booking a 201 on a distinct free slot).', '');
  lines.push(
    "Server CPU is user + system time of the server process (every thread) from `/proc/<pid>/stat`, divided by the requests completed, read once the servers and PostgreSQL are quiet again (so the e-mails a booking leaves to send after commit count against it); PostgreSQL CPU the same for the whole PostgreSQL server (backends, WAL writer, autovacuum, and backends that exited meanwhile). Syscalls are the read and write system calls of the server process per request (`/proc/<pid>/io`). The floor is `bench/floor-server.ts`: bare Fastify and `pg`, no Nest, no ORM, issuing the statements the app issues (below) and sending the same response headers (request id and helmet's security headers).",
    '',
  );

  lines.push('## Targets', '');
  lines.push('| target | goal | measured | |', '|---|---|---|---|');
  for (const t of evaluateTargets(r)) lines.push(`| ${t.name} | ${t.goal} | ${t.measured} | ${yes(t.met)} |`);
  lines.push('');

  if (r.login) {
    lines.push('## Login and the bcrypt ceiling', '');
    lines.push(
      `bcrypt.compare at cost ${r.bcryptRounds} through the async API (libuv pool ${r.login.threadpool}) completes ${r.login.ceiling.toFixed(2)} compares/s on this machine (median of ${r.login.ceilings.map((c) => c.toFixed(2)).join(', ')}, each measured in a separate process right before a login round, the app idle): that is the ceiling for logins. The app served ${r.login.app.rps.toFixed(2)} logins/s (${ratio(r.login.app.rps / r.login.ceiling)}) with ${r.login.connections} connections (twice the pool: more would only lengthen the queue) in ${r.login.durationSec} s rounds. While logins saturated the pool, \`GET /health\` every 50 ms answered in p50 ${ms(r.login.healthProbe.p50)} ms, p99 ${ms(r.login.healthProbe.p99)} ms, max ${ms(r.login.healthProbe.max)} ms (${r.login.healthProbe.samples} probes): hashing never blocks the event loop.`,
      '',
    );
  }

  if (r.sse || r.sseSkipped) {
    lines.push('## Scenario 6: notification fan-out (SSE)', '');
    if (r.sse) {
      const s = r.sse;
      lines.push(
        `${int(s.opened)} of ${int(s.connections)} \`GET /notifications/stream\` connections opened (raw sockets from a separate client process, ${int(s.users)} users, so some hold two streams) in ${s.openSeconds.toFixed(1)} s${s.failed ? `; ${s.failed} failed (${s.firstError})` : ''}. One \`password_changed\` notification per user was committed through the app's own \`NotificationsRepository.insertNext\` and published on its Redis channel exactly as an instance does after commit; the instance under test fanned them out.`,
        '',
      );
      lines.push('| measure | value |', '|---|--:|');
      lines.push(`| events delivered | ${int(s.delivered)} / ${int(s.expected)} |`);
      lines.push(`| first event read | ${ms(s.firstDeliveredMs)} ms |`);
      lines.push(`| all events read (from the first PUBLISH) | ${ms(s.allDeliveredMs)} ms |`);
      lines.push(`| PUBLISH pipeline of ${int(s.users)} messages | ${ms(s.publishMs)} ms |`);
      lines.push(`| app CPU for the fan-out | ${int(s.appCpuMs)} ms |`);
      lines.push(`| app RSS before / after opening | ${int(s.rssBeforeMb)} / ${int(s.rssAfterMb)} MB |`);
      lines.push(`| memory per open stream (RSS delta / streams) | ${s.perConnectionKb.toFixed(1)} KB |`, '');
    } else lines.push(`Skipped: ${r.sseSkipped}.`, '');
  }

  if (r.memory.idleAtStartMb) lines.push('## Memory', '');
  if (r.memory.idleAtStartMb)
    lines.push(
      `App RSS ${int(r.memory.idleAtStartMb)} MB 2 s after start and ${int(r.memory.idleSettledMb)} MB after 30 s idle (V8 shrinks an idle heap after some seconds), ${int(r.memory.peakUnderReadLoadMb)} MB peak under the read scenarios, ${int(r.memory.idleAfterLoadMb)} MB a few seconds after the last scenario.`,
      '',
    );

  if (r.growth) {
    const g = r.growth;
    lines.push('## Catalog growth', '');
    lines.push(
      `Each catalog query of issue 17's table on an app per catalog (${int(g.smallServices)} and ${int(g.largeServices)} services, same providers and customers, same PostgreSQL), in alternating order by round, each run on a settled database; totals counted as served (kept a few seconds per filter). While each ran on the big catalog, \`GET /health\` every 50 ms; then the query again with ${HEALTH_CONNECTIONS} connections (the cores not saturated), \`GET /health\` probed the same way: what it waits there is the event loop, where at ${(r.args as { connections: number }).connections} connections on 2 shared cores it also waits its turn for the CPU, as every request does.`,
      '',
    );
    lines.push(
      `| request | p50 ms at ${int(g.smallServices)} | p50 ms at ${int(g.largeServices)} | ${int(g.largeServices)} / ${int(g.smallServices)} | target <= 1.3x | req/s at ${int(g.smallServices)} / ${int(g.largeServices)} | p99 ms at ${int(g.largeServices)} | PostgreSQL CPU ms/req at ${int(g.largeServices)} | \`/health\` p99 ms (max), ${HEALTH_CONNECTIONS} connections | \`/health\` p99 ms (max), ${(r.args as { connections: number }).connections} connections |`,
      '|---|--:|--:|--:|---|--:|--:|--:|--:|--:|',
    );
    for (const row of g.rows) {
      const growth = row.large.p50 / row.small.p50;
      lines.push(
        `| ${row.label} | ${ms(row.small.p50)} | ${ms(row.large.p50)} | ${row.target ? ratio(growth) : '-'} | ${row.target ? yes(growth <= 1.3) : 'no target (the small catalog has no such page)'} | ${int(row.small.rps)} / ${int(row.large.rps)} | ${ms(row.large.p99)} | ${row.large.dbCpuMsPerRequest.toFixed(3)} | ${row.healthLight ? `${ms(row.healthLight.p99)} (${ms(row.healthLight.max)})` : '-'} | ${ms(row.health.p99)} (${ms(row.health.max)}) |`,
      );
    }
    lines.push('');
  }

  if (r.histories) {
    lines.push(`## Histories growth (${int(HISTORY_SIZES.small)} vs ${int(HISTORY_SIZES.large)} rows of one user's own)`, '');
    lines.push(
      `One app, one database with a customer of ${int(HISTORY_SIZES.small)} rows in each history (bookings, payments, notifications) and one of ${int(HISTORY_SIZES.large)}, and providers with ${int(HISTORY_SIZES.smallProviderBookings)} and ${int(HISTORY_SIZES.largeProviderBookings)} bookings; each request measured for both in alternating rounds (${HISTORY_CONNECTIONS} connections), medians of the p50s.`,
      '',
      historyTable(r.histories),
      '',
    );
  }

  lines.push('## Statements per request', '');
  lines.push(
    "Captured on the wire (a PostgreSQL protocol proxy in front of the server, `bench/lib/pg-capture.ts`) from sequential requests to the app and to the floor, after-commit work included (the e-mails and their jobs); whitespace normalized. The job engine's polls for work (pg-boss's fetch, run by every worker on a timer whatever the requests) are left out.",
    '',
  );
  lines.push('| scenario | app | floor | same statements |', '|---|--:|--:|---|');
  for (const key of Object.keys(r.capture.app)) {
    const floor = r.capture.floor[key];
    lines.push(
      `| ${TITLES[key] ?? key} | ${r.capture.app[key].length} | ${floor ? floor.length : '-'} | ${key in r.capture.same ? (r.capture.same[key] ? 'yes' : '**no**') : '-'} |`,
    );
  }
  lines.push('');
  for (const key of Object.keys(r.capture.app)) {
    lines.push(`<details><summary>${TITLES[key] ?? key}: the app's statements</summary>`, '', '```sql');
    for (const sql of r.capture.app[key]) lines.push(`${sql};`);
    lines.push('```', '', '</details>', '');
  }

  if (r.profile) {
    lines.push('## CPU profile of the app', '');
    lines.push(`\`node --cpu-prof\` over the whole run (\`${r.profile.file}\`), self time:`, '');
    lines.push('| self % | function | where |', '|--:|---|---|');
    for (const line of r.profile.lines.slice(0, 20)) lines.push(`| ${line.selfPercent.toFixed(1)} | \`${line.name}\` | ${line.where} |`);
    lines.push('', '| self % | package or file |', '|--:|---|');
    for (const line of r.profile.byPackage.slice(0, 12)) lines.push(`| ${line.selfPercent.toFixed(1)} | ${line.name} |`);
    lines.push('');
  }

  if (r.profiles?.length) {
    lines.push('## Where the time goes', '');
    lines.push(
      'A separate pass (not the measured one) ran scenarios 1 and 2 against a fresh app and floor under `node --cpu-prof`; only the samples of the measured window count (not start-up or warm-up). Busy time per request, by package (V8 attributes the kernel time of socket writes to `writev`, and the collector to `(garbage collector)`):',
      '',
    );
    for (const scenario of [...new Set(r.profiles.map((p) => p.scenario))]) {
      const [app, floor] = (['app', 'floor'] as const).map((server) => r.profiles!.find((p) => p.scenario === scenario && p.server === server));
      if (!app) continue;
      const perRequest = (p: typeof app, share: number) => (p && p.requests ? ((share / 100) * p.busyMs * 1000) / p.requests : 0);
      const names = [...new Set([...app.byPackage.slice(0, 14).map((l) => l.name), ...(floor?.byPackage.slice(0, 8).map((l) => l.name) ?? [])])];
      const share = (p: typeof app, name: string) => p?.byPackage.find((l) => l.name === name)?.selfPercent ?? 0;
      lines.push(
        `${TITLES[scenario]}: app ${ms(perRequest(app, 100) / 1000)} ms busy per request, floor ${floor ? ms(perRequest(floor, 100) / 1000) : '-'} ms.`,
        '',
      );
      lines.push('| package or file | app µs/req | floor µs/req |', '|---|--:|--:|');
      for (const name of names)
        lines.push(`| ${name} | ${perRequest(app, share(app, name)).toFixed(1)} | ${floor ? perRequest(floor, share(floor, name)).toFixed(1) : '-'} |`);
      lines.push('', '<details><summary>top functions of the app (self time)</summary>', '', '| µs/req | function | where |', '|--:|---|---|');
      for (const line of app.lines.slice(0, 25)) lines.push(`| ${perRequest(app, line.selfPercent).toFixed(1)} | \`${line.name}\` | ${line.where} |`);
      lines.push('', '</details>', '');
    }
  }

  lines.push('## Rounds', '');
  lines.push('| scenario | server | req/s per round | p50 ms per round | p99 ms per round |', '|---|---|---|---|---|');
  const roundRows = (key: string, server: string, s: LoadSummary) =>
    lines.push(
      `| ${SHORT[key] ?? key} | ${server} | ${s.rounds.map((x) => int(x.rps)).join(', ')} | ${s.rounds.map((x) => ms(x.p50)).join(', ')} | ${s.rounds.map((x) => ms(x.p99)).join(', ')} |`,
    );
  for (const [key, pair] of Object.entries(r.http)) {
    roundRows(key, 'app', pair.app);
    if (pair.floor) roundRows(key, 'floor', pair.floor);
  }
  if (r.login) roundRows('login', 'app', r.login.app);
  for (const row of r.growth?.rows ?? []) {
    roundRows(`growth ${row.key}`, `${int(r.growth!.smallServices)}`, row.small);
    roundRows(`growth ${row.key}`, `${int(r.growth!.largeServices)}`, row.large);
  }
  lines.push('');
  return lines.join('\n');
}

/** Two grouped bar charts, req/s and p99, app against floor, hand-drawn. */
export function renderSvg(r: BenchResults): string {
  const keys = (['list', 'byId', 'slots', 'booking'] as const).filter((key) => r.http[key]);
  const groups = keys.map((key) => ({ key, app: r.http[key]!.app, floor: r.http[key]!.floor }));
  const width = 900;
  const growthHeight = (r.growth ? 340 : 0) + (r.histories ? 340 : 0);
  const height = 380 + growthHeight;
  const chartW = 390;
  const chartH = 250;
  const top = 70;
  const colors = { app: '#2563eb', floor: '#9ca3af' };
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
  );
  parts.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  parts.push(
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">App vs floor (bare Fastify + pg), ${int(r.dataset.services)} services, ${(r.args as { connections: number }).connections} connections</text>`,
  );
  parts.push(
    `<text x="${width / 2}" y="42" text-anchor="middle" fill="#555">${r.startedAt.slice(0, 10)} · ${r.machine.cores} cores · medians of ${(r.args as { rounds: number }).rounds} rounds</text>`,
  );
  parts.push(`<rect x="${width / 2 - 90}" y="52" width="12" height="12" fill="${colors.app}"/><text x="${width / 2 - 74}" y="62">app</text>`);
  parts.push(`<rect x="${width / 2 + 10}" y="52" width="12" height="12" fill="${colors.floor}"/><text x="${width / 2 + 26}" y="62">floor</text>`);
  const chart = (
    x0: number,
    title: string,
    value: (s: { app: LoadSummary; floor?: LoadSummary }, server: 'app' | 'floor') => number | undefined,
    format: (n: number) => string,
  ) => {
    const max = Math.max(1, ...groups.flatMap((g) => [value(g, 'app') ?? 0, value(g, 'floor') ?? 0]));
    const y0 = top + chartH;
    parts.push(`<text x="${x0 + chartW / 2}" y="${top - 0}" text-anchor="middle" font-weight="bold">${title}</text>`);
    parts.push(`<line x1="${x0}" y1="${y0}" x2="${x0 + chartW}" y2="${y0}" stroke="#333"/>`);
    const slot = chartW / Math.max(1, groups.length);
    groups.forEach((g, i) => {
      const bars = (['app', 'floor'] as const).filter((server) => value(g, server) !== undefined);
      const barW = Math.min(36, (slot - 20) / 2);
      bars.forEach((server, j) => {
        const v = value(g, server)!;
        const h = (v / max) * (chartH - 30);
        const x = x0 + i * slot + slot / 2 - (bars.length * barW) / 2 + j * barW;
        parts.push(`<rect x="${x.toFixed(1)}" y="${(y0 - h).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${colors[server]}"/>`);
        parts.push(`<text x="${(x + barW / 2 - 1).toFixed(1)}" y="${(y0 - h - 4).toFixed(1)}" text-anchor="middle" font-size="10">${format(v)}</text>`);
      });
      parts.push(`<text x="${(x0 + i * slot + slot / 2).toFixed(1)}" y="${y0 + 16}" text-anchor="middle">${SHORT[g.key]}</text>`);
      if (g.floor) {
        parts.push(
          `<text x="${(x0 + i * slot + slot / 2).toFixed(1)}" y="${y0 + 30}" text-anchor="middle" fill="#555" font-size="10">${ratio(g.app.rps / g.floor.rps)} req/s</text>`,
        );
      }
    });
  };
  chart(40, 'requests/s (higher is better)', (g, server) => g[server]?.rps, int);
  chart(width / 2 + 30, 'p99 latency, ms (lower is better)', (g, server) => g[server]?.p99, ms);
  if (r.growth) {
    const g = r.growth;
    growthChart(
      parts,
      {
        title: `Catalog growth: p50 ms at ${int(g.smallServices)} vs ${int(g.largeServices)} services (target: at most 1.3x)`,
        sizes: [int(g.smallServices), int(g.largeServices)],
        target: 1.3,
        rows: g.rows.map((row) => ({ key: row.key, small: row.small.p50, large: row.large.p50, target: row.target })),
      },
      380,
      width,
    );
  }
  if (r.histories) {
    growthChart(
      parts,
      {
        title: `Histories: p50 ms with ${int(HISTORY_SIZES.small)} vs ${int(HISTORY_SIZES.large)} rows of one's own (slots: ${int(HISTORY_SIZES.smallProviderBookings)} vs ${int(HISTORY_SIZES.largeProviderBookings)} bookings; target: at most ${HISTORY_TARGET}x)`,
        sizes: [`${int(HISTORY_SIZES.small)} rows`, `${int(HISTORY_SIZES.large)} rows`],
        target: HISTORY_TARGET,
        rows: r.histories.map((row) => ({ key: historyKey(row.request), small: row.smallP50, large: row.largeP50, target: true })),
      },
      380 + (r.growth ? 340 : 0),
      width,
    );
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** One bar pair per row (p50 at the small and the large size), the ratio under each pair against `target`. */
function growthChart(
  parts: string[],
  chart: { title: string; sizes: [string, string]; target: number; rows: Array<{ key: string; small: number; large: number; target: boolean }> },
  top: number,
  width: number,
): void {
  const colors = { small: '#9ca3af', large: '#2563eb' };
  const chartH = 220;
  const x0 = 40;
  const chartW = width - 80;
  const y0 = top + 50 + chartH;
  parts.push(`<text x="${width / 2}" y="${top + 10}" text-anchor="middle" font-size="15" font-weight="bold">${chart.title}</text>`);
  parts.push(
    `<rect x="${width / 2 - 110}" y="${top + 20}" width="12" height="12" fill="${colors.small}"/><text x="${width / 2 - 94}" y="${top + 30}">${chart.sizes[0]}</text>`,
  );
  parts.push(
    `<rect x="${width / 2 + 10}" y="${top + 20}" width="12" height="12" fill="${colors.large}"/><text x="${width / 2 + 26}" y="${top + 30}">${chart.sizes[1]}</text>`,
  );
  parts.push(`<line x1="${x0}" y1="${y0}" x2="${x0 + chartW}" y2="${y0}" stroke="#333"/>`);
  const max = Math.max(1, ...chart.rows.flatMap((row) => [row.small, row.large]));
  const slot = chartW / Math.max(1, chart.rows.length);
  const barW = Math.min(30, (slot - 16) / 2);
  chart.rows.forEach((row, i) => {
    (['small', 'large'] as const).forEach((size, j) => {
      const v = row[size];
      const h = (v / max) * (chartH - 30);
      const x = x0 + i * slot + slot / 2 - barW + j * barW;
      parts.push(`<rect x="${x.toFixed(1)}" y="${(y0 - h).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${colors[size]}"/>`);
      parts.push(`<text x="${(x + barW / 2 - 1).toFixed(1)}" y="${(y0 - h - 4).toFixed(1)}" text-anchor="middle" font-size="9">${ms(v)}</text>`);
    });
    const cx = (x0 + i * slot + slot / 2).toFixed(1);
    parts.push(`<text x="${cx}" y="${y0 + 14}" text-anchor="middle" font-size="10">${row.key}</text>`);
    const growth = row.large / row.small;
    const fill = !row.target ? '#555' : growth <= chart.target ? '#15803d' : '#b91c1c';
    parts.push(`<text x="${cx}" y="${y0 + 28}" text-anchor="middle" font-size="10" fill="${fill}">${row.target ? ratio(growth) : '-'}</text>`);
  });
}

/** The history requests' short names, for the chart. */
function historyKey(request: string): string {
  const path = /\/(\w+)\//.exec(request)?.[1] ?? request;
  if (request.includes('slots')) return 'slots';
  if (request.includes('unread/count')) return 'unread count';
  if (request.includes('unread=true')) return 'unread';
  return `${path} ${request.includes('deep') ? 'deep' : 'first'}`;
}

export function writeReport(results: BenchResults, directory: string): void {
  writeFileSync(join(directory, 'results.md'), renderMarkdown(results));
  writeFileSync(join(directory, 'results.svg'), renderSvg(results));
}
