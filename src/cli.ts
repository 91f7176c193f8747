import 'reflect-metadata';
import { DynamicModule, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { parseArgs } from 'node:util';
import { readSecret } from './common/terminal/read-secret';
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

const CREATE_ADMIN_USAGE = 'Usage: npm run create-admin -- --email E (the password from ADMIN_PASSWORD, else asked for, or read from a pipe)';

/**
 * The new admin's e-mail and password. Never the password from the command line: it would stay in the shell's
 * history and show in `ps` to every user of the machine. From ADMIN_PASSWORD, else typed at a prompt that does
 * not echo (twice, on a terminal), else the first line of a pipe (`... | npm run create-admin -- --email E`).
 */
async function adminCredentials(args: string[], env: EnvironmentVariables): Promise<{ email: string; password: string }> {
  if (args.some((arg) => arg === '--password' || arg.startsWith('--password='))) {
    throw new Error(
      '--password is refused: a password on the command line stays in the shell history and shows in `ps`. ' +
        'Set ADMIN_PASSWORD, type it at the prompt, or pipe it to standard input.',
    );
  }
  const { values } = parseArgs({ args, options: { email: { type: 'string' } } });
  if (!values.email) throw new Error(CREATE_ADMIN_USAGE);
  let password = env.ADMIN_PASSWORD;
  if (password === undefined) {
    password = await readSecret(`Password for ${values.email}: `, process.stdin, process.stderr);
    if (process.stdin.isTTY && password && (await readSecret('Repeat it: ', process.stdin, process.stderr)) !== password) {
      throw new Error('The two passwords differ: nothing changed.');
    }
  }
  if (!password) throw new Error(`No password given. ${CREATE_ADMIN_USAGE}`);
  const violation = passwordPolicyViolation(password);
  if (violation) throw new Error(`password ${violation}`);
  return { email: values.email, password };
}

/**
 * Database chores with the app's own settings: `migrate`, `revert`, `seed`, and `create-admin --email E`
 * (see adminCredentials). Uses DATABASE_URL, or the embedded PostgreSQL as `npm start` does.
 */
async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  loadDotEnv();
  const env = parseEnvironment(process.env, () => undefined);
  // Asked before the database starts, so a refusal or a typo costs nothing.
  const admin = command === 'create-admin' ? await adminCredentials(rest, env) : null;
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
        } else if (admin) {
          const { user, created } = await app.get(UsersService).createOrPromoteAdmin(admin.email, admin.password);
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
