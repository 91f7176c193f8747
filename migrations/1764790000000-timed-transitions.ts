import { MigrationInterface, QueryRunner } from 'typeorm';

/** The notification types the `notifications.type` CHECK allows now (other migrations add theirs too). */
async function allowedTypes(queryRunner: QueryRunner): Promise<string[]> {
  const [row] = (await queryRunner.query(
    `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'notifications'::regclass AND conname = 'notifications_type_check'`,
  )) as Array<{ def: string }>;
  return [...(row?.def ?? '').matchAll(/'([a-z_]+)'/g)].map((match) => match[1]);
}

async function setAllowedTypes(queryRunner: QueryRunner, types: string[]): Promise<void> {
  await queryRunner.query(`ALTER TABLE notifications DROP CONSTRAINT IF EXISTS notifications_type_check`);
  const list = [...new Set(types)].map((type) => `'${type}'`).join(', ');
  await queryRunner.query(`ALTER TABLE notifications ADD CONSTRAINT notifications_type_check CHECK (type IN (${list}))`);
}

export class TimedTransitions1764790000000 implements MigrationInterface {
  name = 'TimedTransitions1764790000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // One row per reminder sent: a booking and the start it was for. Written in the transaction that records
    // the reminder's notifications, so however many passes (or retried jobs) meet the booking, one commits.
    // A reschedule gives the booking a new start, hence a new reminder; the old start's row stays, unused.
    await queryRunner.query(`
      CREATE TABLE booking_reminders (
        booking_id uuid NOT NULL REFERENCES bookings (id) ON DELETE CASCADE,
        scheduled_at timestamptz NOT NULL,
        sent_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (booking_id, scheduled_at)
      )`);
    // The passes read only CONFIRMED bookings by start (reminders) and by end (auto-completion): a range of
    // these partial indexes, never the whole table.
    await queryRunner.query(`CREATE INDEX bookings_confirmed_start_idx ON bookings (scheduled_at) WHERE status = 'CONFIRMED'`);
    await queryRunner.query(`CREATE INDEX bookings_confirmed_end_idx ON bookings (ends_at) WHERE status = 'CONFIRMED'`);
    // Kept as read, plus the new type: another migration adding its own types keeps them whichever runs first.
    await setAllowedTypes(queryRunner, [...(await allowedTypes(queryRunner)), 'booking_reminder']);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM notifications WHERE type = 'booking_reminder'`);
    await setAllowedTypes(
      queryRunner,
      (await allowedTypes(queryRunner)).filter((type) => type !== 'booking_reminder'),
    );
    await queryRunner.query(`DROP INDEX bookings_confirmed_end_idx`);
    await queryRunner.query(`DROP INDEX bookings_confirmed_start_idx`);
    await queryRunner.query(`DROP TABLE booking_reminders`);
  }
}
