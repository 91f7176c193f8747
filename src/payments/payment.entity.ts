import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { numericTransformer } from '../common/database/numeric.transformer';

export enum PaymentStatus {
  PENDING = 'PENDING',
  SUCCESS = 'SUCCESS',
  FAILED = 'FAILED',
  PARTIALLY_REFUNDED = 'PARTIALLY_REFUNDED',
  REFUNDED = 'REFUNDED',
  /** Funds held for a booking request, not taken: the provider's accept captures them (SUCCESS), a decline voids them. */
  AUTHORIZED = 'AUTHORIZED',
  /** A held authorization released: nothing was taken. */
  VOIDED = 'VOIDED',
}

/** Only what may be kept of a card: never its number. */
export interface StoredPaymentMethod {
  type: string;
  brand: string;
  last4: string;
}

@Entity({ name: 'payments' })
export class PaymentEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'booking_id', type: 'uuid', nullable: true })
  bookingId: string | null;

  @Column({ name: 'service_id', type: 'uuid' })
  serviceId: string;

  /** When the booking paid for starts: kept when a declined attempt releases its booking. */
  @Column({ name: 'scheduled_at', type: 'timestamptz', nullable: true })
  scheduledAt: Date | null;

  @Column({ name: 'customer_id', type: 'uuid' })
  customerId: string;

  @Column({ name: 'provider_id', type: 'uuid' })
  providerId: string;

  @Column({ type: 'varchar', length: 20 })
  status: PaymentStatus;

  @Column({ type: 'numeric', precision: 10, scale: 2, transformer: numericTransformer })
  amount: number;

  @Column({ name: 'refunded_amount', type: 'numeric', precision: 10, scale: 2, transformer: numericTransformer })
  refundedAmount: number;

  @Column({ type: 'char', length: 3 })
  currency: string;

  @Column({ name: 'transaction_id', type: 'varchar', length: 100, nullable: true })
  transactionId: string | null;

  @Column({ name: 'payment_method', type: 'jsonb' })
  paymentMethod: StoredPaymentMethod;

  @Column({ name: 'failure_reason', type: 'varchar', length: 500, nullable: true })
  failureReason: string | null;

  /** A booking request's payment: authorized (held) first, captured or voided on the provider's answer. */
  @Column({ name: 'authorize_only', type: 'boolean', default: false })
  authorizeOnly: boolean;

  /** When an accept asked the gateway to capture (the reconciler finishes a capture whose process died). */
  @Column({ name: 'capture_requested_at', type: 'timestamptz', nullable: true })
  captureRequestedAt: Date | null;

  /** When the gateway confirmed the void of a VOIDED authorization (null: the reconciler retries it). */
  @Column({ name: 'voided_at', type: 'timestamptz', nullable: true })
  voidedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
