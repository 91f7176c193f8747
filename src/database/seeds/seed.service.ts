import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PasswordHasher } from '../../users/password-hasher.service';
import { UserEntity } from '../../users/user.entity';
import { SAMPLE_ACCOUNTS } from './sample-accounts';

const SEED_LOCK = 727_002;

/** Seeds sample data into an empty database, once, even with several instances starting together. */
@Injectable()
export class SeedService {
  private readonly logger = new Logger(SeedService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly hasher: PasswordHasher,
  ) {}

  /** Returns true when it seeded, false when the database already had accounts. */
  async seedIfEmpty(): Promise<boolean> {
    const hasAccounts = (manager = this.dataSource.manager) => manager.getRepository(UserEntity).exists({ withDeleted: true });
    if (await hasAccounts()) return false;
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [SEED_LOCK]);
      if (await hasAccounts(manager)) return false;
      const hashes = await Promise.all(SAMPLE_ACCOUNTS.map((account) => this.hasher.hash(account.password)));
      await manager.getRepository(UserEntity).insert(
        SAMPLE_ACCOUNTS.map(({ password: _password, ...account }, index) => ({
          ...account,
          passwordHash: hashes[index],
          credentialsChangedAt: new Date(),
        })),
      );
      this.logger.log(`Seeded ${SAMPLE_ACCOUNTS.length} sample accounts`);
      return true;
    });
  }
}
