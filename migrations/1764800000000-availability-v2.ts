import { MigrationInterface, QueryRunner } from 'typeorm';

/** The expression of the generated column `services.own_time`, exactly as ServiceEntity declares it. */
export const OWN_TIME_EXPRESSION =
  "minimum_notice_minutes IS NOT NULL OR booking_horizon_days IS NOT NULL OR slot_interval_minutes IS NOT NULL OR date_overrides <> '{}'::jsonb";

/**
 * Availability v2 (issue 16 §6), per service: dates with windows of their own (`date_overrides`, `{}` by
 * default) and the service's own minimum notice, horizon and slot interval (null: the platform's).
 * `service_date_windows` holds each override as a row, its windows as minutes of the week like
 * `services.week_windows`, kept by triggers from `date_overrides` whatever writes the rows: what `availableOn`
 * reads in PostgreSQL (`BookableTime.freeOnDaySql`), a day's overridden services from `(date, service_id)`.
 * `services.own_time` says whether a row has either at all: the rows without (nearly all) keep the platform's
 * shortcuts at the cost of one column read.
 */
export class AvailabilityV21764800000000 implements MigrationInterface {
  name = 'AvailabilityV21764800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE services
        ADD COLUMN date_overrides jsonb NOT NULL DEFAULT '{}',
        ADD COLUMN minimum_notice_minutes integer,
        ADD COLUMN booking_horizon_days integer,
        ADD COLUMN slot_interval_minutes integer`);
    await queryRunner.query(`ALTER TABLE services ADD COLUMN own_time boolean GENERATED ALWAYS AS (${OWN_TIME_EXPRESSION}) STORED`);
    await queryRunner.query(
      `INSERT INTO typeorm_metadata ("type", "database", "schema", "table", "name", "value")
       VALUES ('GENERATED_COLUMN', current_database(), current_schema(), 'services', 'own_time', $1)`,
      [OWN_TIME_EXPRESSION],
    );
    // "HH:MM-HH:MM" windows (validated by weekly-availability.ts before they are stored) of local date `day`, as minutes of its week.
    await queryRunner.query(`
      CREATE FUNCTION service_date_windows(day date, windows jsonb) RETURNS int4range[]
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT COALESCE(array_agg(int4range(
                 o.minute + substr(w, 1, 2)::int * 60 + substr(w, 4, 2)::int,
                 o.minute + substr(w, 7, 2)::int * 60 + substr(w, 10, 2)::int) ORDER BY w), '{}')
          FROM (SELECT (extract(isodow FROM day)::int - 1) * 1440 AS minute) AS o,
               jsonb_array_elements_text(CASE WHEN jsonb_typeof(windows) = 'array' THEN windows ELSE '[]' END) AS w
      $$`);
    await queryRunner.query(`
      CREATE TABLE service_date_windows (
        service_id uuid NOT NULL REFERENCES services (id) ON DELETE CASCADE,
        date date NOT NULL,
        windows int4range[] NOT NULL,
        PRIMARY KEY (service_id, date)
      )`);
    await queryRunner.query(`CREATE INDEX service_date_windows_date_idx ON service_date_windows (date, service_id)`);
    // Inserts once per statement (a bulk load of services pays one pass); updates only when the overrides change.
    await queryRunner.query(`
      CREATE FUNCTION services_date_windows_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO service_date_windows (service_id, date, windows)
        SELECT n.id, o.key::date, service_date_windows(o.key::date, o.value)
          FROM new_services n CROSS JOIN LATERAL jsonb_each(n.date_overrides) AS o
         WHERE n.date_overrides <> '{}';
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER services_date_windows_inserted AFTER INSERT ON services REFERENCING NEW TABLE AS new_services
      FOR EACH STATEMENT EXECUTE FUNCTION services_date_windows_inserted()`);
    await queryRunner.query(`
      CREATE FUNCTION services_date_windows_updated() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM service_date_windows WHERE service_id = NEW.id;
        INSERT INTO service_date_windows (service_id, date, windows)
        SELECT NEW.id, o.key::date, service_date_windows(o.key::date, o.value) FROM jsonb_each(NEW.date_overrides) AS o;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER services_date_windows_updated AFTER UPDATE OF date_overrides ON services
      FOR EACH ROW WHEN (OLD.date_overrides IS DISTINCT FROM NEW.date_overrides) EXECUTE FUNCTION services_date_windows_updated()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER services_date_windows_updated ON services`);
    await queryRunner.query(`DROP FUNCTION services_date_windows_updated()`);
    await queryRunner.query(`DROP TRIGGER services_date_windows_inserted ON services`);
    await queryRunner.query(`DROP FUNCTION services_date_windows_inserted()`);
    await queryRunner.query(`DROP TABLE service_date_windows`);
    await queryRunner.query(`DROP FUNCTION service_date_windows(date, jsonb)`);
    await queryRunner.query(`DELETE FROM typeorm_metadata WHERE "type" = 'GENERATED_COLUMN' AND "table" = 'services' AND "name" = 'own_time'`);
    await queryRunner.query(
      `ALTER TABLE services DROP COLUMN own_time, DROP COLUMN slot_interval_minutes, DROP COLUMN booking_horizon_days, DROP COLUMN minimum_notice_minutes, DROP COLUMN date_overrides`,
    );
  }
}
