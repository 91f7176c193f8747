import { DynamicModule, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { AccountPagesModule } from './account-pages/account-pages.module';
import { AuthModule } from './auth/auth.module';
import { JwtAuthGuard } from './auth/jwt-auth.guard';
import { BookingsModule } from './bookings/bookings.module';
import { IdempotencyModule } from './common/idempotency/idempotency.module';
import { RateLimitGuard } from './common/rate-limit/rate-limit.guard';
import { RateLimitModule } from './common/rate-limit/rate-limit.module';
import { ProblemDetailsFilter } from './common/filters/problem-details.filter';
import { RolesGuard } from './common/guards/roles.guard';
import { AppConfig } from './config/app.config';
import { EnvironmentVariables } from './config/environment';
import { buildLoggerParams } from './config/logger.config';
import { LogFiles } from './common/logging/log-files';
import { foundationModules } from './database/foundation.modules';
import { SeedModule } from './database/seeds/seed.module';
import { HealthModule } from './health/health.module';
import { JobsModule } from './jobs/jobs.module';
import { MailModule } from './mail/mail.module';
import { NotificationsModule } from './notifications/notifications.module';
import { PaymentsModule } from './payments/payments.module';
import { PasswordResetModule } from './password-reset/password-reset.module';
import { RedisModule } from './redis/redis.module';
import { ServicesModule } from './services/services.module';
import { UsersModule } from './users/users.module';

export interface AppModuleOptions {
  env: EnvironmentVariables;
  /** Overrides DATABASE_URL, e.g. with the embedded PostgreSQL started by main.ts or the tests. */
  databaseUrl?: string;
}

@Module({})
export class AppModule {
  static forRoot(options: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...foundationModules(options.env, options.databaseUrl),
        LoggerModule.forRootAsync({
          providers: [LogFiles],
          inject: [ConfigService, LogFiles],
          useFactory: (config: ConfigService<AppConfig, true>, files: LogFiles) => {
            const log = config.get('log', { infer: true });
            return buildLoggerParams(log, files.open(log.dir ? { dir: log.dir, maxSize: log.fileMaxSize, keep: log.fileKeep } : undefined));
          },
        }),
        JobsModule,
        IdempotencyModule,
        RedisModule,
        RateLimitModule,
        MailModule,
        UsersModule,
        AuthModule,
        PasswordResetModule,
        ServicesModule,
        PaymentsModule,
        BookingsModule,
        NotificationsModule,
        HealthModule,
        SeedModule,
        // The pages e-mail links open, unless FRONTEND_URL says the web app serves them.
        ...(options.env.FRONTEND_URL ? [] : [AccountPagesModule]),
      ],
      // Global guards run in this order: who is calling (auth/), what their role allows, then the rate limits
      // (keyed by the caller when there is one). Registered here together so the order is written down once.
      providers: [
        { provide: APP_GUARD, useClass: JwtAuthGuard },
        { provide: APP_GUARD, useClass: RolesGuard },
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
      ],
    };
  }
}
