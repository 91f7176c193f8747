import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccountAdministration } from './account-administration.service';
import { AccountAuditEntity } from './account-audit.entity';
import { AccountAuditRepository } from './account-audit.repository';
import { PasswordHasher } from './password-hasher.service';
import { UserEntity } from './user.entity';
import { UsersController } from './users.controller';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

@Module({
  imports: [TypeOrmModule.forFeature([UserEntity, AccountAuditEntity])],
  controllers: [UsersController],
  providers: [UsersService, UsersRepository, PasswordHasher, AccountAuditRepository, AccountAdministration],
  exports: [UsersService, UsersRepository, PasswordHasher],
})
export class UsersModule {}
