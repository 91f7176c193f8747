/**
 * `npm run bench:histories`: the history growth section alone (a few minutes): one app, one database with a
 * user of 100 rows and one of 100,000 in each history, and two providers with 10 and 5,000 bookings. Options:
 * `--duration S` (per round, default 3), `--rounds N` (default 3), `--connections N` (default 4),
 * `--keep-database`. The whole bench (`npm run bench`) runs it too, after the catalog growth.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabaseServer } from './lib/database';
import { log, WORK } from './lib/paths';
import { BenchServers } from './lib/servers';
import { historyTable, runHistoryGrowth } from './scenarios/histories';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const option = (flag: string, fallback: number) => {
    const at = argv.indexOf(flag);
    return at >= 0 ? Number(argv[at + 1]) : fallback;
  };
  mkdirSync(WORK, { recursive: true });
  const mailDir = join(WORK, `mail-histories-${process.pid}`);
  const db = await openDatabaseServer(process.env.DATABASE_URL);
  const servers = new BenchServers(null, mailDir);
  try {
    const rows = await runHistoryGrowth({
      db,
      servers,
      connections: option('--connections', 4),
      durationSec: option('--duration', 3),
      rounds: option('--rounds', 3),
      keepDatabase: argv.includes('--keep-database'),
    });
    const table = historyTable(rows);
    writeFileSync(join(WORK, 'histories.md'), `${table}\n`);
    process.stdout.write(`${table}\n`);
  } finally {
    await servers.stopAll();
    rmSync(mailDir, { recursive: true, force: true });
    await db.stop();
  }
}

main().catch((error: unknown) => {
  log(String(error instanceof Error ? error.stack : error));
  process.exit(1);
});
