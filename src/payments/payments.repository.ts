import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, LessThan, Repository } from 'typeorm';
import { AuthUser } from '../common/auth/auth-user';
import { Role } from '../common/auth/role.enum';
import { Sql } from '../common/database/sql';
import { exactTime, Keyset, KeysetPosition } from '../common/pagination/keyset';
import { MAX_COUNTED } from '../common/pagination/pagination';
import { PaymentEntity, PaymentStatus, StoredPaymentMethod } from './payment.entity';
import { RefundEntity, RefundKind, RefundStatus } from './refund.entity';

export interface NewPendingPayment {
  bookingId: string;
  serviceId: string;
  /** When the booking paid for starts. */
  scheduledAt: Date;
  customerId: string;
  providerId: string;
  amount: number;
  currency: string;
  paymentMethod: StoredPaymentMethod;
}

const COLUMNS =
  'id, booking_id, service_id, scheduled_at, customer_id, provider_id, status, amount, refunded_amount, currency, transaction_id, payment_method, failure_reason, authorize_only, capture_requested_at, voided_at, created_at, updated_at';

interface PaymentRow {
  id: string;
  booking_id: string | null;
  service_id: string;
  scheduled_at: Date | null;
  customer_id: string;
  provider_id: string;
  status: PaymentStatus;
  amount: string;
  refunded_amount: string;
  currency: string;
  transaction_id: string | null;
  payment_method: StoredPaymentMethod;
  failure_reason: string | null;
  authorize_only: boolean;
  capture_requested_at: Date | null;
  voided_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** A listed payment with its creation time as an exact string, for the cursor. */
type ListedRow = PaymentRow & { cursor_at: string };

/**
 * Lists go newest first, then by id. Each scope has an index in that order (`payments_customer_idx`,
 * `payments_provider_idx`, and `payments_created_idx` for admins), so a page costs the same at any depth.
 */
export const PAYMENTS_KEYSET = new Keyset<ListedRow>(
  'payments',
  [
    { sql: 'p.created_at', kind: 'time' },
    { sql: 'p.id', kind: 'uuid' },
  ],
  true,
  (row) => [row.cursor_at, row.id],
);

const fromRow = (row: PaymentRow): PaymentEntity =>
  Object.assign(new PaymentEntity(), {
    id: row.id,
    bookingId: row.booking_id,
    serviceId: row.service_id,
    scheduledAt: row.scheduled_at,
    customerId: row.customer_id,
    providerId: row.provider_id,
    status: row.status,
    amount: Number(row.amount),
    refundedAmount: Number(row.refunded_amount),
    currency: row.currency,
    transactionId: row.transaction_id,
    paymentMethod: row.payment_method,
    failureReason: row.failure_reason,
    authorizeOnly: row.authorize_only,
    captureRequestedAt: row.capture_requested_at,
    voidedAt: row.voided_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });

@Injectable()
export class PaymentsRepository {
  constructor(
    @InjectRepository(PaymentEntity) private readonly payments: Repository<PaymentEntity>,
    @InjectRepository(RefundEntity) private readonly refunds: Repository<RefundEntity>,
    private readonly sql: Sql,
  ) {}

  async insertPending(manager: EntityManager, payment: NewPendingPayment): Promise<PaymentEntity> {
    const [row] = await this.sql.rows<PaymentRow>(
      `INSERT INTO payments (booking_id, service_id, scheduled_at, customer_id, provider_id, status, amount, refunded_amount, currency, transaction_id, payment_method, failure_reason)
       VALUES ($1, $2, $9, $3, $4, $5, $6, 0, $7, NULL, $8, NULL)
       RETURNING ${COLUMNS}`,
      [
        payment.bookingId,
        payment.serviceId,
        payment.customerId,
        payment.providerId,
        PaymentStatus.PENDING,
        payment.amount,
        payment.currency,
        payment.paymentMethod,
        payment.scheduledAt,
      ],
      manager,
    );
    return fromRow(row);
  }

