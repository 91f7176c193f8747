import { MigrationInterface, QueryRunner } from 'typeorm';

export class Payments1764300000000 implements MigrationInterface {
  name = 'Payments1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE payments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        -- NULL once a declined or abandoned attempt has released its booking.
        booking_id uuid REFERENCES bookings (id) ON DELETE SET NULL,
        service_id uuid NOT NULL REFERENCES services (id),
        customer_id uuid NOT NULL REFERENCES users (id),
        provider_id uuid NOT NULL REFERENCES users (id),
        status varchar(20) NOT NULL CHECK (status IN ('PENDING', 'SUCCESS', 'FAILED', 'PARTIALLY_REFUNDED', 'REFUNDED')),
        amount numeric(10, 2) NOT NULL CHECK (amount > 0),
        refunded_amount numeric(10, 2) NOT NULL DEFAULT 0 CHECK (refunded_amount >= 0 AND refunded_amount <= amount),
        currency char(3) NOT NULL,
        transaction_id varchar(100),
        payment_method jsonb NOT NULL,
        failure_reason varchar(500),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX payments_booking_key ON payments (booking_id) WHERE booking_id IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX payments_customer_idx ON payments (customer_id, created_at DESC)`);
    await queryRunner.query(`CREATE INDEX payments_provider_idx ON payments (provider_id, created_at DESC)`);
    await queryRunner.query(`CREATE INDEX payments_pending_idx ON payments (created_at) WHERE status = 'PENDING'`);
    await queryRunner.query(`
      CREATE TABLE refunds (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        payment_id uuid NOT NULL REFERENCES payments (id),
        amount numeric(10, 2) NOT NULL CHECK (amount > 0),
        reason varchar(500) NOT NULL,
        status varchar(16) NOT NULL CHECK (status IN ('PENDING', 'SUCCEEDED')),
        transaction_id varchar(100),
        requested_by uuid REFERENCES users (id),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX refunds_payment_idx ON refunds (payment_id)`);
    await queryRunner.query(`CREATE INDEX refunds_pending_idx ON refunds (created_at) WHERE status = 'PENDING'`);
    // The simulated card processor's own ledger: what "the bank" knows, kept apart from our records so
    // reconciliation can ask it what really happened after a crash.
    await queryRunner.query(`
      CREATE TABLE simulated_gateway_operations (
        idempotency_key varchar(100) PRIMARY KEY,
        kind varchar(10) NOT NULL CHECK (kind IN ('charge', 'refund')),
        approved boolean NOT NULL,
        transaction_id varchar(100) NOT NULL,
        amount_minor bigint NOT NULL,
        currency char(3) NOT NULL,
        decline_reason varchar(200),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE idempotency_keys (
        user_id uuid NOT NULL,
        key varchar(255) NOT NULL,
        fingerprint char(64) NOT NULL,
        state varchar(12) NOT NULL CHECK (state IN ('IN_PROGRESS', 'COMPLETED')),
        response_status int,
        response_body text,
        response_content_type varchar(100),
        locked_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (user_id, key)
      )`);
    await queryRunner.query(`CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE idempotency_keys`);
    await queryRunner.query(`DROP TABLE simulated_gateway_operations`);
    await queryRunner.query(`DROP TABLE refunds`);
    await queryRunner.query(`DROP TABLE payments`);
  }
}
