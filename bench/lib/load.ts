import autocannon from 'autocannon';
import { cpuMs, rssSampler, syscalls } from './processes';
import type { SampleWindow } from './profile';

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** Server process CPU (user + system, every thread) per completed request, ms. */
  cpuMsPerRequest: number;
  /** PostgreSQL server CPU per completed request, ms (the whole server: backends, WAL writer, autovacuum). */
  dbCpuMsPerRequest: number;
  peakRssMb: number;
  /** Server read and write system calls per completed request. */
  readsPerRequest: number;
  writesPerRequest: number;
  /** The first non-2xx status seen, to explain failures. */
  firstBadStatus?: number;
  /** When the load ran, on the clock CPU profiles are stamped with. */
  window: SampleWindow;
}

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (!sorted.length) return 0;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Drives one server with autocannon for `durationSec`, each request built by `next()`; records every
 * response time (autocannon's own histogram keeps whole milliseconds), the server's CPU from /proc and
 * its peak RSS.
 */
export async function runLoad(options: {
  port: number;
  serverPid: number;
  /** CPU of the PostgreSQL server so far, in ms (0 when it is not on this machine). */
  dbCpuMs?: () => number;
  connections: number;
  durationSec: number;
  next: () => RequestSpec;
  timeoutSec?: number;
  /**
   * Awaited after the last response, before CPU is read: work the requests left behind (e-mails sent after
   * commit) is counted against them. Requests per second count only the load's own duration.
   */
  afterwork?: () => Promise<void>;
}): Promise<LoadResult> {
  const dbCpu = options.dbCpuMs ?? (() => 0);
  const latencies: number[] = [];
  let non2xx = 0;
  let firstBadStatus: number | undefined;
  const cpuBefore = cpuMs(options.serverPid);
  const ioBefore = syscalls(options.serverPid);
  const dbBefore = dbCpu();
  const rss = rssSampler(options.serverPid);
  const fromUs = nowUs();
  let finished!: (result: autocannon.Result) => void;
  let failed!: (error: unknown) => void;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    finished = resolve;
    failed = reject;
  });
  const instance = autocannon(
    {
      url: `http://127.0.0.1:${options.port}`,
      connections: options.connections,
      duration: options.durationSec,
      timeout: options.timeoutSec ?? 30,
      requests: [
        {
          setupRequest: (request) => {
            const spec = options.next();
            return { ...request, method: spec.method, path: spec.path, headers: spec.headers ?? {}, body: spec.body ?? '' };
          },
        },
      ],
    },
    (error: unknown, result: autocannon.Result) => (error ? failed(error) : finished(result)),
  );
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    else {
      non2xx++;
      firstBadStatus ??= statusCode;
    }
  });
  const result = await done;
  const toUs = nowUs();
  await options.afterwork?.();
  const cpuAfter = cpuMs(options.serverPid);
  const ioAfter = syscalls(options.serverPid);
  const dbAfter = dbCpu();
  const peakRssMb = rss.stop();
  latencies.sort((a, b) => a - b);
  const completed = latencies.length + non2xx;
  return {
    requests: latencies.length,
    rps: latencies.length / (result.duration || options.durationSec),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    non2xx,
    errors: result.errors + result.timeouts,
    cpuMsPerRequest: completed ? (cpuAfter - cpuBefore) / completed : 0,
    dbCpuMsPerRequest: completed ? (dbAfter - dbBefore) / completed : 0,
    peakRssMb,
    readsPerRequest: completed ? (ioAfter.reads - ioBefore.reads) / completed : 0,
    writesPerRequest: completed ? (ioAfter.writes - ioBefore.writes) / completed : 0,
    firstBadStatus,
    window: { fromUs, toUs },
  };
}