  /** A booking request's payment: PENDING until the gateway authorizes it (funds held, not taken). */
  async insertPendingAuthorization(manager: EntityManager, payment: NewPendingPayment): Promise<PaymentEntity> {
    const [row] = await this.sql.rows<PaymentRow>(
      `INSERT INTO payments (booking_id, service_id, scheduled_at, customer_id, provider_id, status, amount, refunded_amount, currency, payment_method, authorize_only)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9, true)
       RETURNING ${COLUMNS}`,
      [
        payment.bookingId,
        payment.serviceId,
        payment.scheduledAt,
        payment.customerId,
        payment.providerId,
        PaymentStatus.PENDING,
        payment.amount,
        payment.currency,
        payment.paymentMethod,
      ],
      manager,
    );
    return fromRow(row);
  }

  /** PENDING -> AUTHORIZED (the gateway holds the funds), only if still PENDING. */
  async markAuthorized(manager: EntityManager, id: string, transactionId: string): Promise<boolean> {
    const { rowCount } = await this.sql.query(
      `UPDATE payments SET status = $3, transaction_id = $2, updated_at = CURRENT_TIMESTAMP WHERE id = $1 AND status = $4`,
      [id, transactionId, PaymentStatus.AUTHORIZED, PaymentStatus.PENDING],
      manager,
    );
    return rowCount === 1;
  }

  /**
   * Marks an accept under way, compare-and-swap: true for the one caller that may capture. From then on only
   * the capture decides the payment (a void or a second accept is refused; the reconciler finishes it).
   */
  async requestCapture(manager: EntityManager, id: string): Promise<boolean> {
    const { rowCount } = await this.sql.query(
      `UPDATE payments SET capture_requested_at = CURRENT_TIMESTAMP, updated_at = CURRENT_TIMESTAMP
        WHERE id = $1 AND status = $2 AND capture_requested_at IS NULL`,
      [id, PaymentStatus.AUTHORIZED],
      manager,
    );
    return rowCount === 1;
  }

  /** AUTHORIZED (capture requested) -> SUCCESS with the capture's transaction, only once. */
  async markCaptured(manager: EntityManager, id: string, transactionId: string): Promise<boolean> {
    const { rowCount } = await this.sql.query(
      `UPDATE payments SET status = $3, transaction_id = $2, updated_at = CURRENT_TIMESTAMP
        WHERE id = $1 AND status = $4 AND capture_requested_at IS NOT NULL`,
      [id, transactionId, PaymentStatus.SUCCESS, PaymentStatus.AUTHORIZED],
      manager,
    );
    return rowCount === 1;
  }

  /**
   * AUTHORIZED -> VOIDED, only while no capture is under way (`capturing`: the capture's own failure, which
   * may). `releasedAt`: when the gateway has nothing held any more (a refused capture); null while the void is
   * still to be made at the gateway (after commit, retried by the reconciler until `confirmVoid`).
   */
  async markVoided(manager: EntityManager, id: string, releasedAt: Date | null, capturing = false): Promise<boolean> {
    const { rowCount } = await this.sql.query(
      `UPDATE payments SET status = $2, voided_at = $3, updated_at = CURRENT_TIMESTAMP
        WHERE id = $1 AND status = $4 AND (capture_requested_at IS NULL OR $5::boolean)`,
      [id, PaymentStatus.VOIDED, releasedAt, PaymentStatus.AUTHORIZED, capturing],
      manager,
    );
    return rowCount === 1;
  }

  /**
   * PENDING -> VOIDED: the gateway authorized a request whose booking had meanwhile been closed (cancelled);
   * the authorization is recorded and voided (after commit, retried by the reconciler). Only if still PENDING.
   */
  async markAuthorizationVoided(manager: EntityManager, id: string, transactionId: string): Promise<boolean> {
    const { rowCount } = await this.sql.query(
      `UPDATE payments SET status = $2, transaction_id = $3, voided_at = NULL, updated_at = CURRENT_TIMESTAMP WHERE id = $1 AND status = $4`,
      [id, PaymentStatus.VOIDED, transactionId, PaymentStatus.PENDING],
      manager,
    );
    return rowCount === 1;
  }

