import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { SessionsEndedEvent } from '../../users/events/sessions-ended.event';

/** Why a session ended (`end_reason`): one session alone, or all of its user's (SessionsEndedEvent's reasons). */
export type SessionEndReason = 'logout' | 'ended_by_user' | 'refresh_token_reused' | SessionsEndedEvent['reason'];

/**
 * One sign-in (a login or a sign-in link): its access tokens carry its id as `sid`, its refresh tokens
 * rotate within it. Plain SQL in SessionsRepository reads and writes it; the entity describes the table.
 */
@Entity({ name: 'sessions' })
export class SessionEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz' })
  lastUsedAt: Date;

  /** The absolute end (JWT_REFRESH_TOKEN_EXPIRE_DAYS after the sign-in), whatever the refreshes. */
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'user_agent', type: 'varchar', length: 500, nullable: true })
  userAgent: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip: string | null;

  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true })
  endedAt: Date | null;

  @Column({ name: 'end_reason', type: 'varchar', length: 32, nullable: true })
  endReason: SessionEndReason | null;
}
