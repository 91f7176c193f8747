import { Role } from './role.enum';

/** The caller of an authenticated request, as the JWT strategy resolved it. */
export interface AuthUser {
  id: string;
  email: string;
  role: Role;
  /** The access token's id and expiry, for logout. */
  jti: string;
  exp: number;
  /** The session the token belongs to (`sid`); null for a token issued before sessions existed. */
  sessionId: string | null;
}
