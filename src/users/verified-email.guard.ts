import { applyDecorators, CanActivate, ExecutionContext, Injectable, UseGuards } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ModuleRef } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AuthUser } from '../common/auth/auth-user';
import { ApiProblems } from '../common/openapi/problem.response';
import { AppConfig } from '../config/app.config';
import { emailNotVerified } from './account-email.errors';
import { UsersRepository } from './users.repository';

/**
 * With REQUIRE_VERIFIED_EMAIL=true, refuses a caller whose address is not verified (403 EMAIL_NOT_VERIFIED).
 * Off by default: then it reads nothing, so the routes it guards cost what they did.
 */
@Injectable()
export class VerifiedEmailGuard implements CanActivate {
  private readonly required: boolean;
  private users?: UsersRepository;

  constructor(
    config: ConfigService<AppConfig, true>,
    private readonly moduleRef: ModuleRef,
  ) {
    this.required = config.get('auth', { infer: true }).requireVerifiedEmail;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (!this.required) return true;
    const user = context.switchToHttp().getRequest<FastifyRequest & { user?: AuthUser }>().user;
    // The guard sits on controllers of other modules: the users' repository is found wherever it is provided.
    this.users ??= this.moduleRef.get(UsersRepository, { strict: false });
    if (!user || !(await this.users.isEmailVerified(user.id))) throw emailNotVerified();
    return true;
  }
}

/** Booking and offering services: for accounts whose address is verified, when REQUIRE_VERIFIED_EMAIL=true. */
export const RequireVerifiedEmail = () => applyDecorators(UseGuards(VerifiedEmailGuard), ApiProblems(emailNotVerified()));
