import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuthUser } from '../common/auth/auth-user';
import { DomainEvent } from '../common/events/domain-event';
import { ConflictError, UnprocessableError } from '../common/errors/domain.error';
import { fromMinor, toMinor } from '../common/money';
import { paymentFactsOf, PaymentRefundedEvent } from './events/payment.events';
import { PaymentGateway } from './gateway/payment-gateway';
import { PaymentEntity, PaymentStatus } from './payment.entity';
import { PaymentsRepository } from './payments.repository';
import { RefundEntity, RefundKind } from './refund.entity';

export const VOID_REASON = 'Void: the charge was approved after its booking attempt had been abandoned';
const REFUNDABLE = [PaymentStatus.SUCCESS, PaymentStatus.PARTIALLY_REFUNDED];

/**
 * Refunds in two steps: inside the caller's transaction the amount is reserved on the (locked) payment
 * and a PENDING refund recorded, so the books never promise more than was paid; after commit the
 * gateway is asked, keyed by the refund id, and the reconciler retries any that did not go through.
 */
@Injectable()
export class RefundsService {
  private readonly logger = new Logger(RefundsService.name);

  constructor(
    private readonly payments: PaymentsRepository,
    private readonly gateway: PaymentGateway,
  ) {}

  /** `amountMinor` undefined means everything not yet refunded. The payment must be locked by the caller. */
  async reserve(
    manager: EntityManager,
    payment: PaymentEntity,
    request: { amountMinor?: number; reason: string; requestedBy: AuthUser | null },
    record: (event: DomainEvent) => void,
  ): Promise<RefundEntity> {
    if (!REFUNDABLE.includes(payment.status)) {
      throw new ConflictError('NOTHING_TO_REFUND', `A ${payment.status} payment cannot be refunded.`);
    }
    const remainingMinor = toMinor(payment.amount) - toMinor(payment.refundedAmount);
    if (remainingMinor <= 0) throw new ConflictError('NOTHING_TO_REFUND', 'This payment has been refunded in full already.');
    const amountMinor = request.amountMinor ?? remainingMinor;
    if (amountMinor > remainingMinor) {
      throw new UnprocessableError('REFUND_EXCEEDS_PAYMENT', `At most ${fromMinor(remainingMinor)} ${payment.currency} can still be refunded.`, [
        { field: 'amount', message: `amount must not exceed ${fromMinor(remainingMinor)}` },
      ]);
    }
    const amount = fromMinor(amountMinor);
    const refund = await this.payments.insertPendingRefund(manager, {
      paymentId: payment.id,
      amount,
      reason: request.reason,
      requestedBy: request.requestedBy?.id ?? null,
    });
    const updated = await this.payments.addRefunded(manager, payment, amount);
    const facts = paymentFactsOf(updated, await this.payments.findServiceTitle(manager, payment.serviceId));
    record(new PaymentRefundedEvent(facts, refund.id, amount, updated.refundedAmount, request.reason));
    return refund;
  }

  /**
   * Reserves the void of a charge the gateway approved for an attempt that had already failed (its booking
   * released): the whole amount goes back. Null when the void is already recorded. Like any refund it is
   * paid out by `execute`, and retried by the reconciler until the gateway confirms it.
   */
  async reserveVoid(manager: EntityManager, payment: PaymentEntity, transactionId: string): Promise<RefundEntity | null> {
    if (!(await this.payments.markChargeVoided(manager, payment.id, transactionId))) return null;
    return this.payments.insertPendingRefund(manager, {
      paymentId: payment.id,
      amount: payment.amount,
      reason: VOID_REASON,
      requestedBy: null,
      kind: RefundKind.VOID,
    });
  }

  /** Asks the gateway to pay out a reserved refund; failures stay PENDING for the reconciler. */
  async execute(refund: RefundEntity): Promise<void> {
    try {
      const payment = await this.payments.findById(refund.paymentId);
      if (!payment?.transactionId) throw new Error(`payment ${refund.paymentId} has no charge to refund`);
      const { transactionId } = await this.gateway.refund({
        // One void per payment at the gateway, whichever of its refund rows asks.
        idempotencyKey: refund.kind === RefundKind.VOID ? `void-${refund.paymentId}` : refund.id,
        chargeTransactionId: payment.transactionId,
        amountMinor: toMinor(refund.amount),
        currency: payment.currency,
      });
      await this.payments.markRefundSucceeded(refund.id, transactionId);
    } catch (error) {
      this.logger.warn({ err: error, refundId: refund.id }, 'Refund not confirmed by the gateway yet; it will be retried');
    }
  }
}
