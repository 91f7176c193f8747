import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { MIGRATIONS } from '../../../migrations';
import { generateMigration } from '../../../src/database/migration-generator';
import { revertLastMigration, runMigrations } from '../../../src/database/migrate';

/**
 * The README's migration workflow, with the npm scripts' own commands (read from package.json, run on the
 * build), on a database of this suite's own: generate finds nothing to write on a migrated database and
 * writes what the entities add; revert walks back one migration at a time and then says nothing is left.
 */
const ROOT = resolve(__dirname, '../../..');
const run = promisify(execFile);
const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

/** `npm run <script> -- args` without its pre-script (the build runs once, in beforeAll). */
async function npmScript(script: string, args: string[], databaseUrl: string): Promise<string> {
  const [command, ...scriptArgs] = scripts[script].split(' ');
  expect(command).toBe('node');
  const { stdout } = await run(process.execPath, [...scriptArgs, ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl, NODE_ENV: 'development', JWT_SECRET_KEY: 'x', SECRET_KEY: 'x' },
  });
  return stdout.trim();
}

describe('migrations: npm run migration:generate and migration:revert', () => {
  let url: string;
  let serverUrl: string;
  let name: string;
  let out: string;

  const sql = async (text: string, on = url) => {
    const client = new Client({ connectionString: on });
    await client.connect();
    try {
      await client.query(text);
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    await run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT });
    const server = new URL(process.env.E2E_DATABASE_URL as string);
    name = `${server.pathname.slice(1)}_migrations_${process.pid}`;
    server.pathname = '/postgres';
    serverUrl = server.toString();
    await sql(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`, serverUrl);
    await sql(`CREATE DATABASE "${name}"`, serverUrl);
    server.pathname = `/${name}`;
    url = server.toString();
    await runMigrations(url);
    out = mkdtempSync(join(tmpdir(), 'marketplace-migrations-'));
  }, 120_000);

  afterAll(async () => {
    rmSync(out, { recursive: true, force: true });
    await sql(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`, serverUrl);
  });

  it('generate on a migrated database writes no migration when nothing changed', async () => {
    const stdout = await npmScript('migration:generate', [join(out, 'migrations', 'Nothing')], url);
    expect(stdout).toBe('No changes: the entities match the database, no migration written.');
    expect(readdirSync(out)).toEqual([]);
  }, 60_000);

  it('generate writes what an entity has and the database lacks, and the way back', async () => {
    await sql('ALTER TABLE services DROP COLUMN timezone');
    try {
      const dir = mkdtempSync(join(tmpdir(), 'marketplace-migration-'));
      const file = await generateMigration(url, join(dir, 'AddServiceTimezone'), 1799999999999);
      const generated = readFileSync(file as string, 'utf8');
      rmSync(dir, { recursive: true, force: true });
      expect(file).toBe(join(dir, '1799999999999-add-service-timezone.ts'));
      const text = generated;
      expect(text).toContain('export class AddServiceTimezone1799999999999 implements MigrationInterface');
      expect(text).toContain('await queryRunner.query(`ALTER TABLE "services" ADD "timezone" character varying(64) NOT NULL`);');
      expect(text).toContain('await queryRunner.query(`ALTER TABLE "services" DROP COLUMN "timezone"`);');
      // Only that: the hand-written constraints, indexes and defaults are not dropped.
      expect(text.match(/queryRunner\.query/g)).toHaveLength(2);
    } finally {
      await sql(`ALTER TABLE services ADD COLUMN timezone varchar(64) NOT NULL DEFAULT 'UTC'`);
    }
  }, 60_000);

  it('revert undoes the migrations one by one, newest first, then says there is nothing left', async () => {
    const newestFirst = [...MIGRATIONS].reverse().map((migration) => migration.name);
    expect(await npmScript('migration:revert', [], url)).toBe(`Reverted ${newestFirst[0]}.`);
    const reverted: Array<string | null> = [];
    for (let step = 1; step <= MIGRATIONS.length; step++) reverted.push(await revertLastMigration(url));
    expect(reverted).toEqual([...newestFirst.slice(1), null]);
    expect(await npmScript('migration:revert', [], url)).toBe('Nothing to revert: no migration is applied.');
    expect(await npmScript('migration:revert', [], url)).toBe('Nothing to revert: no migration is applied.');
  }, 120_000);

  it('generate refuses a database with migrations not applied, then works once they are', async () => {
    await expect(npmScript('migration:generate', [join(out, 'Early')], url)).rejects.toThrow(/run `npm run migration:run` first/);
    expect(await npmScript('migration:run', [], url)).toMatch(/^Applied: Foundation/);
    expect(await npmScript('migration:generate', [join(out, 'Again')], url)).toBe('No changes: the entities match the database, no migration written.');
    expect(readdirSync(out)).toEqual([]);
  }, 120_000);
});
