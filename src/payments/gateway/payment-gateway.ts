import { StoredPaymentMethod } from '../payment.entity';

export interface ChargeRequest {
  /** Our payment id: the gateway charges at most once per key, whatever the retries. */
  idempotencyKey: string;
  amountMinor: number;
  currency: string;
  paymentMethod: StoredPaymentMethod;
}

export type ChargeResult = { approved: true; transactionId: string } | { approved: false; transactionId: string; reason: string };

export interface RefundRequest {
  /** Our refund id. */
  idempotencyKey: string;
  chargeTransactionId: string;
  amountMinor: number;
  currency: string;
}

/**
 * A card processor. The simulated one is the default; a real processor (Stripe, Adyen...) implements the
 * same three calls, keyed by our ids so retries and crash recovery never charge or refund twice.
 */
export abstract class PaymentGateway {
  abstract charge(request: ChargeRequest): Promise<ChargeResult>;
  abstract refund(request: RefundRequest): Promise<{ transactionId: string }>;
  /** What the processor knows of a charge attempt, or null if it never saw it (for reconciliation). */
  abstract findCharge(idempotencyKey: string): Promise<ChargeResult | null>;
}
