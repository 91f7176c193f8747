import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Role } from '../../common/auth/role.enum';
import { prepared, Sql } from '../../common/database/sql';
import { OpenSessionsCache } from './open-sessions.cache';
import { OpenSession } from './session-state';
import { SessionEndReason } from './session.entity';

/** A session as `GET /auth/sessions` shows it. */
export interface SessionRow extends OpenSession {
  id: string;
  lastUsedAt: Date;
  userAgent: string | null;
  ip: string | null;
}

/** Who opens a session: the account, and the client as the request tells it. */
export interface NewSession {
  userId: string;
  ttlSeconds: number;
  userAgent: string | null;
  ip: string | null;
  refreshTokenHash: string;
}

/** A session locked for a refresh, with what the new access token and the rule need of its account. */
export interface SessionForRefresh {
  session: OpenSession & { id: string; ended: boolean };
  account: { role: Role; credentialsChangedAt: Date; active: boolean };
}

/** The most sessions `GET /auth/sessions` lists (the most recently used). */
export const MAX_LISTED_SESSIONS = 100;

/** Expired sessions, and those ended longer ago than any access token lives, go at most this many at a time. */
const PRUNE_BATCH = 500;

const OPEN_SESSION = prepared('SELECT user_id, created_at, expires_at FROM sessions WHERE id = $1 AND ended_at IS NULL');

type OpenRow = { user_id: string; created_at: Date; expires_at: Date };
const fromOpenRow = (row: OpenRow): OpenSession => ({ userId: row.user_id, createdAt: row.created_at, expiresAt: row.expires_at });

/** Sessions and their refresh tokens (stored as SHA-256 only), in plain SQL. */
@Injectable()
export class SessionsRepository {
  constructor(
    private readonly sql: Sql,
    private readonly cache: OpenSessionsCache,
  ) {}

  /** The session and its first refresh token, in one statement. */
  async open(session: NewSession): Promise<{ id: string; createdAt: Date; expiresAt: Date }> {
    const [row] = await this.sql.rows<{ id: string; created_at: Date; expires_at: Date }>(
      `WITH s AS (
         INSERT INTO sessions (user_id, expires_at, user_agent, ip) VALUES ($1, now() + make_interval(secs => $2), $3, $4)
         RETURNING id, created_at, expires_at
       ), t AS (
         INSERT INTO refresh_tokens (token_hash, session_id) SELECT $5, id FROM s
       )
       SELECT id, created_at, expires_at FROM s`,
      [session.userId, session.ttlSeconds, session.userAgent, session.ip, session.refreshTokenHash],
    );
    return { id: row.id, createdAt: row.created_at, expiresAt: row.expires_at };
  }

  /** The session an access token names, if it has not been ended (cached: every request with a `sid` asks). */
  findOpen(sessionId: string): Promise<OpenSession | null> {
    return this.cache.get(sessionId, async () => {
      const [row] = await this.sql.rows<OpenRow>(OPEN_SESSION, [sessionId]);
      return row ? fromOpenRow(row) : null;
    });
  }

  /**
   * Marks the refresh token rotated if it is the current one of its session: the session's id for the one
   * caller that did, null for everyone else (unknown, or already rotated: two refreshes at once, one wins).
   */
  async claimCurrentToken(tokenHash: string, manager: EntityManager): Promise<string | null> {
    const [row] = await this.sql.rows<{ session_id: string }>(
      'UPDATE refresh_tokens SET rotated_at = now() WHERE token_hash = $1 AND rotated_at IS NULL RETURNING session_id',
      [tokenHash],
      manager,
    );
    return row?.session_id ?? null;
  }

  /** The session a (rotated) refresh token was given to, and its user; null for a token this service never issued. */
  async findOwnerOfToken(tokenHash: string, manager: EntityManager): Promise<{ sessionId: string; userId: string } | null> {
    const [row] = await this.sql.rows<{ session_id: string; user_id: string }>(
      'SELECT t.session_id, s.user_id FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id WHERE t.token_hash = $1',
      [tokenHash],
      manager,
    );
    return row ? { sessionId: row.session_id, userId: row.user_id } : null;
  }

