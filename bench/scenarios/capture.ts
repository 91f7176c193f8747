import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RequestSpec } from '../lib/load';
import { log, WORK } from '../lib/paths';
import { normalizeSql, PgCaptureProxy } from '../lib/pg-capture';
import { BenchResults } from '../lib/report';
import { ScenarioContext, Target } from './context';

/**
 * pg-boss's fetch, which each worker of each queue runs on its polling timer (and once more after a job): how
 * many land in a request's window depends on the clock and on how many queues a server works, not on the
 * request, so it is left out of the comparison (the jobs' own work, and their completion, are kept).
 */
const JOB_POLL = /^WITH next as \(SELECT id, singleton_key, policy FROM \S+\.job WHERE name = \$1 AND state < 'active'/;
export const isJobPoll = (sql: string): boolean => JOB_POLL.test(sql);

/**
 * Runs the app and the floor once through a PostgreSQL wire-protocol proxy, a few sequential requests per
 * scenario, and records each request's statements: the floor must issue the same ones.
 */
export async function captureStatements({ args, db, url, dataset, servers }: ScenarioContext): Promise<BenchResults['capture']> {
  const proxy = new PgCaptureProxy(db.host, db.port);
  const proxyPort = await proxy.listen();
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxyPort);
  const capture: BenchResults['capture'] = { app: {}, floor: {}, same: {} };
  try {
    const app = await servers.startApp(proxied.toString(), 'capture');
    const floor = args.floor ? await servers.startFloor(proxied.toString(), 'capture') : null;
    const requests: Array<{ key: string; next: () => RequestSpec; targets: Target[] }> = [
      { key: 'list', next: dataset.listing(), targets: ['app', 'floor'] },
      { key: 'byId', next: dataset.serviceById(), targets: ['app', 'floor'] },
      { key: 'slots', next: dataset.slots(), targets: ['app'] },
      { key: 'booking', next: dataset.booking(), targets: ['app', 'floor'] },
      { key: 'login', next: dataset.login(), targets: ['app'] },
    ];
    for (const { key, next, targets: all } of requests) {
      if (key === 'login' && !args.scenarios.has('login')) continue;
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
          const statements = proxy.statements
            .slice(mark)
            .map((s) => normalizeSql(s.sql))
            .filter((sql) => !isJobPoll(sql));
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
    await servers.stopAll();
    await proxy.close();
  }
  return capture;
}
