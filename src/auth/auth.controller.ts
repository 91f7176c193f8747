import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { UnauthorizedError, ValidationFailedError } from '../common/errors/domain.error';
import { ApiProblems } from '../common/openapi/problem.response';
import { SAMPLE_ACCOUNTS, SampleAccount } from '../database/seeds/sample-accounts';
import { AuthUser } from '../common/auth/auth-user';
import { Role } from '../common/auth/role.enum';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { Public } from '../common/decorators/public.decorator';
import { AnyRole } from '../common/decorators/roles.decorator';
import { RateLimit } from '../common/rate-limit/rate-limit.decorator';
import { AuthService } from './auth.service';
import { LoginDto } from './dto/login.dto';
import { TokenResponse } from './dto/token.response';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @RateLimit({ policy: 'login', by: 'ip' })
  @Post('login')
  @HttpCode(200)
  @ApiOperation({ operationId: 'login', summary: 'Sign in (OAuth2 password flow form, or JSON) and get a bearer token' })
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  // The seeded sample logins, one per role: "Try it out" signs in wherever the samples were seeded.
  @ApiBody({
    type: LoginDto,
    examples: Object.fromEntries(
      [Role.CUSTOMER, Role.PROVIDER, Role.ADMIN].map((role) => {
        const { email, password } = SAMPLE_ACCOUNTS.find((account) => account.role === role) as SampleAccount;
        return [role.toLowerCase(), { summary: `The sample ${role.toLowerCase()} (${email})`, value: { username: email, password } }];
      }),
    ),
  })
  @ApiOkResponse({ type: TokenResponse })
  @ApiProblems(
    new UnauthorizedError('Incorrect e-mail or password.', 'INVALID_CREDENTIALS'),
    new ValidationFailedError([{ field: 'username', message: 'username or email is required' }]),
  )
  login(@Body() dto: LoginDto): Promise<TokenResponse> {
    return this.auth.login(dto);
  }

  @AnyRole()
  @Post('logout')
  @HttpCode(204)
  @ApiOperation({ operationId: 'logout', summary: 'Revoke the bearer token used for this request' })
  @ApiNoContentResponse()
  logout(@CurrentUser() user: AuthUser): Promise<void> {
    return this.auth.logout(user);
  }
}
