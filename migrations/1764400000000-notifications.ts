import { MigrationInterface, QueryRunner } from 'typeorm';

export class Notifications1764400000000 implements MigrationInterface {
  name = 'Notifications1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Each user's notifications are numbered 1, 2, 3... by this counter. Taking the next number locks the
    // user's row until the transaction ends, so a user's notifications commit in the order of their numbers
    // and a live stream can resume from "everything after N" without ever missing a late commit.
    await queryRunner.query(`
      CREATE TABLE notification_counters (
        user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        last_seq bigint NOT NULL CHECK (last_seq > 0)
      )`);
    await queryRunner.query(`
      CREATE TABLE notifications (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        seq bigint NOT NULL CHECK (seq > 0),
        type varchar(32) NOT NULL CHECK (type IN (
          'booking_created', 'booking_rescheduled', 'booking_completed', 'booking_cancelled',
          'payment_received', 'payment_failed', 'payment_refunded', 'password_changed')),
        title varchar(200) NOT NULL,
        message varchar(2000) NOT NULL,
        data jsonb NOT NULL DEFAULT '{}'::jsonb,
        read_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT notifications_user_seq_key UNIQUE (user_id, seq)
      )`);
    await queryRunner.query(`CREATE INDEX notifications_user_unread_idx ON notifications (user_id, seq) WHERE read_at IS NULL`);
    // The e-mail outbox: written in the same transaction as the notification, sent after commit, retried
    // from here with backoff until the server takes it.
    await queryRunner.query(`
      CREATE TABLE email_outbox (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        notification_id uuid REFERENCES notifications (id) ON DELETE SET NULL,
        kind varchar(64) NOT NULL,
        recipient varchar(254) NOT NULL,
        subject varchar(300) NOT NULL,
        body text NOT NULL,
        status varchar(8) NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'SENT', 'FAILED')),
        attempts int NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_error varchar(1000),
        transport_message_id varchar(300),
        sent_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX email_outbox_due_idx ON email_outbox (next_attempt_at) WHERE status = 'PENDING'`);
    await queryRunner.query(`CREATE INDEX email_outbox_sent_idx ON email_outbox (sent_at) WHERE status = 'SENT'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE email_outbox`);
    await queryRunner.query(`DROP TABLE notifications`);
    await queryRunner.query(`DROP TABLE notification_counters`);
  }
}
