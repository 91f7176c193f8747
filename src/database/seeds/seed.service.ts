import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DataSource } from 'typeorm';
import { Role } from '../../common/auth/role.enum';
import { AppConfig } from '../../config/app.config';
import { ServiceEntity, ServiceStatus } from '../../services/service.entity';
import { PasswordHasher } from '../../users/password-hasher.service';
import { UserEntity } from '../../users/user.entity';
import { SAMPLE_ACCOUNTS } from './sample-accounts';
import { SAMPLE_SERVICES } from './sample-services';

const SEED_LOCK = 727_002;

/** Seeds sample accounts and listings into an empty database, once, even with several instances starting together. */
@Injectable()
export class SeedService {
  private readonly logger = new Logger(SeedService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly hasher: PasswordHasher,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  /**
   * Returns true when it seeded, false when the database already had accounts. Refuses in production, by
   * whatever way it is called (start-up, `npm run seed`): the sample accounts' passwords are published.
   */
  async seedIfEmpty(): Promise<boolean> {
    if (this.config.get('http', { infer: true }).nodeEnv === 'production') {
      throw new Error('Sample data is never seeded with NODE_ENV=production (its passwords are published); create an admin with `npm run create-admin`');
    }
    const hasAccounts = (manager = this.dataSource.manager) => manager.getRepository(UserEntity).exists({ withDeleted: true });
    if (await hasAccounts()) return false;
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [SEED_LOCK]);
      if (await hasAccounts(manager)) return false;
      const hashes = await Promise.all(SAMPLE_ACCOUNTS.map((account) => this.hasher.hash(account.password)));
      const users = await manager
        .getRepository(UserEntity)
        .save(
          SAMPLE_ACCOUNTS.map(({ password: _password, ...account }, index) =>
            manager.getRepository(UserEntity).create({ ...account, passwordHash: hashes[index], emailVerified: true, credentialsChangedAt: new Date() }),
          ),
        );
      const providers = users.filter((user) => user.role === Role.PROVIDER);
      const services = manager.getRepository(ServiceEntity);
      await services.save(
        SAMPLE_SERVICES.map(({ provider, ...service }) =>
          services.create({ ...service, providerId: providers[provider].id, images: [], status: ServiceStatus.ACTIVE }),
        ),
      );
      this.logger.log(`Seeded ${users.length} sample accounts and ${SAMPLE_SERVICES.length} services`);
      return true;
    });
  }
}
