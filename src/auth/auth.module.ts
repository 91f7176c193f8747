import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app.config';
import { UsersModule } from '../users/users.module';
import { AccessTokenService } from './access-token.service';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { JwtStrategy } from './jwt.strategy';
import { SessionsEndedListener } from './listeners/sessions-ended.listener';
import { OpenSessionsCache } from './sessions/open-sessions.cache';
import { SessionsRepository } from './sessions/sessions.repository';
import { Sessions } from './sessions/sessions.service';
import { LoginLimits } from './login-limits.service';
import { RevokedTokenEntity } from './revoked-token.entity';
import { SignInLinks } from './sign-in-link.service';
import { RevokedTokensRepository } from './revoked-tokens.repository';
import { TokenDenyList } from './token-deny-list';

@Module({
  imports: [
    UsersModule,
    PassportModule,
    TypeOrmModule.forFeature([RevokedTokenEntity]),
    JwtModule.registerAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>) => {
        const auth = config.get('auth', { infer: true });
        return {
          secret: auth.jwtSecret,
          signOptions: { algorithm: auth.jwtAlgorithm },
          verifyOptions: { algorithms: [auth.jwtAlgorithm] },
        };
      },
    }),
  ],
  controllers: [AuthController],
  providers: [
    AuthService,
    AccessTokenService,
    JwtStrategy,
    TokenDenyList,
    RevokedTokensRepository,
    LoginLimits,
    SignInLinks,
    Sessions,
    SessionsRepository,
    OpenSessionsCache,
    SessionsEndedListener,
  ],
  // JwtStrategy: for the global JwtAuthGuard, which authenticates with this app's instance.
  exports: [AccessTokenService, JwtStrategy],
})
export class AuthModule {}
