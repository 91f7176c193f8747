import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccountAdministration } from './account-administration.service';
import { AccountAuditEntity } from './account-audit.entity';
import { AccountAuditRepository } from './account-audit.repository';
import { AccountEmailController } from './account-email.controller';
import { EmailChangeService } from './email-change.service';
import { EmailTokensRepository } from './email-tokens.repository';
import { EmailVerificationService } from './email-verification.service';
import { PasswordHasher } from './password-hasher.service';
import { UserEntity } from './user.entity';
import { UsersController } from './users.controller';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

@Module({
  imports: [TypeOrmModule.forFeature([UserEntity, AccountAuditEntity])],
  controllers: [UsersController, AccountEmailController],
  providers: [
    UsersService,
    UsersRepository,
    PasswordHasher,
    AccountAuditRepository,
    AccountAdministration,
    EmailTokensRepository,
    EmailChangeService,
    EmailVerificationService,
  ],
  exports: [UsersService, UsersRepository, PasswordHasher, EmailChangeService, EmailVerificationService],
})
export class UsersModule {}
