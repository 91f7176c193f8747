import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Slot holds and buffers. A provider's time is claimed in one table, `provider_time`, whose exclusion
 * constraint refuses any overlap: one row per booking that holds time (PENDING or CONFIRMED), kept by a
 * trigger on `bookings` so every write path (the API, the bench's floor, a direct INSERT) claims and frees
 * its time, and one row per slot hold, kept by a trigger on `booking_holds`. A claim covers the booking's time
 * widened by its service's buffers, copied when the booking or hold is made: [start - before, end + after).
 */
export class SlotHoldsAndBuffers1764770000000 implements MigrationInterface {
  name = 'SlotHoldsAndBuffers1764770000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE services
        ADD COLUMN buffer_before_minutes int NOT NULL DEFAULT 0 CONSTRAINT services_buffer_before_range CHECK (buffer_before_minutes BETWEEN 0 AND 1440),
        ADD COLUMN buffer_after_minutes int NOT NULL DEFAULT 0 CONSTRAINT services_buffer_after_range CHECK (buffer_after_minutes BETWEEN 0 AND 1440)`);
    await queryRunner.query(`
      CREATE TABLE booking_holds (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        customer_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        service_id uuid NOT NULL REFERENCES services (id) ON DELETE CASCADE,
        provider_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        scheduled_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT booking_holds_time_check CHECK (ends_at > scheduled_at)
      )`);
    await queryRunner.query(`CREATE INDEX booking_holds_customer_idx ON booking_holds (customer_id, expires_at)`);
    await queryRunner.query(`CREATE INDEX booking_holds_provider_idx ON booking_holds (provider_id, expires_at)`);
    await queryRunner.query(`
      CREATE TABLE provider_time (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        provider_id uuid NOT NULL,
        booking_id uuid UNIQUE REFERENCES bookings (id) ON DELETE CASCADE,
        hold_id uuid UNIQUE REFERENCES booking_holds (id) ON DELETE CASCADE,
        buffer_before_minutes int NOT NULL DEFAULT 0,
        buffer_after_minutes int NOT NULL DEFAULT 0,
        during tstzrange NOT NULL,
        -- A hold's claim lapses then (readers ignore it; the job engine, or the next write under the provider's lock, deletes it).
        expires_at timestamptz,
        CONSTRAINT provider_time_owner_check CHECK (num_nonnulls(booking_id, hold_id) = 1),
        CONSTRAINT provider_time_no_overlap EXCLUDE USING gist (provider_id WITH =, during WITH &&)
      )`);
    // For the catalog's "which providers are busy that day" (a range without a provider).
    await queryRunner.query(`CREATE INDEX provider_time_during_idx ON provider_time USING gist (during)`);

    await queryRunner.query(`
      CREATE FUNCTION provider_time_of_booking() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        holding boolean := NEW.status IN ('PENDING', 'CONFIRMED');
        was_holding boolean := TG_OP = 'UPDATE' AND OLD.status IN ('PENDING', 'CONFIRMED');
      BEGIN
        IF was_holding AND NOT holding THEN
          DELETE FROM provider_time WHERE booking_id = NEW.id;
        ELSIF was_holding THEN
          -- A move keeps the buffers copied when the booking was made.
          UPDATE provider_time
             SET provider_id = NEW.provider_id,
                 during = tstzrange(NEW.scheduled_at - make_interval(mins => buffer_before_minutes),
                                    NEW.ends_at + make_interval(mins => buffer_after_minutes), '[)')
           WHERE booking_id = NEW.id
             AND (NEW.scheduled_at, NEW.ends_at, NEW.provider_id) IS DISTINCT FROM (OLD.scheduled_at, OLD.ends_at, OLD.provider_id);
        ELSIF holding THEN
          INSERT INTO provider_time (provider_id, booking_id, buffer_before_minutes, buffer_after_minutes, during)
          SELECT NEW.provider_id, NEW.id, s.buffer_before_minutes, s.buffer_after_minutes,
                 tstzrange(NEW.scheduled_at - make_interval(mins => s.buffer_before_minutes),
                           NEW.ends_at + make_interval(mins => s.buffer_after_minutes), '[)')
            FROM services s WHERE s.id = NEW.service_id;
        END IF;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER bookings_provider_time AFTER INSERT OR UPDATE OF status, scheduled_at, ends_at, provider_id ON bookings
        FOR EACH ROW EXECUTE FUNCTION provider_time_of_booking()`);
    await queryRunner.query(`
      CREATE FUNCTION provider_time_of_hold() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO provider_time (provider_id, hold_id, buffer_before_minutes, buffer_after_minutes, during, expires_at)
        SELECT NEW.provider_id, NEW.id, s.buffer_before_minutes, s.buffer_after_minutes,
               tstzrange(NEW.scheduled_at - make_interval(mins => s.buffer_before_minutes),
                         NEW.ends_at + make_interval(mins => s.buffer_after_minutes), '[)'),
               NEW.expires_at
          FROM services s WHERE s.id = NEW.service_id;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER booking_holds_provider_time AFTER INSERT ON booking_holds
        FOR EACH ROW EXECUTE FUNCTION provider_time_of_hold()`);
    // The provider's schedule lock (the key the app has always used), then the provider's expired holds cleared:
    // one round trip, and the DELETE runs after the lock is held (its own snapshot, inside the function).
    await queryRunner.query(`
      CREATE FUNCTION lock_provider_schedule(provider uuid) RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_advisory_xact_lock(hashtextextended('provider-schedule:' || provider::text, 0));
        DELETE FROM booking_holds WHERE provider_id = provider AND expires_at <= clock_timestamp();
      END $$`);
    // The bookings that hold time today claim it (no buffers yet: every service's are 0).
    await queryRunner.query(`
      INSERT INTO provider_time (provider_id, booking_id, during)
      SELECT provider_id, id, tstzrange(scheduled_at, ends_at, '[)') FROM bookings WHERE status IN ('PENDING', 'CONFIRMED')`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER bookings_provider_time ON bookings`);
    await queryRunner.query(`DROP TABLE provider_time`);
    await queryRunner.query(`DROP TABLE booking_holds`);
    await queryRunner.query(`DROP FUNCTION lock_provider_schedule(uuid)`);
    await queryRunner.query(`DROP FUNCTION provider_time_of_hold()`);
    await queryRunner.query(`DROP FUNCTION provider_time_of_booking()`);
    await queryRunner.query(`ALTER TABLE services DROP COLUMN buffer_before_minutes, DROP COLUMN buffer_after_minutes`);
  }
}
