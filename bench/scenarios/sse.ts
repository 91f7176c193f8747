import { log } from '../lib/paths';
import { BenchResults } from '../lib/report';
import { runSse } from '../lib/sse';
import { ScenarioContext } from './context';

/** Scenario 6: many open notification streams on a fresh app, each receiving its pushes (needs Redis). */
export async function runSseScenario({ args, url, dataset, servers }: ScenarioContext): Promise<Pick<BenchResults, 'sse' | 'sseSkipped'>> {
  if (!servers.redisUrl) return { sseSkipped: 'no Redis answered' };
  log(`  scenario 6: ${args.sseConnections} notification streams`);
  const app = await servers.startApp(url, 'sse');
  const sse = await runSse({
    appPid: app.pid,
    port: app.port,
    databaseUrl: url,
    redisUrl: servers.redisUrl,
    users: dataset.users,
    connections: args.sseConnections,
    log,
  });
  log(
    `    ${sse.delivered}/${sse.expected} delivered in ${sse.allDeliveredMs.toFixed(0)} ms; ${sse.perConnectionKb.toFixed(1)} KB per stream (RSS ${sse.rssBeforeMb.toFixed(0)} -> ${sse.rssAfterMb.toFixed(0)} MB)`,
  );
  await servers.stop(app);
  return { sse };
}
