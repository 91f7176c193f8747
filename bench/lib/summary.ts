import { LoadResult, median } from './load';
import { LoadSummary } from './report';

/** The medians of a scenario's rounds (peak memory: the highest; failures: all of them). */
export function summarize(rounds: LoadResult[]): LoadSummary {
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

/** One round on one line of the log. */
export function describe(result: LoadResult): string {
  const bad = result.non2xx ? `, ${result.non2xx} non-2xx (first ${result.firstBadStatus})` : '';
  return `${Math.round(result.rps).toLocaleString('en-US')} req/s, p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, CPU ${result.cpuMsPerRequest.toFixed(3)} ms/req (db ${result.dbCpuMsPerRequest.toFixed(3)}), peak RSS ${Math.round(result.peakRssMb)} MB, syscalls/req r ${result.readsPerRequest.toFixed(1)} w ${result.writesPerRequest.toFixed(1)}${bad}`;
}
