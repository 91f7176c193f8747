import { MigrationInterface, QueryRunner } from 'typeorm';

export class HistoryPaging1764750000000 implements MigrationInterface {
  name = 'HistoryPaging1764750000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Each list's index follows its keyset order to the unique tiebreaker (the id), so a page after a cursor
    // (or at an offset) is read in order from the index, never sorted from all of a user's rows.
    await queryRunner.query(`DROP INDEX bookings_customer_idx`);
    await queryRunner.query(`CREATE INDEX bookings_customer_idx ON bookings (customer_id, scheduled_at, id)`);
    await queryRunner.query(`DROP INDEX bookings_provider_idx`);
    await queryRunner.query(`CREATE INDEX bookings_provider_idx ON bookings (provider_id, scheduled_at, id)`);
    await queryRunner.query(`CREATE INDEX bookings_scheduled_idx ON bookings (scheduled_at, id)`);
    // A booking lasts what its service does, at most a day (services' own CHECK): held here too, so a read of a
    // provider's busy time may start a day before its window rather than at the provider's first booking.
    await queryRunner.query(`ALTER TABLE bookings ADD CONSTRAINT bookings_duration_max CHECK (duration_minutes <= 1440)`);
    await queryRunner.query(`DROP INDEX payments_customer_idx`);
    await queryRunner.query(`CREATE INDEX payments_customer_idx ON payments (customer_id, created_at DESC, id DESC)`);
    await queryRunner.query(`DROP INDEX payments_provider_idx`);
    await queryRunner.query(`CREATE INDEX payments_provider_idx ON payments (provider_id, created_at DESC, id DESC)`);
    await queryRunner.query(`CREATE INDEX payments_created_idx ON payments (created_at DESC, id DESC)`);
    // How many of the user's notifications are unread, kept by the writes that insert and read them (in the
    // same statement), so the unread count and the unread list's total never count rows.
    await queryRunner.query(`ALTER TABLE notification_counters ADD COLUMN unread bigint NOT NULL DEFAULT 0`);
    await queryRunner.query(
      `UPDATE notification_counters c SET unread = (SELECT count(*) FROM notifications n WHERE n.user_id = c.user_id AND n.read_at IS NULL)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE notification_counters DROP COLUMN unread`);
    await queryRunner.query(`DROP INDEX payments_created_idx`);
    await queryRunner.query(`DROP INDEX payments_provider_idx`);
    await queryRunner.query(`CREATE INDEX payments_provider_idx ON payments (provider_id, created_at DESC)`);
    await queryRunner.query(`DROP INDEX payments_customer_idx`);
    await queryRunner.query(`CREATE INDEX payments_customer_idx ON payments (customer_id, created_at DESC)`);
    await queryRunner.query(`ALTER TABLE bookings DROP CONSTRAINT bookings_duration_max`);
    await queryRunner.query(`DROP INDEX bookings_scheduled_idx`);
    await queryRunner.query(`DROP INDEX bookings_provider_idx`);
    await queryRunner.query(`CREATE INDEX bookings_provider_idx ON bookings (provider_id, scheduled_at)`);
    await queryRunner.query(`DROP INDEX bookings_customer_idx`);
    await queryRunner.query(`CREATE INDEX bookings_customer_idx ON bookings (customer_id, scheduled_at)`);
  }
}
