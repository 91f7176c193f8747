import 'reflect-metadata';
import { DynamicModule, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { parseArgs } from 'node:util';
import { EnvironmentVariables, loadDotEnv, parseEnvironment } from './config/environment';
import { resolveDatabase } from './database/database-url';
import { foundationModules } from './database/foundation.modules';
import { revertLastMigration, runMigrations } from './database/migrate';
import { SAMPLE_ACCOUNTS } from './database/seeds/sample-accounts';
import { SeedModule } from './database/seeds/seed.module';
import { SeedService } from './database/seeds/seed.service';
import { passwordPolicyViolation } from './users/password-policy';
import { UsersModule } from './users/users.module';
import { UsersService } from './users/users.service';

/** Only what the chores use: configuration, the database, and the users and seed modules (no HTTP, Redis, mail or listeners). */
@Module({})
class CliModule {
  static forRoot(env: EnvironmentVariables, databaseUrl: string): DynamicModule {
    return {
      module: CliModule,
      imports: [...foundationModules(env, databaseUrl), UsersModule, SeedModule],
    };
  }
}

/**
 * Database chores with the app's own settings: `migrate`, `revert`, `seed`, and
 * `create-admin --email E --password P`. Uses DATABASE_URL, or the embedded PostgreSQL as `npm start` does.
 */
async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  loadDotEnv();
  const env = parseEnvironment(process.env, () => undefined);
  const database = await resolveDatabase(env);
  try {
    if (command === 'migrate') {
      const applied = await runMigrations(database.url);
      console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'No pending migrations.');
    } else if (command === 'revert') {
      const reverted = await revertLastMigration(database.url);
      console.log(reverted ? `Reverted ${reverted}.` : 'Nothing to revert: no migration is applied.');
    } else if (command === 'seed' || command === 'create-admin') {
      await runMigrations(database.url);
      const app = await NestFactory.createApplicationContext(CliModule.forRoot(env, database.url), { logger: ['error', 'warn'] });
      try {
        if (command === 'seed') {
          const seeded = await app.get(SeedService).seedIfEmpty();
          console.log(
            seeded
              ? `Seeded. Sample logins:\n${SAMPLE_ACCOUNTS.map((a) => `  ${a.email} / ${a.password}`).join('\n')}`
              : 'The database already has accounts: nothing seeded.',
          );
        } else {
          const { values } = parseArgs({ args: rest, options: { email: { type: 'string' }, password: { type: 'string' } } });
          if (!values.email || !values.password) throw new Error('Usage: npm run create-admin -- --email E --password P');
          const violation = passwordPolicyViolation(values.password);
          if (violation) throw new Error(`password ${violation}`);
          const { user, created } = await app.get(UsersService).createOrPromoteAdmin(values.email, values.password);
          console.log(`${created ? 'Created' : 'Promoted'} admin ${user.email} (${user.id})`);
        }
      } finally {
        await app.close();
      }
    } else {
      throw new Error('Usage: cli <migrate|revert|seed|create-admin>');
    }
  } finally {
    await database.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
