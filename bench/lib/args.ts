export const SCENARIO_KEYS = ['list', 'byId', 'slots', 'booking', 'login', 'sse'] as const;
export type ScenarioKey = (typeof SCENARIO_KEYS)[number];

export interface BenchArgs {
  services: number;
  providers: number;
  customers: number;
  /** Seconds per measured round of a scenario. */
  duration: number;
  rounds: number;
  /** Seconds of warm-up per scenario and server before the first round. */
  warmup: number;
  connections: number;
  sseConnections: number;
  scenarios: Set<ScenarioKey>;
  /** Scenario 1 again on a 1,000-service catalog, to compare p50s. */
  growth: boolean;
  growthServices: number;
  /** Runs the app under `node --cpu-prof` and summarizes the profile in the results. */
  profile: boolean;
  /** Where results.md and results.svg go. */
  out: string;
  keepDatabase: boolean;
  /** App only: no floor server, no statement comparison (for profiling the app). */
  floor: boolean;
  /** A separate profiled pass over the read scenarios, app and floor, for the report. */
  profiles: boolean;
  /** `growth`: only the catalog growth section (both catalogs seeded, nothing else measured). */
  only?: 'growth';
  /** A run's saved results.json: write its report again, measure nothing. */
  from?: string;
}

const HELP = `npm run bench -- [options]

  --services N          services in the catalog (default 100000)
  --providers N         providers (default 2000)
  --customers N         customers (default 5000)
  --duration S          seconds per measured round (default 10)
  --rounds N            measured rounds; the report gives medians (default 3)
  --warmup S            warm-up seconds per scenario and server (default 5)
  --connections N       autocannon connections (default 50)
  --sse-connections N   open notification streams for scenario 6 (default 10000)
  --scenarios a,b       subset of ${SCENARIO_KEYS.join(',')} (default all)
  --no-growth           skip the catalog queries on the ${'1,000'}-service catalog
  --only growth         only the catalog growth section: each catalog query at both sizes, /health probed
  --profile             run the app under node --cpu-prof and add a profile summary
  --out DIR             where results.md and results.svg are written (default bench)
  --keep-db             keep the bench databases afterwards
  --no-floor            app only (no floor server, no statement comparison)
  --no-profiles         skip the separate CPU-profiled pass over scenarios 1 and 2
  --from FILE           measure nothing: write the report again from a run's results.json
                        (each run saves it under the bench's work directory)
`;

export function parseArgs(argv: string[]): BenchArgs {
  const args: BenchArgs = {
    services: 100_000,
    providers: 2_000,
    customers: 5_000,
    duration: 10,
    rounds: 3,
    warmup: 5,
    connections: 50,
    sseConnections: 10_000,
    scenarios: new Set(SCENARIO_KEYS),
    growth: true,
    growthServices: 1_000,
    profile: false,
    out: 'bench',
    keepDatabase: false,
    floor: true,
    profiles: true,
  };
  const numbers: Record<string, keyof BenchArgs> = {
    '--services': 'services',
    '--providers': 'providers',
    '--customers': 'customers',
    '--duration': 'duration',
    '--rounds': 'rounds',
    '--warmup': 'warmup',
    '--connections': 'connections',
    '--sse-connections': 'sseConnections',
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = () => inline ?? argv[++i];
    if (flag === '--help' || flag === '-h') {
      process.stdout.write(HELP);
      process.exit(0);
    } else if (numbers[flag]) {
      const number = Number(value());
      if (!Number.isFinite(number) || number < 0) throw new Error(`${flag} needs a number`);
      (args as unknown as Record<string, number>)[numbers[flag]] = number;
    } else if (flag === '--scenarios') {
      const keys = value().split(',');
      const unknown = keys.filter((key) => !(SCENARIO_KEYS as readonly string[]).includes(key));
      if (unknown.length) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${SCENARIO_KEYS.join(', ')}`);
      args.scenarios = new Set(keys as ScenarioKey[]);
    } else if (flag === '--no-growth') args.growth = false;
    else if (flag === '--profile') args.profile = true;
    else if (flag === '--keep-db') args.keepDatabase = true;
    else if (flag === '--no-floor') args.floor = false;
    else if (flag === '--no-profiles') args.profiles = false;
    else if (flag === '--out') args.out = value();
    else if (flag === '--from') args.from = value();
    else if (flag === '--only') {
      if (value() !== 'growth') throw new Error('--only takes growth');
      args.only = 'growth';
    } else throw new Error(`unknown option ${argv[i]}\n\n${HELP}`);
  }
  return args;
}
