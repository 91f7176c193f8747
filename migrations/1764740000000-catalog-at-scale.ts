import { MigrationInterface, QueryRunner } from 'typeorm';

/** The expressions of the generated columns below, exactly as ServiceEntity declares them (see 1764500000000). */
export const WEEK_WINDOWS_EXPRESSION = 'service_week_windows(availability)';
export const OPEN_DAYS_EXPRESSION = 'service_open_days(availability, duration_minutes)';

const LISTED = `WHERE status = 'ACTIVE' AND deleted_at IS NULL AND NOT provider_deleted`;

/**
 * The catalog at 100,000 services (issue 17):
 * - `services.provider_deleted`, kept by triggers whatever writes the rows: the public catalog leaves out a
 *   deleted (or suspended) provider's services by a column of the row itself, so its partial indexes hold exactly the listed
 *   services and a public total is a count of one index (no per-deleted-provider re-scan).
 * - `services.week_windows`: the weekly windows as rows of minutes of the week (`int4range`, Monday 00:00 = 0),
 *   and `services.open_days`, a bit per weekday whose windows hold at least one booking on a day without a clock
 *   change: what `availableOn` answers in PostgreSQL (the rule is `BookableTime.freeOnDaySql`).
 * - `service_time_zones`: every zone a service uses (the rule computes each zone's clock for the day asked).
 */
export class CatalogAtScale1764740000000 implements MigrationInterface {
  name = 'CatalogAtScale1764740000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // "HH:MM-HH:MM" windows (validated by weekly-availability.ts before they are stored) as minutes of the
    // week; back-to-back windows stay separate (a slot never spans two), so an array, not a multirange.
    await queryRunner.query(`
      CREATE FUNCTION service_week_windows(availability jsonb) RETURNS int4range[]
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT COALESCE(array_agg(int4range(
                 (d.day::int - 1) * 1440 + substr(w, 1, 2)::int * 60 + substr(w, 4, 2)::int,
                 (d.day::int - 1) * 1440 + substr(w, 7, 2)::int * 60 + substr(w, 10, 2)::int)
                 ORDER BY d.day, w), '{}')
          FROM unnest(ARRAY['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday']) WITH ORDINALITY AS d(name, day),
               jsonb_array_elements_text(CASE WHEN jsonb_typeof(availability -> d.name) = 'array' THEN availability -> d.name ELSE '[]' END) AS w
      $$`);
    // Its own pass over the JSON (a call of the function above per row would cost five times as much).
    await queryRunner.query(`
      CREATE FUNCTION service_open_days(availability jsonb, duration_minutes int) RETURNS smallint
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT COALESCE(bit_or(1 << (d.day::int - 1)), 0)::smallint
          FROM unnest(ARRAY['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday']) WITH ORDINALITY AS d(name, day),
               jsonb_array_elements_text(CASE WHEN jsonb_typeof(availability -> d.name) = 'array' THEN availability -> d.name ELSE '[]' END) AS w
         WHERE (substr(w, 7, 2)::int * 60 + substr(w, 10, 2)::int) - (substr(w, 1, 2)::int * 60 + substr(w, 4, 2)::int) >= duration_minutes
      $$`);
    await queryRunner.query(`
      ALTER TABLE services
        ADD COLUMN provider_deleted boolean NOT NULL DEFAULT false,
        ADD COLUMN week_windows int4range[] GENERATED ALWAYS AS (${WEEK_WINDOWS_EXPRESSION}) STORED,
        ADD COLUMN open_days smallint GENERATED ALWAYS AS (${OPEN_DAYS_EXPRESSION}) STORED`);
    await queryRunner.query(
      `INSERT INTO typeorm_metadata ("type", "database", "schema", "table", "name", "value")
       VALUES ('GENERATED_COLUMN', current_database(), current_schema(), 'services', 'week_windows', $1),
              ('GENERATED_COLUMN', current_database(), current_schema(), 'services', 'open_days', $2)`,
      [WEEK_WINDOWS_EXPRESSION, OPEN_DAYS_EXPRESSION],
    );
    await queryRunner.query(
      `UPDATE services s SET provider_deleted = true FROM users u WHERE u.id = s.provider_id AND (u.deleted_at IS NOT NULL OR u.status <> 'ACTIVE')`,
    );
    await queryRunner.query(`CREATE TABLE service_time_zones (timezone varchar(64) PRIMARY KEY)`);
    await queryRunner.query(`INSERT INTO service_time_zones SELECT DISTINCT timezone FROM services`);

