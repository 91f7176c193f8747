import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Req, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiExtension,
  ApiExtraModels,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Client, ClientContext } from '../common/decorators/client-context.decorator';
import { NotFoundError, UnauthorizedError, ValidationFailedError } from '../common/errors/domain.error';
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
import { RefreshTokenDto } from './dto/refresh-token.dto';
import { SessionResponse } from './dto/session.response';
import { SignInLinkDto } from './dto/sign-in-link.dto';
import { TokenResponse } from './dto/token.response';
import { LoginClient } from './login-limits.service';
import { InvalidRefreshTokenError } from './sessions/session-errors';
import { MAX_LISTED_SESSIONS } from './sessions/sessions.repository';
import { Sessions } from './sessions/sessions.service';

const DEVICE_TOKEN_HEADER = 'x-device-token';

/** The client address and the device token it sent back (header first, else the body's `device_token`). */
function loginClient(request: FastifyRequest, dto?: LoginDto): LoginClient {
  const header = request.headers[DEVICE_TOKEN_HEADER];
  return { ip: request.ip, deviceToken: typeof header === 'string' && header ? header : dto?.device_token };
}

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly sessions: Sessions,
  ) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'login',
    summary: 'Sign in (OAuth2 password flow form, or JSON) and get a bearer token and a refresh token',
    description:
      'Opens a session: the access token lives JWT_ACCESS_TOKEN_EXPIRE_MINUTES, `POST /auth/refresh` exchanges the refresh token ' +
      'for a new pair until the session ends (JWT_REFRESH_TOKEN_EXPIRE_DAYS after the sign-in at the latest). ' +
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
  async login(
    @Body() dto: LoginDto,
    @Req() request: FastifyRequest,
    @Client() client: ClientContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenResponse> {
    const { token, rateLimits } = await this.auth.login(dto, loginClient(request, dto), client);
    if (rateLimits.length) void reply.headers(rateLimitHeaders(rateLimits));
    return token;
  }

  @Public()
  @Post('sign-in-link')
  @HttpCode(200)
  @ApiOperation({ operationId: 'signInWithLink', summary: 'Sign in with the one-time link e-mailed to the owner of an account under attack' })
  @ApiOkResponse({ type: TokenResponse })
  @ApiProblems(new AccountSuspendedError())
  signInWithLink(@Body() dto: SignInLinkDto, @Req() request: FastifyRequest, @Client() client: ClientContext): Promise<TokenResponse> {
    return this.auth.signInWithLink(dto.token, loginClient(request), client);
  }

  @Public()
  @Post('refresh')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'refreshToken',
    summary: 'Exchange the refresh token for a new access token and refresh token',
    description:
      'The refresh token presented is spent (rotation). Presented again, it ends its session: every access and refresh token ' +
      'of that session is refused from then on (RFC 9700 reuse detection). Refused too: an unknown or expired refresh token, ' +
      'one of a session that ended, and one of a session begun before a password change or a logout everywhere.',
  })
  @ApiConsumes('application/json', 'application/x-www-form-urlencoded')
  @ApiOkResponse({ type: TokenResponse })
  @ApiProblems(new InvalidRefreshTokenError())
  refresh(@Body() dto: RefreshTokenDto, @Client() client: ClientContext): Promise<TokenResponse> {
    return this.sessions.refresh(dto.refresh_token, client);
  }

  @AnyRole()
  @Post('logout')
  @HttpCode(204)
  @ApiOperation({ operationId: 'logout', summary: 'End the session of the bearer token used for this request (its access and refresh tokens)' })
  @ApiNoContentResponse()
  logout(@CurrentUser() user: AuthUser, @Client() client: ClientContext): Promise<void> {
    return this.sessions.logout(user, client);
  }

  @AnyRole()
  @Post('logout-all')
  @HttpCode(204)
  @ApiOperation({ operationId: 'logoutAll', summary: 'End every one of your sessions, this one included' })
  @ApiNoContentResponse()
  logoutAll(@CurrentUser() user: AuthUser, @Client() client: ClientContext): Promise<void> {
    return this.sessions.logoutAll(user, client);
  }

  @AnyRole()
  @Get('sessions')
  @ApiOperation({
    operationId: 'listSessions',
    summary: `Your sessions (signed in and not ended), the most recently used first (at most ${MAX_LISTED_SESSIONS})`,
  })
  @ApiExtraModels(SessionResponse)
  @ApiOkResponse({ schema: { type: 'array', maxItems: MAX_LISTED_SESSIONS, items: { $ref: getSchemaPath(SessionResponse) } } })
  listSessions(@CurrentUser() user: AuthUser): Promise<SessionResponse[]> {
    return this.sessions.list(user);
  }

  @AnyRole()
  @Delete('sessions/:id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'endSession', summary: 'End one of your sessions (its access and refresh tokens are refused from then on)' })
  @ApiNoContentResponse()
  @ApiProblems(new NotFoundError('Session'))
  @ApiParam({ name: 'id', format: 'uuid' })
  endSession(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string, @Client() client: ClientContext): Promise<void> {
    return this.sessions.end(user, id, client);
  }
}
