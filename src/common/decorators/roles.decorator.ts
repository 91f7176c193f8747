import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension, ApiOAuth2 } from '@nestjs/swagger';
import { ALL_ROLES, Role } from '../auth/role.enum';
import { ForbiddenError, UnauthorizedError } from '../errors/domain.error';
import { ApiProblems } from '../openapi/problem.response';

export const ROLES_KEY = 'roles';
/** The OpenAPI extension on each operation that names the roles it admits. */
export const ROLES_EXTENSION = 'x-roles';

/**
 * Narrows a route to the given roles (and documents its security in OpenAPI). A non-public route
 * without it answers 403 to everyone.
 */
export const Roles = (...roles: Role[]) =>
  applyDecorators(
    SetMetadata(ROLES_KEY, roles),
    ApiOAuth2([], 'oauth2'),
    // Read by the document's post-processing, which says in each operation's description who may call it.
    ApiExtension(ROLES_EXTENSION, roles),
    ApiBearerAuth('bearer'),
    // As the guards answer: a missing, invalid, expired or revoked token; a role the route does not admit.
    ApiProblems(
      new UnauthorizedError('A valid bearer token is required.'),
      ...(ALL_ROLES.every((role) => roles.includes(role)) ? [] : [new ForbiddenError('Your role does not allow this action.')]),
    ),
  );

/** Any signed-in user, whatever the role: ownership is then checked by the service. */
export const AnyRole = () => Roles(...ALL_ROLES);
