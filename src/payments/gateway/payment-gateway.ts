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
 * same four calls, keyed by our ids so retries and crash recovery never charge or refund twice.
 */
export abstract class PaymentGateway {
  abstract charge(request: ChargeRequest): Promise<ChargeResult>;
  abstract refund(request: RefundRequest): Promise<{ transactionId: string }>;
  /** What the processor knows of a charge attempt, or null if it never saw it (for reconciliation). */
  abstract findCharge(idempotencyKey: string): Promise<ChargeResult | null>;
  /**
   * Makes the key unusable for a charge (a real processor cancels the payment intent): a charge that
   * arrives under it later is refused. Returns the key's outcome: the charge already made under it, approved
   * or declined, if the processor got it first; otherwise a decline saying it was cancelled.
   */
  abstract cancelCharge(idempotencyKey: string): Promise<ChargeResult>;
}
