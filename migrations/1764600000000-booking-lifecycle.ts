import { MigrationInterface, QueryRunner } from 'typeorm';

export class BookingLifecycle1764600000000 implements MigrationInterface {
  name = 'BookingLifecycle1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The earliest start a moved booking has had (NULL: never moved). A customer's refund is judged against
    // it, so a reschedule never buys a better refund than the original time allowed.
    await queryRunner.query(`ALTER TABLE bookings ADD COLUMN earliest_scheduled_at timestamptz`);
    // What a payment was for, kept when a declined attempt releases its booking (booking_id becomes NULL).
    await queryRunner.query(`ALTER TABLE payments ADD COLUMN scheduled_at timestamptz`);
    await queryRunner.query(`UPDATE payments p SET scheduled_at = b.scheduled_at FROM bookings b WHERE b.id = p.booking_id`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE payments DROP COLUMN scheduled_at`);
    await queryRunner.query(`ALTER TABLE bookings DROP COLUMN earliest_scheduled_at`);
  }
}
