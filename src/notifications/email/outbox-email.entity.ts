import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { MailCalendar } from '../../mail/mail-message';

export enum OutboxEmailStatus {
  PENDING = 'PENDING',
  SENT = 'SENT',
  /** The server refused it for good (a 5xx on the envelope or message): retrying cannot help. */
  FAILED = 'FAILED',
}

/** One e-mail to send, written in the transaction that caused it and retried from here until sent. */
@Entity({ name: 'email_outbox' })
export class OutboxEmailEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'notification_id', type: 'uuid', nullable: true })
  notificationId: string | null;

  @Column({ type: 'varchar', length: 64 })
  kind: string;

  @Column({ type: 'varchar', length: 254 })
  recipient: string;

  @Column({ type: 'varchar', length: 300 })
  subject: string;

  @Column({ type: 'text' })
  body: string;

  /** The calendar invite attached to the e-mail, rendered when it was queued (null: none). */
  @Column({ type: 'jsonb', nullable: true })
  calendar: MailCalendar | null;

  @Column({ type: 'varchar', length: 8 })
  status: OutboxEmailStatus;

  @Column({ type: 'int' })
  attempts: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz' })
  nextAttemptAt: Date;

  /** Claimed by a sender until then (null: free); a claim that ran out (its sender died) may be taken again. */
  @Column({ name: 'claimed_until', type: 'timestamptz', nullable: true })
  claimedUntil: Date | null;

  @Column({ name: 'last_error', type: 'varchar', length: 1000, nullable: true })
  lastError: string | null;

  @Column({ name: 'transport_message_id', type: 'varchar', length: 300, nullable: true })
  transportMessageId: string | null;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
