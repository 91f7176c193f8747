import { MigrationInterface, QueryRunner } from 'typeorm';

export class AccountStatusAndAudit1764730000000 implements MigrationInterface {
  name = 'AccountStatusAndAudit1764730000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // A suspended account cannot sign in and its provider's services leave the catalog; ACTIVE is everyone today.
    await queryRunner.query(`ALTER TABLE users ADD COLUMN status varchar(16) NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'SUSPENDED'))`);
    // The catalog's public count subtracts the services of accounts that are deleted or suspended: those few accounts, by index.
    await queryRunner.query(`CREATE INDEX users_not_listed_idx ON users (id) WHERE deleted_at IS NOT NULL OR status <> 'ACTIVE'`);
    // The admin listing: newest first, a stable order for paging.
    await queryRunner.query(`CREATE INDEX users_created_at_idx ON users (created_at DESC, id DESC)`);
    // What admins did to accounts: written in the transaction of the change, never a secret in details.
    await queryRunner.query(`
      CREATE TABLE account_audit (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        actor_id uuid REFERENCES users (id) ON DELETE SET NULL,
        action varchar(32) NOT NULL,
        details jsonb NOT NULL DEFAULT '{}'::jsonb,
        request_id varchar(128),
        at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await queryRunner.query(`CREATE INDEX account_audit_account_at_idx ON account_audit (account_id, at DESC, id DESC)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE account_audit`);
    await queryRunner.query(`DROP INDEX users_created_at_idx`);
    await queryRunner.query(`DROP INDEX users_not_listed_idx`);
    await queryRunner.query(`ALTER TABLE users DROP COLUMN status`);
  }
}
