import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { RepeatingTask } from '../common/scheduling/repeating-task';
import { PaymentGateway } from '../payments/gateway/payment-gateway';
import { PaymentsRepository } from '../payments/payments.repository';
import { RefundsService } from '../payments/refunds.service';
import { BookingCheckoutService } from './booking-checkout.service';

/** A PENDING payment older than this belongs to a request that died (the gateway answers well within it). */
export const ABANDONED_AFTER_MS = 2 * 60_000;
const INTERVAL_MS = 60_000;

/**
 * Settles what a crash left half-done, at start and then every minute, on every instance (each row is
 * settled by compare-and-swap, so two instances never settle one twice): PENDING payments by asking the
 * gateway what happened, PENDING refunds by retrying them.
 */
@Injectable()
export class PaymentReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PaymentReconciler.name);
  private readonly task = new RepeatingTask(() => this.reconcile(), INTERVAL_MS);

  constructor(
    private readonly payments: PaymentsRepository,
    private readonly gateway: PaymentGateway,
    private readonly checkout: BookingCheckoutService,
    private readonly refunds: RefundsService,
  ) {}

  onApplicationBootstrap(): void {
    this.task.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.task.stop();
  }

  /** One pass; never throws. */
  async reconcile(abandonedAfterMs = ABANDONED_AFTER_MS): Promise<{ payments: number; refunds: number }> {
    const cutoff = new Date(Date.now() - abandonedAfterMs);
    let settledPayments = 0;
    let retriedRefunds = 0;
    try {
      for (const payment of await this.payments.listStalePending(cutoff)) {
        const result = (await this.gateway.findCharge(payment.id)) ?? { approved: false as const, transactionId: '', reason: 'The booking attempt was interrupted before the card was charged' };
        await this.checkout.settle(payment, result);
        settledPayments++;
      }
      for (const refund of await this.payments.listPendingRefunds(cutoff)) {
        await this.refunds.execute(refund);
        retriedRefunds++;
      }
    } catch (error) {
      this.logger.error({ err: error }, 'Reconciliation pass failed; the next one will retry');
    }
    if (settledPayments || retriedRefunds) this.logger.log(`Reconciled ${settledPayments} payments and ${retriedRefunds} refunds`);
    return { payments: settledPayments, refunds: retriedRefunds };
  }
}
