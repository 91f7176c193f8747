import { MigrationInterface, QueryRunner } from 'typeorm';

/** The expression of `services.search` (1764100000000-catalog), exactly as ServiceEntity declares it. */
const SEARCH_EXPRESSION = `setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', description), 'B')`;

/**
 * TypeORM keeps the expression of each generated column in `typeorm_metadata` (PostgreSQL reformats the
 * one it stores) and reads it whenever it compares the entities with a database, as
 * `npm run migration:generate` does: without this table that command failed on any migrated database.
 */
export class GeneratedColumnMetadata1764500000000 implements MigrationInterface {
  name = 'GeneratedColumnMetadata1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // TypeORM's own definition of the table (RdbmsSchemaBuilder.createTypeormMetadataTable); TypeORM may
    // have created it already, before running the migrations.
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS typeorm_metadata (
        "type" varchar NOT NULL,
        "database" varchar,
        "schema" varchar,
        "table" varchar,
        "name" varchar,
        "value" text
      )`);
    await queryRunner.query(
      `INSERT INTO typeorm_metadata ("type", "database", "schema", "table", "name", "value")
       VALUES ('GENERATED_COLUMN', current_database(), current_schema(), 'services', 'search', $1)`,
      [SEARCH_EXPRESSION],
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // The table stays: TypeORM itself creates it before running or reverting migrations from now on.
    await queryRunner.query(`DELETE FROM typeorm_metadata WHERE "type" = 'GENERATED_COLUMN' AND "table" = 'services' AND "name" = 'search'`);
  }
}
