import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Client, ClientContext } from '../common/decorators/client-context.decorator';
import { Public } from '../common/decorators/public.decorator';
import { ValidationFailedError } from '../common/errors/domain.error';
import { ApiProblems } from '../common/openapi/problem.response';
import { IsRateLimited } from '../common/rate-limit/is-rate-limited.decorator';
import { RateLimit } from '../common/rate-limit/rate-limit.decorator';
import { ConfirmPasswordResetDto, PasswordResetAcceptedResponse, RequestPasswordResetDto } from './dto/password-reset.dto';
import { PasswordResetService } from './password-reset.service';

@ApiTags('password-reset')
@Controller('password-reset')
export class PasswordResetController {
  constructor(private readonly resets: PasswordResetService) {}

  @Public()
  @RateLimit({ policy: 'passwordReset', by: 'ip', mode: 'flag' }, { policy: 'passwordReset', by: 'email', mode: 'flag' })
  @Post('request')
  @HttpCode(202)
  @ApiOperation({ operationId: 'requestPasswordReset', summary: 'E-mail a single-use reset link (same answer whether or not the account exists)' })
  @ApiAcceptedResponse({ type: PasswordResetAcceptedResponse })
  request(@Body() dto: RequestPasswordResetDto, @IsRateLimited() rateLimited: boolean): PasswordResetAcceptedResponse {
    return this.resets.request(dto.email, { send: !rateLimited });
  }

  @Public()
  @Post('confirm')
  @HttpCode(200)
  @ApiOperation({ operationId: 'confirmPasswordReset', summary: 'Set a new password with a reset token' })
  @ApiOkResponse({ type: PasswordResetAcceptedResponse })
  @ApiProblems(
    new ValidationFailedError(
      [{ field: 'token', message: 'token is invalid, expired or already used' }],
      'The reset token is invalid, expired or already used.',
    ),
  )
  confirm(@Body() dto: ConfirmPasswordResetDto, @Client() client: ClientContext): Promise<PasswordResetAcceptedResponse> {
    return this.resets.confirm(dto.token, dto.newPassword, client);
  }
}