  /** The gateway confirmed the void of a VOIDED authorization. */
  async confirmVoid(id: string): Promise<void> {
    await this.sql.query(`UPDATE payments SET voided_at = CURRENT_TIMESTAMP WHERE id = $1 AND status = $2 AND voided_at IS NULL`, [id, PaymentStatus.VOIDED]);
  }

  /** Accepts whose process died between the capture and its commit (or before the capture). */
  async listStaleCaptures(olderThan: Date): Promise<PaymentEntity[]> {
    const rows = await this.sql.rows<PaymentRow>(
      `SELECT ${COLUMNS} FROM payments WHERE status = $1 AND capture_requested_at IS NOT NULL AND capture_requested_at < $2 ORDER BY capture_requested_at LIMIT 100`,
      [PaymentStatus.AUTHORIZED, olderThan],
    );
    return rows.map(fromRow);
  }

  /** Voided authorizations whose void the gateway has not confirmed yet. */
  async listUnconfirmedVoids(olderThan: Date): Promise<PaymentEntity[]> {
    const rows = await this.sql.rows<PaymentRow>(
      `SELECT ${COLUMNS} FROM payments WHERE status = $1 AND voided_at IS NULL AND updated_at < $2 ORDER BY updated_at LIMIT 100`,
      [PaymentStatus.VOIDED, olderThan],
    );
    return rows.map(fromRow);
  }

  /** PENDING -> SUCCESS, only if still PENDING. */
  async markSucceeded(manager: EntityManager, id: string, transactionId: string): Promise<boolean> {
    const { rowCount } = await this.sql.query(
      `UPDATE payments SET status = $3, transaction_id = $2, updated_at = CURRENT_TIMESTAMP WHERE id = $1 AND status = $4`,
      [id, transactionId, PaymentStatus.SUCCESS, PaymentStatus.PENDING],
      manager,
    );
    return rowCount === 1;
  }

  /** PENDING -> FAILED, releasing the booking reference; only if still PENDING. */
  async markFailed(manager: EntityManager, id: string, reason: string, transactionId: string | null): Promise<boolean> {
    const result = await manager
      .getRepository(PaymentEntity)
      .update({ id, status: PaymentStatus.PENDING }, { status: PaymentStatus.FAILED, failureReason: reason, transactionId, bookingId: null });
    return result.affected === 1;
  }

  /**
   * Records on a FAILED payment the charge the gateway approved for it all the same, as refunded in full
   * (the void is its refund row). Only once: true when this call recorded it.
   */
  async markChargeVoided(manager: EntityManager, id: string, transactionId: string): Promise<boolean> {
    const { rowCount } = await this.sql.query(
      `UPDATE payments SET transaction_id = $2, refunded_amount = amount, updated_at = CURRENT_TIMESTAMP WHERE id = $1 AND status = $3 AND refunded_amount = 0`,
      [id, transactionId, PaymentStatus.FAILED],
      manager,
    );
    return rowCount === 1;
  }

  findById(id: string, manager?: EntityManager): Promise<PaymentEntity | null> {
    return (manager ?? this.payments.manager).getRepository(PaymentEntity).findOne({ where: { id } });
  }

  findByBooking(bookingId: string, manager?: EntityManager): Promise<PaymentEntity | null> {
    return (manager ?? this.payments.manager).getRepository(PaymentEntity).findOne({ where: { bookingId } });
  }

