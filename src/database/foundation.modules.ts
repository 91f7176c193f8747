import { ConfigModule, ConfigService } from '@nestjs/config';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SqlModule } from '../common/database/sql.module';
import { UnitOfWorkModule } from '../common/database/unit-of-work.module';
import { SecurityLogModule } from '../common/logging/security-log.module';
import { AppConfig, buildAppConfig } from '../config/app.config';
import { EnvironmentVariables } from '../config/environment';
import { buildDataSourceOptions } from './data-source.options';

/**
 * What every process of the app stands on, the API (AppModule) and the CLI alike: validated configuration,
 * the TypeORM data source, the event emitter, the unit of work over it and the security log.
 */
export function foundationModules(env: EnvironmentVariables, databaseUrl: string | undefined) {
  return [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => buildAppConfig(env, { databaseUrl })] }),
    TypeOrmModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>) => buildDataSourceOptions(config.get('database', { infer: true }).url),
    }),
    EventEmitterModule.forRoot(),
    SqlModule,
    UnitOfWorkModule,
    SecurityLogModule,
  ];
}
