import { Module } from '@nestjs/common';
import { PasswordResetModule } from '../password-reset/password-reset.module';
import { UsersModule } from '../users/users.module';
import { AccountPagesController } from './account-pages.controller';

/**
 * The pages e-mail links open (`/reset-password`, `/verify-email`, `/confirm-email-change`,
 * `/revert-email-change`), served by the API when no FRONTEND_URL says where the web app is.
 */
@Module({
  imports: [UsersModule, PasswordResetModule],
  controllers: [AccountPagesController],
})
export class AccountPagesModule {}