  /** Locks the payment row for the rest of the transaction: refunds of one payment run one at a time. */
  lockById(manager: EntityManager, id: string): Promise<PaymentEntity | null> {
    return manager.getRepository(PaymentEntity).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  async addRefunded(manager: EntityManager, payment: PaymentEntity, amount: number): Promise<PaymentEntity> {
    const refundedAmount = Math.round((payment.refundedAmount + amount) * 100) / 100;
    const status = refundedAmount >= payment.amount ? PaymentStatus.REFUNDED : PaymentStatus.PARTIALLY_REFUNDED;
    await manager.getRepository(PaymentEntity).update({ id: payment.id }, { refundedAmount, status });
    return Object.assign(payment, { refundedAmount, status });
  }

  insertPendingRefund(
    manager: EntityManager,
    refund: { paymentId: string; amount: number; reason: string; requestedBy: string | null; kind?: RefundKind },
  ): Promise<RefundEntity> {
    const repo = manager.getRepository(RefundEntity);
    return repo.save(repo.create({ kind: RefundKind.REFUND, ...refund, status: RefundStatus.PENDING, transactionId: null }));
  }

  async markRefundSucceeded(id: string, transactionId: string): Promise<void> {
    await this.refunds.update({ id, status: RefundStatus.PENDING }, { status: RefundStatus.SUCCEEDED, transactionId });
  }

  listPendingRefunds(olderThan: Date): Promise<RefundEntity[]> {
    return this.refunds.find({ where: { status: RefundStatus.PENDING, createdAt: LessThan(olderThan) }, take: 100 });
  }

  listStalePending(olderThan: Date): Promise<PaymentEntity[]> {
    return this.payments.find({ where: { status: PaymentStatus.PENDING, createdAt: LessThan(olderThan) }, take: 100 });
  }

  /** The title a payment's events show, read inside the caller's transaction. */
  async findServiceTitle(manager: EntityManager, serviceId: string): Promise<string> {
    const [row] = await this.sql.rows<{ title: string }>('SELECT title FROM services WHERE id = $1', [serviceId], manager);
    return row?.title ?? '';
  }

  /**
   * One page of the payments the caller may list, by offset or after a cursor (`position`), and their total
   * counted up to `MAX_COUNTED` (past it, `totalCapped`).
   */
  async listFor(
    caller: AuthUser,
    status: PaymentStatus | undefined,
    limit: number,
    offset: number,
    position: KeysetPosition,
  ): Promise<{ items: PaymentEntity[]; total: number; totalCapped: boolean; nextCursor: string | null }> {
    const { text, values } = this.listStatement(caller, status, limit, offset, position.after);
    const countValues: unknown[] = [];
    const [rows, [{ total }]] = await Promise.all([
      this.sql.rows<ListedRow>(text, values),
      this.sql.rows<{ total: number }>(PAYMENTS_KEYSET.countUpTo('payments p', this.where(caller, status, countValues), MAX_COUNTED), countValues),
    ]);
    const page = PAYMENTS_KEYSET.page(rows, limit, position);
    return { items: page.items.map(fromRow), total: Math.min(total, MAX_COUNTED), totalCapped: total > MAX_COUNTED, nextCursor: page.nextCursor };
  }

  /** The statement of one page as `listFor` runs it: `limit + 1` rows, after the cursor's values or at the offset (the EXPLAIN test reads it). */
  listStatement(
    caller: AuthUser,
    status: PaymentStatus | undefined,
    limit: number,
    offset: number,
    after: string[] | null,
  ): { text: string; values: unknown[] } {
    const values: unknown[] = [];
    const where = this.where(caller, status, values);
    const select = `p.${COLUMNS.split(', ').join(', p.')}, ${exactTime('p.created_at')} AS cursor_at FROM payments p`;
    return { text: PAYMENTS_KEYSET.select(select, where, values, { limit, offset, after }), values };
  }

  private where(caller: AuthUser, status: PaymentStatus | undefined, values: unknown[]): string {
    const param = (value: unknown) => `$${values.push(value)}`;
    const clauses: string[] = [];
    if (caller.role === Role.CUSTOMER) clauses.push(`p.customer_id = ${param(caller.id)}`);
    if (caller.role === Role.PROVIDER) clauses.push(`p.provider_id = ${param(caller.id)}`);
    if (status) clauses.push(`p.status = ${param(status)}`);
    return clauses.length ? clauses.join(' AND ') : 'true';
  }
}
