import { MigrationInterface, QueryRunner } from 'typeorm';

export class Catalog1764100000000 implements MigrationInterface {
  name = 'Catalog1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE services (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        provider_id uuid NOT NULL REFERENCES users (id),
        title varchar(120) NOT NULL,
        description text NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
        category varchar(64) NOT NULL,
        price numeric(8, 2) NOT NULL CHECK (price > 0),
        currency char(3) NOT NULL,
        duration_minutes int NOT NULL CHECK (duration_minutes BETWEEN 5 AND 1440),
        availability jsonb NOT NULL,
        images jsonb NOT NULL DEFAULT '[]',
        timezone varchar(64) NOT NULL DEFAULT 'UTC',
        status varchar(16) NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'INACTIVE', 'SUSPENDED')),
        search tsvector GENERATED ALWAYS AS (
          setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', description), 'B')
        ) STORED,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      )`);
    // The public catalog lists ACTIVE, not deleted services: partial indexes for each order it is read in.
    const listed = `WHERE status = 'ACTIVE' AND deleted_at IS NULL`;
    await queryRunner.query(`CREATE INDEX services_listed_created_idx ON services (created_at DESC, id DESC) ${listed}`);
    await queryRunner.query(`CREATE INDEX services_listed_category_created_idx ON services (category, created_at DESC, id DESC) ${listed}`);
    await queryRunner.query(`CREATE INDEX services_listed_price_idx ON services (price, id) ${listed}`);
    await queryRunner.query(`CREATE INDEX services_listed_category_price_idx ON services (category, price, id) ${listed}`);
    await queryRunner.query(`CREATE INDEX services_listed_title_idx ON services (title, id) ${listed}`);
    await queryRunner.query(`CREATE INDEX services_search_idx ON services USING gin (search)`);
    await queryRunner.query(`CREATE INDEX services_provider_idx ON services (provider_id, created_at DESC)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE services`);
  }
}
