import { MigrationInterface, QueryRunner } from 'typeorm';

export class BookingHistoryAndInvites1764760000000 implements MigrationInterface {
  name = 'BookingHistoryAndInvites1764760000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // One row per change of a booking, written in the transaction of the change. The identity orders a
    // booking's rows: its changes are serialized by the booking's row lock, so id order is change order.
    // actor_id and actor_role are both NULL for a change the system made (reconciler, timers).
    await queryRunner.query(`
      CREATE TABLE booking_history (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        booking_id uuid NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
        at timestamptz NOT NULL DEFAULT clock_timestamp(),
        action varchar(32) NOT NULL,
        from_status varchar(16),
        to_status varchar(16),
        actor_id uuid,
        actor_role varchar(16),
        reason varchar(500),
        request_id varchar(128),
        details jsonb,
        CONSTRAINT booking_history_actor_check CHECK ((actor_id IS NULL) = (actor_role IS NULL))
      )`);
    await queryRunner.query(`CREATE INDEX booking_history_booking_idx ON booking_history (booking_id, id)`);
    // History is never empty: a booking made before it was kept gets its 'created' row, with the status it has now.
    await queryRunner.query(`
      INSERT INTO booking_history (booking_id, at, action, from_status, to_status, actor_id, actor_role, reason)
      SELECT id, created_at, 'created', NULL, status, customer_id, 'CUSTOMER', 'Booked before the history was kept; the status it had then'
        FROM bookings ORDER BY created_at, id`);
    // The iCalendar SEQUENCE of the booking's event, raised by each reschedule and by the cancellation.
    await queryRunner.query(`ALTER TABLE bookings ADD COLUMN calendar_sequence integer NOT NULL DEFAULT 0`);
    // The calendar invite an e-mail carries, rendered when the e-mail is queued: every attempt sends the same bytes.
    await queryRunner.query(`ALTER TABLE email_outbox ADD COLUMN calendar jsonb`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE email_outbox DROP COLUMN calendar`);
    await queryRunner.query(`ALTER TABLE bookings DROP COLUMN calendar_sequence`);
    await queryRunner.query(`DROP TABLE booking_history`);
  }
}
