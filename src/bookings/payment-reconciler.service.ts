import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AppConfig } from '../config/app.config';
import { JobEngine } from '../jobs/job-engine';
import { JobQueue } from '../jobs/job-queue';
import { PaymentGateway } from '../payments/gateway/payment-gateway';
import { PaymentsRepository } from '../payments/payments.repository';
import { RefundsService } from '../payments/refunds.service';
import { AuthorizationsService } from '../payments/authorizations.service';
import { BookingCheckoutService } from './booking-checkout.service';
import { BookingRequestService } from './booking-request.service';
import { SYSTEM_CHANGE } from './history/booking-change';

/** How often a pass runs: twice per cut-off, so an abandoned attempt waits at most one and a half cut-offs, and at least once a minute. */
const intervalFor = (abandonedAfterMs: number): number => Math.max(500, Math.min(60_000, Math.floor(abandonedAfterMs / 2)));

/** The reconciliation pass: a stately queue, so one pass at a time runs (on any one instance) and none piles up. */
export const PAYMENT_RECONCILE_QUEUE: JobQueue = { name: 'payments.reconcile', policy: 'stately', retryLimit: 2, retryDelaySeconds: 5, expireInSeconds: 600 };

/**
 * Settles what a crash (or a process paused past the cut-off) left half-done, as a scheduled singleton job
 * (at start, then every half cut-off, and every minute by cron should that chain break): PENDING payments
 * older than `PAYMENT_RECONCILE_AFTER_SECONDS`, by cancelling their charge key at the gateway and applying
 * what the gateway then says; PENDING refunds (voids of late charges included), by retrying them. Each row
 * is settled by compare-and-swap, so a pass run by hand beside the job never settles one twice.
 */
@Injectable()
export class PaymentReconciler {
  private readonly logger = new Logger(PaymentReconciler.name);
  private readonly abandonedAfterMs: number;

  constructor(
    private readonly payments: PaymentsRepository,
    private readonly gateway: PaymentGateway,
    private readonly checkout: BookingCheckoutService,
    private readonly refunds: RefundsService,
    private readonly requests: BookingRequestService,
    private readonly authorizations: AuthorizationsService,
    config: ConfigService<AppConfig, true>,
    jobs: JobEngine,
  ) {
    this.abandonedAfterMs = config.get('payments', { infer: true }).reconcileAfterMs;
    jobs.register({ ...PAYMENT_RECONCILE_QUEUE, recurring: { everyMs: intervalFor(this.abandonedAfterMs), cron: '* * * * *' } }, async (_data, job) => {
      await this.reconcile(this.abandonedAfterMs, job.stopping);
    });
  }

  /** One pass; never throws. With `stopping` aborted (shutdown), it stops between rows: the next pass, anywhere, goes on. */
  async reconcile(
    abandonedAfterMs = this.abandonedAfterMs,
    stopping?: AbortSignal,
  ): Promise<{ payments: number; refunds: number; captures: number; voids: number }> {
    const cutoff = new Date(Date.now() - abandonedAfterMs);
    let settledPayments = 0;
    let retriedRefunds = 0;
    let finishedCaptures = 0;
    let retriedVoids = 0;
    try {
      for (const payment of await this.payments.listStalePending(cutoff)) {
        if (stopping?.aborted) break;
        try {
          // The key is cancelled before the attempt is failed: a charge still on its way (its request paused
          // or slow past the cut-off) is then refused, instead of taking money for a booking already released.
          // If the charge got there first, the gateway says so and the attempt settles by it.
          if (payment.authorizeOnly) {
            // A booking request's authorization, the same way: its key cancelled first, then settled by the answer.
            const result = await this.gateway.cancelAuthorization(payment.id);
            await this.requests.settleAuthorization(payment, result);
          } else {
            const result = await this.gateway.cancelCharge(payment.id);
            await this.checkout.settle(payment, result, { ...SYSTEM_CHANGE, reason: 'Payment settled by the reconciler' });
          }
          settledPayments++;
        } catch (error) {
          // Without the gateway's word the attempt stays PENDING (its slot held): the next pass retries.
          this.logger.warn({ err: error, paymentId: payment.id }, 'Could not settle an abandoned payment yet; the next pass will retry');
        }
      }
      for (const refund of await this.payments.listPendingRefunds(cutoff)) {
        if (stopping?.aborted) break;
        await this.refunds.execute(refund);
        retriedRefunds++;
      }
      // Accepts whose process died after claiming the capture: the capture (keyed by the payment) is made or
      // found, and the booking confirmed, or the capture refunded if the request was closed meanwhile.
      for (const payment of await this.payments.listStaleCaptures(cutoff)) {
        if (stopping?.aborted) break;
        try {
          await this.requests.finishCapture(payment, { ...SYSTEM_CHANGE, reason: 'Accept finished by the reconciler' });
          finishedCaptures++;
        } catch (error) {
          this.logger.warn({ err: error, paymentId: payment.id }, 'Could not finish an accepted request yet; the next pass will retry');
        }
      }
      // Voids the gateway has not confirmed: made again (keyed by the payment) until it does.
      for (const payment of await this.payments.listUnconfirmedVoids(cutoff)) {
        if (stopping?.aborted) break;
        await this.authorizations.executeVoid(payment);
        retriedVoids++;
      }
    } catch (error) {
      this.logger.error({ err: error }, 'Reconciliation pass failed; the next one will retry');
    }
    if (settledPayments || retriedRefunds || finishedCaptures || retriedVoids) {
      this.logger.log(`Reconciled ${settledPayments} payments, ${retriedRefunds} refunds, ${finishedCaptures} captures and ${retriedVoids} voids`);
    }
    return { payments: settledPayments, refunds: retriedRefunds, captures: finishedCaptures, voids: retriedVoids };
  }
}
