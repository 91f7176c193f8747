import { MigrationInterface, QueryRunner } from 'typeorm';

export class EmailClaims1764820000000 implements MigrationInterface {
  name = 'EmailClaims1764820000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // An e-mail's sender claims it until this time (its job's expiry): a batch of e-mails is claimed in one
    // statement, and each outcome is written as soon as it is known, with no transaction held across sends.
    await queryRunner.query(`ALTER TABLE email_outbox ADD COLUMN claimed_until timestamptz`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE email_outbox DROP COLUMN claimed_until`);
  }
}
