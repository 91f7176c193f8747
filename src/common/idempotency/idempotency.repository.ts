import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface StoredResponse {
  status: number;
  body: string;
  contentType: string;
}

export type Reservation =
  | { outcome: 'reserved' }
  | { outcome: 'in-progress' }
  | { outcome: 'mismatch' }
  | { outcome: 'completed'; response: StoredResponse };

interface KeyRow {
  fingerprint: string;
  state: 'IN_PROGRESS' | 'COMPLETED';
  response_status: number | null;
  response_body: string | null;
  response_content_type: string | null;
}

/** Idempotency keys in PostgreSQL, so every instance behind the load balancer sees the same ones. */
@Injectable()
export class IdempotencyRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Claims `key` for this request, or reports what is already there. Expired keys, and keys whose
   * request died mid-way (in progress longer than `staleAfterMs`), are taken over.
   */
  async reserve(userId: string, key: string, fingerprint: string, ttlMs: number, staleAfterMs: number): Promise<Reservation> {
    const claimed: unknown[] = await this.dataSource.query(
      `INSERT INTO idempotency_keys (user_id, key, fingerprint, state, expires_at)
       VALUES ($1, $2, $3, 'IN_PROGRESS', now() + $4 * interval '1 millisecond')
       ON CONFLICT (user_id, key) DO UPDATE
         SET fingerprint = EXCLUDED.fingerprint, state = 'IN_PROGRESS', locked_at = now(),
             expires_at = EXCLUDED.expires_at, response_status = NULL, response_body = NULL, response_content_type = NULL
         WHERE idempotency_keys.expires_at < now()
            OR (idempotency_keys.state = 'IN_PROGRESS' AND idempotency_keys.locked_at < now() - $5 * interval '1 millisecond')
       RETURNING 1`,
      [userId, key, fingerprint, ttlMs, staleAfterMs],
    );
    if (claimed.length) return { outcome: 'reserved' };
    const [row]: KeyRow[] = await this.dataSource.query(
      `SELECT fingerprint, state, response_status, response_body, response_content_type FROM idempotency_keys WHERE user_id = $1 AND key = $2`,
      [userId, key],
    );
    if (!row) return this.reserve(userId, key, fingerprint, ttlMs, staleAfterMs);
    if (row.fingerprint !== fingerprint) return { outcome: 'mismatch' };
    if (row.state === 'IN_PROGRESS') return { outcome: 'in-progress' };
    return {
      outcome: 'completed',
      response: { status: row.response_status ?? 200, body: row.response_body ?? '', contentType: row.response_content_type ?? 'application/json' },
    };
  }

  async complete(userId: string, key: string, response: StoredResponse): Promise<void> {
    await this.dataSource.query(
      `UPDATE idempotency_keys SET state = 'COMPLETED', response_status = $3, response_body = $4, response_content_type = $5
        WHERE user_id = $1 AND key = $2`,
      [userId, key, response.status, response.body, response.contentType],
    );
  }

  async release(userId: string, key: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND state = 'IN_PROGRESS'`, [userId, key]);
  }

  async deleteExpired(): Promise<number> {
    const [, count] = await this.dataSource.query<[unknown, number]>(`DELETE FROM idempotency_keys WHERE expires_at < now()`);
    return count;
  }
}
