import { MigrationInterface, QueryRunner } from 'typeorm';

export class AccountEmails1764710000000 implements MigrationInterface {
  name = 'AccountEmails1764710000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Accounts that exist already keep working as they did: they count as verified. New sign-ups are not, until
    // they use the link e-mailed to them.
    await queryRunner.query(`ALTER TABLE users ADD COLUMN email_verified boolean NOT NULL DEFAULT true`);
    await queryRunner.query(`ALTER TABLE users ALTER COLUMN email_verified SET DEFAULT false`);
    // Single-use links about an address: verify it, confirm a change to it, or revert a change away from it.
    // Only the token's SHA-256 is stored; `email` is the address the link is about.
    await queryRunner.query(`
      CREATE TABLE email_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        purpose varchar(16) NOT NULL CHECK (purpose IN ('verify', 'email_change', 'revert')),
        email varchar(254) NOT NULL CHECK (email = lower(btrim(email))),
        token_hash char(64) NOT NULL UNIQUE,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX email_tokens_user_open_idx ON email_tokens (user_id, purpose) WHERE used_at IS NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE email_tokens`);
    await queryRunner.query(`ALTER TABLE users DROP COLUMN email_verified`);
  }
}
