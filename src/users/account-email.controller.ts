import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser } from '../common/auth/auth-user';
import { Client, ClientContext } from '../common/decorators/client-context.decorator';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { Public } from '../common/decorators/public.decorator';
import { AnyRole } from '../common/decorators/roles.decorator';
import { ApiProblems } from '../common/openapi/problem.response';
import { RateLimit } from '../common/rate-limit/rate-limit.decorator';
import { emailAlreadyVerified, emailTaken, invalidEmailLink } from './account-email.errors';
import { AccountMessageResponse, EmailLinkTokenDto, RevertEmailChangeDto } from './dto/account-email.dto';
import { EmailChangeService } from './email-change.service';
import { EmailVerificationService } from './email-verification.service';

/** The links e-mailed about an account's address: verify it, confirm a change, revert one. */
@ApiTags('users')
@Controller('users')
export class AccountEmailController {
  constructor(
    private readonly verification: EmailVerificationService,
    private readonly emailChanges: EmailChangeService,
  ) {}

  @Public()
  @Post('verify-email')
  @HttpCode(200)
  @ApiOperation({ operationId: 'verifyEmail', summary: 'Verify your e-mail address with the token of the link e-mailed at sign-up' })
  @ApiOkResponse({ type: AccountMessageResponse })
  @ApiProblems(invalidEmailLink())
  verifyEmail(@Body() dto: EmailLinkTokenDto, @Client() client: ClientContext): Promise<AccountMessageResponse> {
    return this.verification.verify(dto.token, client);
  }

  @AnyRole()
  @RateLimit({ policy: 'verificationEmail', by: 'user' })
  @Post('me/verification-email')
  @HttpCode(202)
  @ApiOperation({ operationId: 'resendVerificationEmail', summary: 'E-mail yourself a new verification link (earlier ones stop working)' })
  @ApiAcceptedResponse({ type: AccountMessageResponse })
  @ApiProblems(emailAlreadyVerified())
  resendVerification(@CurrentUser() user: AuthUser): Promise<AccountMessageResponse> {
    return this.verification.resend(user);
  }

  @Public()
  @Post('email-change/confirm')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'confirmEmailChange',
    summary: 'Move your account to its new e-mail address, with the token of the link e-mailed there',
    description: 'The old address is then told, with a link that reverts the change (`POST /users/email-change/revert`).',
  })
  @ApiOkResponse({ type: AccountMessageResponse })
  @ApiProblems(invalidEmailLink(), emailTaken())
  confirmEmailChange(@Body() dto: EmailLinkTokenDto, @Client() client: ClientContext): Promise<AccountMessageResponse> {
    return this.emailChanges.confirm(dto.token, client);
  }

  @Public()
  @Post('email-change/revert')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'revertEmailChange',
    summary: 'Give your account its old e-mail address back, with the token of the link e-mailed there, and end every session',
    description: 'With `newPassword`, the password is replaced too: whoever made the change may know (or have reset) the current one.',
  })
  @ApiOkResponse({ type: AccountMessageResponse })
  @ApiProblems(invalidEmailLink(), emailTaken())
  revertEmailChange(@Body() dto: RevertEmailChangeDto, @Client() client: ClientContext): Promise<AccountMessageResponse> {
    return this.emailChanges.revert(dto.token, dto.newPassword, client);
  }
}
