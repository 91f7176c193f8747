import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { numericTransformer } from '../common/database/numeric.transformer';

export enum RefundStatus {
  /** Reserved against the payment, not yet confirmed by the gateway (retried by the reconciler). */
  PENDING = 'PENDING',
  SUCCEEDED = 'SUCCEEDED',
}

export enum RefundKind {
  REFUND = 'refund',
  /** Gives back a charge approved for an attempt that had already failed: no booking ever stood on it. */
  VOID = 'void',
}

@Entity({ name: 'refunds' })
export class RefundEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'payment_id', type: 'uuid' })
  paymentId: string;

  @Column({ type: 'numeric', precision: 10, scale: 2, transformer: numericTransformer })
  amount: number;

  @Column({ type: 'varchar', length: 500 })
  reason: string;

  @Column({ type: 'varchar', length: 16 })
  status: RefundStatus;

  @Column({ type: 'varchar', length: 8, default: RefundKind.REFUND })
  kind: RefundKind;

  @Column({ name: 'transaction_id', type: 'varchar', length: 100, nullable: true })
  transactionId: string | null;

  @Column({ name: 'requested_by', type: 'uuid', nullable: true })
  requestedBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
