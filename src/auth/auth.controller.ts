import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiExtension, ApiHeader, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { UnauthorizedError, ValidationFailedError } from '../common/errors/domain.error';
import { ApiProblems, platformProblem } from '../common/openapi/problem.response';
import { RATE_LIMIT_EXTENSION } from '../common/rate-limit/rate-limit.decorator';
import { SAMPLE_ACCOUNTS, SampleAccount } from '../database/seeds/sample-accounts';
import { AuthUser } from '../common/auth/auth-user';
import { Role } from '../common/auth/role.enum';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { Public } from '../common/decorators/public.decorator';
import { AnyRole } from '../common/decorators/roles.decorator';
import { rateLimitHeaders } from '../common/rate-limit/rate-limit.policies';
import { AccountSuspendedError } from '../users/account.errors';
import { AuthService } from './auth.service';
import { LoginDto } from './dto/login.dto';
import { SignInLinkDto } from './dto/sign-in-link.dto';
import { TokenResponse } from './dto/token.response';
import { LoginClient } from './login-limits.service';

const DEVICE_TOKEN_HEADER = 'x-device-token';

/** The client address and the device token it sent back (header first, else the body's `device_token`). */
function loginClient(request: FastifyRequest, dto?: LoginDto): LoginClient {
  const header = request.headers[DEVICE_TOKEN_HEADER];
  return { ip: request.ip, deviceToken: typeof header === 'string' && header ? header : dto?.device_token };
}

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'login',
    summary: 'Sign in (OAuth2 password flow form, or JSON) and get a bearer token',
    description:
      'Failed attempts are limited per client address (LOGIN_RATE_LIMIT) and, for clients new to the account, per account ' +
      '(LOGIN_ACCOUNT_RATE_LIMIT). Send back the `device_token` of an earlier login (`X-Device-Token` or `device_token`) so ' +
      "strangers' wrong guesses never refuse this client.",
  })
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiHeader({
    name: 'X-Device-Token',
    required: false,
    description: 'The `device_token` of an earlier successful login',
    schema: { type: 'string', maxLength: 200 },
  })
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
    new AccountSuspendedError(),
    new ValidationFailedError([{ field: 'username', message: 'username or email is required' }]),
  )
  // Counted by LoginLimits (failed attempts only), not by @RateLimit; the RateLimit headers name the policy that refused.
  @ApiExtension(RATE_LIMIT_EXTENSION, ['login', 'loginAccount', 'loginDevice'])
  @ApiProblems(platformProblem(429, 'RATE_LIMITED', 'Too many requests: try again after the time in Retry-After.'))
  async login(@Body() dto: LoginDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<TokenResponse> {
    const { token, rateLimits } = await this.auth.login(dto, loginClient(request, dto));
    if (rateLimits.length) void reply.headers(rateLimitHeaders(rateLimits));
    return token;
  }

  @Public()
  @Post('sign-in-link')
  @HttpCode(200)
  @ApiOperation({ operationId: 'signInWithLink', summary: 'Sign in with the one-time link e-mailed to the owner of an account under attack' })
  @ApiOkResponse({ type: TokenResponse })
  @ApiProblems(new AccountSuspendedError())
  signInWithLink(@Body() dto: SignInLinkDto, @Req() request: FastifyRequest): Promise<TokenResponse> {
    return this.auth.signInWithLink(dto.token, loginClient(request));
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
