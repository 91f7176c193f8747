import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { DataSource } from 'typeorm';
import type { Query } from 'typeorm/driver/Query';
import { buildDataSourceOptions } from './data-source.options';

/** The names TypeORM gives what it generates itself (`IDX_<hash>`, `FK_<hash>`...). */
const TYPEORM_GENERATED_NAME = /^(PK|FK|IDX|UQ|CHK|XCL|REL|DF)_[0-9a-f]+$/;

/**
 * The entities describe tables and columns. The integrity rules (foreign keys, checks, the exclusion
 * constraint, partial and unique indexes) and the column defaults are written by hand in the migrations,
 * where PostgreSQL enforces them, and no entity repeats them. TypeORM's diff would drop every one of them;
 * these are the objects it leaves alone: neither declared by an entity nor named the way TypeORM names
 * what it generates. A constraint or index declared on an entity is diffed as usual.
 */
export class HandWrittenSchema {
  private readonly declaredNames = new Set<string>();
  private readonly declaredDefaults = new Set<string>();

  constructor(dataSource: DataSource) {
    for (const entity of dataSource.entityMetadatas) {
      const named = [...entity.indices, ...entity.foreignKeys, ...entity.uniques, ...entity.checks, ...entity.exclusions];
      for (const { name } of named) if (name) this.declaredNames.add(name);
      for (const column of entity.columns) if (column.default !== undefined) this.declaredDefaults.add(`${entity.tableName}.${column.databaseName}`);
    }
  }

  /** True for a query of the diff that only drops (or, reverting, re-creates) a hand-written object. */
  owns(sql: string): boolean {
    const query = sql.trim();
    const constraint = /^ALTER TABLE "[^"]+" (?:DROP|ADD) CONSTRAINT "([^"]+)"/.exec(query);
    if (constraint) return this.handWritten(constraint[1]);
    const index = /^DROP INDEX "[^"]+"\."([^"]+)"/.exec(query) ?? /^CREATE (?:UNIQUE )?INDEX "([^"]+)"/.exec(query);
    if (index) return this.handWritten(index[1]);
    const columnDefault = /^ALTER TABLE "([^"]+)" ALTER COLUMN "([^"]+)" (?:DROP|SET) DEFAULT/.exec(query);
    if (columnDefault) return !this.declaredDefaults.has(`${columnDefault[1]}.${columnDefault[2]}`);
    return false;
  }

  private handWritten(name: string): boolean {
    return !this.declaredNames.has(name) && !TYPEORM_GENERATED_NAME.test(name);
  }
}

const toKebab = (name: string) =>
  name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/[\s_]+/g, '-')
    .toLowerCase();
const toPascal = (name: string) => name.replace(/(^|[-_\s]+)([a-zA-Z0-9])/g, (_match, _sep: string, letter: string) => letter.toUpperCase());

function renderQuery({ query, parameters }: Query): string {
  const text = query.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${');
  return `    await queryRunner.query(\`${text}\`${parameters?.length ? `, ${JSON.stringify(parameters)}` : ''});`;
}

/** A migration class in this repository's style: `<Name><timestamp>`, `up`, and `down` undoing `up` in reverse. */
export function renderMigration(className: string, up: Query[], down: Query[]): string {
  return [
    `import { MigrationInterface, QueryRunner } from 'typeorm';`,
    ``,
    `export class ${className} implements MigrationInterface {`,
    `  name = '${className}';`,
    ``,
    `  async up(queryRunner: QueryRunner): Promise<void> {`,
    ...up.map(renderQuery),
    `  }`,
    ``,
    `  async down(queryRunner: QueryRunner): Promise<void> {`,
    ...[...down].reverse().map(renderQuery),
    `  }`,
    `}`,
    ``,
  ].join('\n');
}

/**
 * `npm run migration:generate -- migrations/Name`: compares the entities with the database at `url` (migrated
 * up to date first: the diff would otherwise repeat the pending migrations) and writes what differs as
 * `migrations/<timestamp>-name.ts`. Returns the file written, or null when nothing differs.
 */
export async function generateMigration(url: string, path: string, timestamp = Date.now()): Promise<string | null> {
  const dataSource = await new DataSource(buildDataSourceOptions(url)).initialize();
  try {
    if (await dataSource.showMigrations()) {
      throw new Error('The database has migrations not applied yet: run `npm run migration:run` first, then generate.');
    }
    const handWritten = new HandWrittenSchema(dataSource);
    const { upQueries, downQueries } = await dataSource.driver.createSchemaBuilder().log();
    const up = upQueries.filter(({ query }) => !handWritten.owns(query));
    const down = downQueries.filter(({ query }) => !handWritten.owns(query));
    if (!up.length) return null;

    const name = basename(path).replace(/\.ts$/, '');
    const file = resolve(dirname(path), `${timestamp}-${toKebab(name)}.ts`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, renderMigration(`${toPascal(name)}${timestamp}`, up, down), { flag: 'wx' });
    return join(dirname(path), basename(file));
  } finally {
    await dataSource.destroy();
  }
}
