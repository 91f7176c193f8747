import { isSessionLive, OpenSession } from './session-state';

describe('isSessionLive', () => {
  const start = Date.parse('2026-12-01T10:00:00.000Z');
  const session: OpenSession = { userId: 'u', createdAt: new Date(start), expiresAt: new Date(start + 3_600_000) };
  const unchanged = new Date(start - 86_400_000);

  it('stands between its start and its absolute end', () => {
    expect(isSessionLive(session, unchanged, start)).toBe(true);
    expect(isSessionLive(session, unchanged, start + 3_599_999)).toBe(true);
    expect(isSessionLive(session, unchanged, start + 3_600_000)).toBe(false);
  });

  it('ends when the credentials change after it started, not when they changed before (or as it started)', () => {
    expect(isSessionLive(session, new Date(start + 1), start + 2)).toBe(false);
    expect(isSessionLive(session, new Date(start), start + 2)).toBe(true);
    expect(isSessionLive(session, new Date(start - 1), start + 2)).toBe(true);
  });
});
