import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Widens (or narrows) an `x IN ('a', 'b')` CHECK constraint by the values it lists now, rather than by a list
 * written here: other migrations add values to the same constraints (notification types), and whichever runs
 * last must keep theirs.
 */
async function changeAllowedValues(queryRunner: QueryRunner, table: string, column: string, add: string[], remove: string[] = []): Promise<void> {
  const rows = (await queryRunner.query(
    `SELECT c.conname AS name, pg_get_constraintdef(c.oid) AS definition
       FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
      WHERE t.relname = $1 AND c.contype = 'c' AND pg_get_constraintdef(c.oid) LIKE '%' || $2 || '%'`,
    [table, `(${column})::text`],
  )) as Array<{ name: string; definition: string }>;
  const current = rows[0];
  if (!current) throw new Error(`no CHECK constraint on ${table}.${column}`);
  const values = [...current.definition.matchAll(/'([^']*)'::/g)].map((match) => match[1]);
  const next = [...new Set([...values, ...add])].filter((value) => !remove.includes(value));
  const list = next.map((value) => `'${value.replace(/'/g, "''")}'`).join(', ');
  await queryRunner.query(`ALTER TABLE ${table} DROP CONSTRAINT ${current.name}`);
  await queryRunner.query(`ALTER TABLE ${table} ADD CONSTRAINT ${current.name} CHECK (${column} IN (${list}))`);
}

const NOTIFICATION_TYPES = ['booking_requested', 'booking_declined', 'booking_expired'];
const PAYMENT_STATUSES = ['AUTHORIZED', 'VOIDED'];
const GATEWAY_KINDS = ['authorize', 'capture', 'void'];

export class RequestToBook1764780000000 implements MigrationInterface {
  name = 'RequestToBook1764780000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // A service that is not booked instantly takes requests: the provider accepts or declines each one.
    await queryRunner.query(`ALTER TABLE services ADD COLUMN instant_booking boolean NOT NULL DEFAULT true`);
    // A request's answer is due by then (null: an instant booking); the expiry job declines it at that time.
    await queryRunner.query(`ALTER TABLE bookings ADD COLUMN request_expires_at timestamptz`);
    // A request's payment is an authorization (funds held); the provider's answer captures or voids it.
    // capture_requested_at: an accept is under way (the reconciler finishes a capture whose process died);
    // voided_at: the gateway confirmed the void (until then the reconciler retries it: no hold is left behind).
    await queryRunner.query(
      `ALTER TABLE payments ADD COLUMN authorize_only boolean NOT NULL DEFAULT false, ADD COLUMN capture_requested_at timestamptz, ADD COLUMN voided_at timestamptz`,
    );
    await changeAllowedValues(queryRunner, 'payments', 'status', PAYMENT_STATUSES);
    await changeAllowedValues(queryRunner, 'simulated_gateway_operations', 'kind', GATEWAY_KINDS);
    await changeAllowedValues(queryRunner, 'notifications', 'type', NOTIFICATION_TYPES);
    await queryRunner.query(
      `CREATE INDEX payments_capture_requested_idx ON payments (capture_requested_at) WHERE status = 'AUTHORIZED' AND capture_requested_at IS NOT NULL`,
    );
    await queryRunner.query(`CREATE INDEX payments_void_unconfirmed_idx ON payments (updated_at) WHERE status = 'VOIDED' AND voided_at IS NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX payments_void_unconfirmed_idx`);
    await queryRunner.query(`DROP INDEX payments_capture_requested_idx`);
    await queryRunner.query(`DELETE FROM notifications WHERE type = ANY($1::varchar[])`, [NOTIFICATION_TYPES]);
    await changeAllowedValues(queryRunner, 'notifications', 'type', [], NOTIFICATION_TYPES);
    await queryRunner.query(`DELETE FROM simulated_gateway_operations WHERE kind = ANY($1::varchar[])`, [GATEWAY_KINDS]);
    await changeAllowedValues(queryRunner, 'simulated_gateway_operations', 'kind', [], GATEWAY_KINDS);
    // An authorization cannot be kept as an older status: it is recorded as the failed attempt it becomes.
    await queryRunner.query(`UPDATE payments SET status = 'FAILED', booking_id = NULL WHERE status = ANY($1::varchar[])`, [PAYMENT_STATUSES]);
    await changeAllowedValues(queryRunner, 'payments', 'status', [], PAYMENT_STATUSES);
    await queryRunner.query(`ALTER TABLE payments DROP COLUMN voided_at, DROP COLUMN capture_requested_at, DROP COLUMN authorize_only`);
    await queryRunner.query(`ALTER TABLE bookings DROP COLUMN request_expires_at`);
    await queryRunner.query(`ALTER TABLE services DROP COLUMN instant_booking`);
  }
}
