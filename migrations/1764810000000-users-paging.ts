import { MigrationInterface, QueryRunner } from 'typeorm';

export class UsersPaging1764810000000 implements MigrationInterface {
  name = 'UsersPaging1764810000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The admin listing's keyset order (newest first, then id) over the accounts it shows (not deleted), and
    // the same by role: a page after a cursor, or at an offset, is read in order from an index at any depth.
    await queryRunner.query(`DROP INDEX users_created_at_idx`);
    await queryRunner.query(`CREATE INDEX users_listed_created_idx ON users (created_at DESC, id DESC) WHERE deleted_at IS NULL`);
    await queryRunner.query(`CREATE INDEX users_listed_role_created_idx ON users (role, created_at DESC, id DESC) WHERE deleted_at IS NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX users_listed_role_created_idx`);
    await queryRunner.query(`DROP INDEX users_listed_created_idx`);
    await queryRunner.query(`CREATE INDEX users_created_at_idx ON users (created_at DESC, id DESC)`);
  }
}
