import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Sql } from '../database/sql';

export interface StoredResponse {
  status: number;
  body: string;
  contentType: string;
}

/** The hold one request has on a key: a request whose key was taken over can no longer write to it. */
export interface IdempotencyClaim {
  userId: string;
  key: string;
  claim: string;
}

export type Reservation =
  | { outcome: 'reserved'; claim: string }
  | { outcome: 'in-progress' }
  | { outcome: 'mismatch' }
  | { outcome: 'completed'; response: StoredResponse }
  /** Still in progress, but its request created `resourceId`: the answer comes from that resource's state. */
  | { outcome: 'linked'; resourceId: string };

interface KeyRow {
  fingerprint: string;
  state: 'IN_PROGRESS' | 'COMPLETED';
  resource_id: string | null;
  response_status: number | null;
  response_body: string | null;
  response_content_type: string | null;
}

const toStored = (row: Pick<KeyRow, 'response_status' | 'response_body' | 'response_content_type'>): StoredResponse => ({
  status: row.response_status ?? 200,
  body: row.response_body ?? '',
  contentType: row.response_content_type ?? 'application/json',
});

/** Idempotency keys in PostgreSQL, so every instance behind the load balancer sees the same ones. */
@Injectable()
export class IdempotencyRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly sql: Sql,
  ) {}

  /**
   * Claims `key` for this request, or reports what is already there. Expired keys, and keys whose request
   * died mid-way (in progress longer than `staleAfterMs`) before creating anything, are taken over; a key
   * linked to what its request created never is (until it expires).
   */
  async reserve(userId: string, key: string, fingerprint: string, ttlMs: number, staleAfterMs: number): Promise<Reservation> {
    const claimed: Array<{ claim: string }> = await this.dataSource.query(
      `INSERT INTO idempotency_keys (user_id, key, fingerprint, state, expires_at)
       VALUES ($1, $2, $3, 'IN_PROGRESS', now() + $4 * interval '1 millisecond')
       ON CONFLICT (user_id, key) DO UPDATE
         SET fingerprint = EXCLUDED.fingerprint, state = 'IN_PROGRESS', locked_at = now(), claim = gen_random_uuid(), resource_id = NULL,
             expires_at = EXCLUDED.expires_at, response_status = NULL, response_body = NULL, response_content_type = NULL
         WHERE idempotency_keys.expires_at < now()
            OR (idempotency_keys.state = 'IN_PROGRESS' AND idempotency_keys.resource_id IS NULL
                AND idempotency_keys.locked_at < now() - $5 * interval '1 millisecond')
       RETURNING claim`,
      [userId, key, fingerprint, ttlMs, staleAfterMs],
    );
    if (claimed.length) return { outcome: 'reserved', claim: claimed[0].claim };
    const [row]: KeyRow[] = await this.dataSource.query(
      `SELECT fingerprint, state, resource_id, response_status, response_body, response_content_type FROM idempotency_keys WHERE user_id = $1 AND key = $2`,
      [userId, key],
    );
    if (!row) return this.reserve(userId, key, fingerprint, ttlMs, staleAfterMs);
    if (row.fingerprint !== fingerprint) return { outcome: 'mismatch' };
    if (row.state === 'COMPLETED') return { outcome: 'completed', response: toStored(row) };
    return row.resource_id ? { outcome: 'linked', resourceId: row.resource_id } : { outcome: 'in-progress' };
  }

  /**
   * Links the key to what its request created, in the transaction that creates it: from then on the key is
   * answered from that resource and never executed again. False when the request no longer holds the key.
   */
  async linkResource(manager: EntityManager, claim: IdempotencyClaim, resourceId: string): Promise<boolean> {
    const { rowCount } = await this.sql.query(
      `UPDATE idempotency_keys SET resource_id = $4
        WHERE user_id = $1 AND key = $2 AND claim = $3 AND state = 'IN_PROGRESS' AND resource_id IS NULL`,
      [claim.userId, claim.key, claim.claim, resourceId],
      manager,
    );
    return rowCount === 1;
  }

  /** Stores the response of the request holding the key (a no-op once it lost the key or the answer is stored). */
  async complete(claim: IdempotencyClaim, response: StoredResponse): Promise<void> {
    await this.dataSource.query(
      `UPDATE idempotency_keys SET state = 'COMPLETED', response_status = $4, response_body = $5, response_content_type = $6
        WHERE user_id = $1 AND key = $2 AND claim = $3 AND state = 'IN_PROGRESS'`,
      [claim.userId, claim.key, claim.claim, response.status, response.body, response.contentType],
    );
  }

  /**
   * Stores `response` as the answer of a key linked to `resourceId`, unless one is stored already, and
   * returns the stored answer (so every replay is the same bytes, whichever request stored it).
   */
  async completeLinked(userId: string, key: string, resourceId: string, response: StoredResponse): Promise<StoredResponse> {
    await this.dataSource.query(
      `UPDATE idempotency_keys SET state = 'COMPLETED', response_status = $4, response_body = $5, response_content_type = $6
        WHERE user_id = $1 AND key = $2 AND resource_id = $3 AND state = 'IN_PROGRESS'`,
      [userId, key, resourceId, response.status, response.body, response.contentType],
    );
    const [row]: KeyRow[] = await this.dataSource.query(
      `SELECT response_status, response_body, response_content_type FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND state = 'COMPLETED'`,
      [userId, key],
    );
    return row ? toStored(row) : response;
  }

  /** Frees the key of a request that ended without an answer worth keeping, unless it created something. */
  async release(claim: IdempotencyClaim): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND claim = $3 AND state = 'IN_PROGRESS' AND resource_id IS NULL`,
      [claim.userId, claim.key, claim.claim],
    );
  }

  async deleteExpired(): Promise<number> {
    const [, count] = await this.dataSource.query<[unknown, number]>(`DELETE FROM idempotency_keys WHERE expires_at < now()`);
    return count;
  }
}
