import { MigrationInterface, QueryRunner } from 'typeorm';

export class Bookings1764200000000 implements MigrationInterface {
  name = 'Bookings1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Trusted extension (PostgreSQL 13+): the database owner may create it.
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS btree_gist`);
    await queryRunner.query(`
      CREATE TABLE bookings (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        customer_id uuid NOT NULL REFERENCES users (id),
        service_id uuid NOT NULL REFERENCES services (id),
        provider_id uuid NOT NULL REFERENCES users (id),
        status varchar(16) NOT NULL CHECK (status IN ('PENDING', 'CONFIRMED', 'COMPLETED', 'CANCELLED')),
        scheduled_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        duration_minutes int NOT NULL CHECK (duration_minutes > 0),
        total_amount numeric(10, 2) NOT NULL CHECK (total_amount >= 0),
        currency char(3) NOT NULL,
        notes text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (ends_at = scheduled_at + make_interval(mins => duration_minutes)),
        -- A provider's time is exclusive across all of their services, whatever the code path.
        CONSTRAINT bookings_provider_no_overlap EXCLUDE USING gist (
          provider_id WITH =,
          tstzrange(scheduled_at, ends_at, '[)') WITH &&
        ) WHERE (status IN ('PENDING', 'CONFIRMED'))
      )`);
    await queryRunner.query(`CREATE INDEX bookings_customer_idx ON bookings (customer_id, scheduled_at)`);
    await queryRunner.query(`CREATE INDEX bookings_provider_idx ON bookings (provider_id, scheduled_at)`);
    await queryRunner.query(`CREATE INDEX bookings_service_idx ON bookings (service_id, scheduled_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE bookings`);
  }
}
