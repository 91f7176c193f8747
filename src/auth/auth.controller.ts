import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiHeader, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthUser } from '../common/auth/auth-user';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { Public } from '../common/decorators/public.decorator';
import { AnyRole } from '../common/decorators/roles.decorator';
import { ApiProblemResponse } from '../common/openapi/problem.response';
import { rateLimitHeaders } from '../common/rate-limit/rate-limit.policies';
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
  @ApiBody({ type: LoginDto })
  @ApiOkResponse({ type: TokenResponse })
  @ApiProblemResponse(429, 'Too many failed logins: see Retry-After and the RateLimit headers (they name the policy that refused)')
  async login(@Body() dto: LoginDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<TokenResponse> {
    const { token, rateLimits } = await this.auth.login(dto, loginClient(request, dto));
    if (rateLimits.length) void reply.headers(rateLimitHeaders(rateLimits));
    return token;
  }

  @Public()
  @Post('sign-in-link')
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign in with the one-time link e-mailed to the owner of an account under attack' })
  @ApiOkResponse({ type: TokenResponse })
  signInWithLink(@Body() dto: SignInLinkDto, @Req() request: FastifyRequest): Promise<TokenResponse> {
    return this.auth.signInWithLink(dto.token, loginClient(request));
  }

  @AnyRole()
  @Post('logout')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke the bearer token used for this request' })
  @ApiNoContentResponse()
  logout(@CurrentUser() user: AuthUser): Promise<void> {
    return this.auth.logout(user);
  }
}
