import { Injectable, Logger } from '@nestjs/common';
import { toMinor } from '../common/money';
import { PaymentGateway } from './gateway/payment-gateway';
import { PaymentEntity } from './payment.entity';
import { PaymentsRepository } from './payments.repository';

/**
 * Releases the funds of a voided authorization at the gateway. The payment is marked VOIDED in the
 * transaction that declines, cancels or expires its booking; the void is made after commit, keyed by the
 * payment, and the reconciler retries it until the gateway confirms: no hold is left on a card.
 */
@Injectable()
export class AuthorizationsService {
  private readonly logger = new Logger(AuthorizationsService.name);

  constructor(
    private readonly payments: PaymentsRepository,
    private readonly gateway: PaymentGateway,
  ) {}

  /** Never throws: a void the gateway did not confirm stays unconfirmed for the reconciler. */
  async executeVoid(payment: PaymentEntity): Promise<void> {
    try {
      if (!payment.transactionId) throw new Error(`payment ${payment.id} has no authorization`);
      const result = await this.gateway.void({
        idempotencyKey: payment.id,
        authorizationId: payment.transactionId,
        amountMinor: toMinor(payment.amount),
        currency: payment.currency,
      });
      if (result.outcome === 'captured') throw new Error('the gateway answered a void with a capture');
      // Voided now or before, or nothing held any more (refused): either way no funds are held for it.
      if (result.outcome === 'refused' && /captured/.test(result.reason)) {
        // Only a capture can make a void refused this way; the booking was never confirmed: money to give back.
        this.logger.error({ paymentId: payment.id }, 'A voided authorization was captured at the gateway; refund it by hand');
        return;
      }
      await this.payments.confirmVoid(payment.id);
    } catch (error) {
      this.logger.warn({ err: error, paymentId: payment.id }, 'Void not confirmed by the gateway yet; it will be retried');
    }
  }
}
