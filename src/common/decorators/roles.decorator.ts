import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiOAuth2, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ALL_ROLES, Role } from '../auth/role.enum';

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
    ApiUnauthorizedResponse({ description: 'Missing, invalid, expired or revoked token' }),
    ApiForbiddenResponse({ description: `Only for: ${roles.join(', ')}` }),
  );

/** Any signed-in user, whatever the role: ownership is then checked by the service. */
export const AnyRole = () => Roles(...ALL_ROLES);
