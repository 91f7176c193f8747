import { MigrationInterface, QueryRunner } from 'typeorm';

export class SettledAttempts1764510000000 implements MigrationInterface {
  name = 'SettledAttempts1764510000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The simulated processor records a cancelled charge key, so that a charge arriving after the attempt was
    // given up is refused, as a real processor refuses a cancelled payment intent.
    await queryRunner.query(`ALTER TABLE simulated_gateway_operations DROP CONSTRAINT simulated_gateway_operations_kind_check`);
    await queryRunner.query(
      `ALTER TABLE simulated_gateway_operations ADD CONSTRAINT simulated_gateway_operations_kind_check CHECK (kind IN ('charge', 'refund', 'cancel'))`,
    );
    // `claim`: which request holds the key (a request that lost it to a takeover can no longer write to it).
    // `resource_id`: what the request created (the checkout links its payment), so the key is answered from
    // that resource's settled state and never executed a second time, even when the request died mid-way.
    await queryRunner.query(`ALTER TABLE idempotency_keys ADD COLUMN claim uuid NOT NULL DEFAULT gen_random_uuid(), ADD COLUMN resource_id uuid`);
    // A void gives back a charge the gateway approved for an attempt that had already failed; it is paid out
    // (and retried) like a refund, under a gateway key of its own per payment, so a payment is voided once.
    await queryRunner.query(`ALTER TABLE refunds ADD COLUMN kind varchar(8) NOT NULL DEFAULT 'refund' CHECK (kind IN ('refund', 'void'))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE refunds DROP COLUMN kind`);
    await queryRunner.query(`ALTER TABLE idempotency_keys DROP COLUMN resource_id, DROP COLUMN claim`);
    await queryRunner.query(`DELETE FROM simulated_gateway_operations WHERE kind = 'cancel'`);
    await queryRunner.query(`ALTER TABLE simulated_gateway_operations DROP CONSTRAINT simulated_gateway_operations_kind_check`);
    await queryRunner.query(
      `ALTER TABLE simulated_gateway_operations ADD CONSTRAINT simulated_gateway_operations_kind_check CHECK (kind IN ('charge', 'refund'))`,
    );
  }
}