  /** The session, locked until the transaction ends (an end waits for the refresh, or the refresh for the end). */
  async lockForRefresh(sessionId: string, manager: EntityManager): Promise<SessionForRefresh | null> {
    const [row] = await this.sql.rows<OpenRow & { ended: boolean; role: Role; credentials_changed_at: Date; active: boolean }>(
      `SELECT s.user_id, s.created_at, s.expires_at, s.ended_at IS NOT NULL AS ended,
              u.role, u.credentials_changed_at, u.deleted_at IS NULL AS active
         FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE s.id = $1
          FOR UPDATE OF s`,
      [sessionId],
      manager,
    );
    if (!row) return null;
    return {
      session: { id: sessionId, ...fromOpenRow(row), ended: row.ended },
      account: { role: row.role, credentialsChangedAt: row.credentials_changed_at, active: row.active },
    };
  }

  /** The session's next refresh token; the session was used now, by this client. */
  async addToken(sessionId: string, tokenHash: string, client: { userAgent: string | null; ip: string | null }, manager: EntityManager): Promise<void> {
    await this.sql.query('INSERT INTO refresh_tokens (token_hash, session_id) VALUES ($1, $2)', [tokenHash, sessionId], manager);
    await this.sql.query(
      'UPDATE sessions SET last_used_at = now(), user_agent = COALESCE($2, user_agent), ip = COALESCE($3, ip) WHERE id = $1',
      [sessionId, client.userAgent, client.ip],
      manager,
    );
  }

  /**
   * Ends one open session (of `userId`, when given): its user's id for the caller that ended it, null when
   * there was none to end. Every instance refuses its access tokens at once (the cache says so).
   */
  async end(sessionId: string, reason: SessionEndReason, manager: EntityManager, userId?: string): Promise<{ userId: string } | null> {
    const [row] = await this.sql.rows<{ user_id: string }>(
      `UPDATE sessions SET ended_at = now(), end_reason = $2
        WHERE id = $1 AND ended_at IS NULL AND ($3::uuid IS NULL OR user_id = $3)
        RETURNING user_id`,
      [sessionId, reason, userId ?? null],
      manager,
    );
    if (!row) return null;
    await this.cache.ended(sessionId);
    return { userId: row.user_id };
  }

  /**
   * Records why every open session of the user ended. Their tokens are refused by the credentials change
   * that comes with it (see isSessionLive), whatever the cache holds; this keeps the rows truthful.
   */
  async endAllOf(userId: string, reason: SessionEndReason, manager: EntityManager): Promise<void> {
    await this.sql.query('UPDATE sessions SET ended_at = now(), end_reason = $2 WHERE user_id = $1 AND ended_at IS NULL', [userId, reason], manager);
  }

  /** The user's sessions not ended, most recently used first, at most MAX_LISTED_SESSIONS (the caller applies isSessionLive). */
  async listOpenOf(userId: string): Promise<SessionRow[]> {
    const rows = await this.sql.rows<OpenRow & { id: string; last_used_at: Date; user_agent: string | null; ip: string | null }>(
      `SELECT id, user_id, created_at, expires_at, last_used_at, user_agent, ip
         FROM sessions WHERE user_id = $1 AND ended_at IS NULL AND expires_at > now()
        ORDER BY last_used_at DESC, id
        LIMIT $2`,
      [userId, MAX_LISTED_SESSIONS],
    );
    return rows.map((row) => ({ ...fromOpenRow(row), id: row.id, lastUsedAt: row.last_used_at, userAgent: row.user_agent, ip: row.ip }));
  }

  /**
   * Deletes (with their refresh tokens) sessions past their lifetime, and those ended longer ago than any
   * access token of theirs can live: nothing can use them any more. A bounded batch, cheap to run often.
   */
  async pruneExpired(accessTokenTtlSeconds: number): Promise<void> {
    await this.sql.query(
      `DELETE FROM sessions WHERE id IN (
         SELECT id FROM sessions WHERE expires_at < now()
         UNION ALL
         SELECT id FROM sessions WHERE ended_at < now() - make_interval(secs => $1)
         LIMIT $2)`,
      [accessTokenTtlSeconds, PRUNE_BATCH],
    );
  }
}
