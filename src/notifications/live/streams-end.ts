/**
 * Which live streams must close because the sessions they were opened in ended: one session's (logout,
 * a session ended by its owner, a refresh token reused), or every stream of the user (all sessions ended).
 * Travels as is between instances.
 */
export interface StreamsEnd {
  userId: string;
  /** Only the streams opened with a token of this session; absent, all of the user's. */
  sessionId?: string;
}

export function isStreamsEnd(value: unknown): value is StreamsEnd {
  const candidate = value as Partial<StreamsEnd> | null;
  return typeof candidate?.userId === 'string' && (candidate.sessionId === undefined || typeof candidate.sessionId === 'string');
}