    // Kept by the database for every write path (the app, seeds, bulk loads), once per statement: a bulk
    // insert of 100,000 services pays one join, not 100,000 look-ups.
    await queryRunner.query(`
      CREATE FUNCTION services_provider_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE services s SET provider_deleted = true
          FROM new_services n JOIN users u ON u.id = n.provider_id AND (u.deleted_at IS NOT NULL OR u.status <> 'ACTIVE')
         WHERE s.id = n.id AND NOT s.provider_deleted;
        INSERT INTO service_time_zones (timezone) SELECT DISTINCT n.timezone FROM new_services n ON CONFLICT DO NOTHING;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER services_inserted AFTER INSERT ON services REFERENCING NEW TABLE AS new_services
      FOR EACH STATEMENT EXECUTE FUNCTION services_provider_deleted()`);
    await queryRunner.query(`
      CREATE FUNCTION services_time_zone() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO service_time_zones (timezone) SELECT DISTINCT n.timezone FROM new_services n ON CONFLICT DO NOTHING;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER services_updated AFTER UPDATE ON services REFERENCING NEW TABLE AS new_services
      FOR EACH STATEMENT EXECUTE FUNCTION services_time_zone()`);
    await queryRunner.query(`
      CREATE FUNCTION users_services_provider_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE services SET provider_deleted = (NEW.deleted_at IS NOT NULL OR NEW.status <> 'ACTIVE') WHERE provider_id = NEW.id;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER users_services_provider_deleted AFTER UPDATE OF deleted_at, status ON users
      FOR EACH ROW WHEN (OLD.deleted_at IS DISTINCT FROM NEW.deleted_at OR OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION users_services_provider_deleted()`);

    // The listed services' indexes, now exactly the publicly listed rows.
    for (const name of ['created', 'category_created', 'price', 'category_price', 'title']) {
      await queryRunner.query(`DROP INDEX services_listed_${name}_idx`);
    }
    await queryRunner.query(`CREATE INDEX services_listed_created_idx ON services (created_at DESC, id DESC) ${LISTED}`);
    await queryRunner.query(`CREATE INDEX services_listed_category_created_idx ON services (category, created_at DESC, id DESC) ${LISTED}`);
    await queryRunner.query(`CREATE INDEX services_listed_price_idx ON services (price, id) ${LISTED}`);
    await queryRunner.query(`CREATE INDEX services_listed_category_price_idx ON services (category, price, id) ${LISTED}`);
    await queryRunner.query(`CREATE INDEX services_listed_title_idx ON services (title, id) ${LISTED}`);
    await queryRunner.query(`CREATE INDEX services_listed_category_title_idx ON services (category, title, id) ${LISTED}`);
    // A search starts from its matches among the listed services.
    await queryRunner.query(`CREATE INDEX services_listed_search_idx ON services USING gin (search) ${LISTED}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const listed = `WHERE status = 'ACTIVE' AND deleted_at IS NULL`;
    for (const name of ['created', 'category_created', 'price', 'category_price', 'title', 'category_title', 'search']) {
      await queryRunner.query(`DROP INDEX services_listed_${name}_idx`);
    }
    await queryRunner.query(`CREATE INDEX services_listed_created_idx ON services (created_at DESC, id DESC) ${listed}`);
    await queryRunner.query(`CREATE INDEX services_listed_category_created_idx ON services (category, created_at DESC, id DESC) ${listed}`);
    await queryRunner.query(`CREATE INDEX services_listed_price_idx ON services (price, id) ${listed}`);
    await queryRunner.query(`CREATE INDEX services_listed_category_price_idx ON services (category, price, id) ${listed}`);
    await queryRunner.query(`CREATE INDEX services_listed_title_idx ON services (title, id) ${listed}`);
    await queryRunner.query(`DROP TRIGGER users_services_provider_deleted ON users`);
    await queryRunner.query(`DROP FUNCTION users_services_provider_deleted()`);
    await queryRunner.query(`DROP TRIGGER services_updated ON services`);
    await queryRunner.query(`DROP FUNCTION services_time_zone()`);
    await queryRunner.query(`DROP TRIGGER services_inserted ON services`);
    await queryRunner.query(`DROP FUNCTION services_provider_deleted()`);
    await queryRunner.query(`DROP TABLE service_time_zones`);
    await queryRunner.query(
      `DELETE FROM typeorm_metadata WHERE "type" = 'GENERATED_COLUMN' AND "table" = 'services' AND "name" IN ('week_windows', 'open_days')`,
    );
    await queryRunner.query(`ALTER TABLE services DROP COLUMN open_days, DROP COLUMN week_windows, DROP COLUMN provider_deleted`);
    await queryRunner.query(`DROP FUNCTION service_open_days(jsonb, int)`);
    await queryRunner.query(`DROP FUNCTION service_week_windows(jsonb)`);
  }
}
