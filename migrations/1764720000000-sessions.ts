import { MigrationInterface, QueryRunner } from 'typeorm';

export class Sessions1764720000000 implements MigrationInterface {
  name = 'Sessions1764720000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // A session is one sign-in: its access tokens carry its id (`sid`), its refresh tokens rotate within it.
    // Ended (logout, reuse of a rotated refresh token, ...) or past expires_at, every token of it is refused;
    // so is every session that started before its user's credentials_changed_at (logout everywhere, password).
    await queryRunner.query(`
      CREATE TABLE sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        user_agent varchar(500),
        ip varchar(64),
        ended_at timestamptz,
        end_reason varchar(32),
        CONSTRAINT sessions_ended_with_reason CHECK ((ended_at IS NULL) = (end_reason IS NULL)),
        CONSTRAINT sessions_expire_after_start CHECK (expires_at > created_at)
      )`);
    await queryRunner.query(`CREATE INDEX sessions_user_open_idx ON sessions (user_id, created_at) WHERE ended_at IS NULL`);
    // For pruning: sessions past their lifetime, and those ended longer ago than an access token lives.
    await queryRunner.query(`CREATE INDEX sessions_expires_at_idx ON sessions (expires_at)`);
    await queryRunner.query(`CREATE INDEX sessions_ended_at_idx ON sessions (ended_at) WHERE ended_at IS NOT NULL`);
    // Every refresh token a session was given, by the SHA-256 of the token (the token itself is never
    // stored). A rotated one (rotated_at set) presented again is a reuse: the whole session ends.
    await queryRunner.query(`
      CREATE TABLE refresh_tokens (
        token_hash char(64) PRIMARY KEY,
        session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        issued_at timestamptz NOT NULL DEFAULT now(),
        rotated_at timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE refresh_tokens`);
    await queryRunner.query(`DROP TABLE sessions`);
  }
}
