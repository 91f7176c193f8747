/** What checking a token against its session needs: a session that has not been ended. */
export interface OpenSession {
  userId: string;
  createdAt: Date;
  expiresAt: Date;
}

/**
 * The one rule for whether a session still stands, for its access tokens (every request), its refresh
 * tokens and the list of sessions: not ended (the caller only has open ones), not past its absolute
 * lifetime, and started after its user's credentials last changed (password change or reset, logout
 * everywhere, ...: the change ends every session that began before it).
 */
export function isSessionLive(session: OpenSession, credentialsChangedAt: Date, now = Date.now()): boolean {
  return session.expiresAt.getTime() > now && session.createdAt.getTime() >= credentialsChangedAt.getTime();
}
