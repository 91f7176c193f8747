import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiOAuth2 } from '@nestjs/swagger';
import { ALL_ROLES, Role } from '../auth/role.enum';
import { ForbiddenError, UnauthorizedError } from '../errors/domain.error';
import { ApiProblems } from '../openapi/problem.response';

export const ROLES_KEY = 'roles';

/**
 * Narrows a route to the given roles (and documents its security in OpenAPI). A non-public route
 * without it answers 403 to everyone.
 */
export const Roles = (...roles: Role[]) =>
  applyDecorators(
    SetMetadata(ROLES_KEY, roles),
    ApiOAuth2([], 'oauth2'),
    ApiBearerAuth('bearer'),
    // As the guards answer: a missing, invalid, expired or revoked token; a role the route does not admit.
    ApiProblems(
      new UnauthorizedError('A valid bearer token is required.'),
      ...(ALL_ROLES.every((role) => roles.includes(role)) ? [] : [new ForbiddenError('Your role does not allow this action.')]),
    ),
  );

/** Any signed-in user, whatever the role: ownership is then checked by the service. */
export const AnyRole = () => Roles(...ALL_ROLES);
