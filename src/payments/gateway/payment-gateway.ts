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

/** Takes (captures) or releases (voids) the funds an authorization holds; keyed by our payment id. */
export interface AuthorizationRequest {
  /** Our payment id: one capture or one void per authorization, whatever the retries. */
  idempotencyKey: string;
  /** The authorization's transaction id, as `authorize` answered it. */
  authorizationId: string;
  amountMinor: number;
  currency: string;
}

/**
 * What became of an authorization: captured (the funds taken), voided (released), or `refused` when the
 * other of the two got there first (an authorization is captured or voided, once) or it was never approved.
 */
export type SettlementResult =
  { outcome: 'captured'; transactionId: string } | { outcome: 'voided'; transactionId: string } | { outcome: 'refused'; reason: string };

/**
 * A card processor. The simulated one is the default; a real processor (Stripe, Adyen...) implements the
 * same calls, keyed by our ids so retries and crash recovery never charge or refund twice.
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

  /** Holds the amount on the card without taking it (a booking request), at most once per key. */
  abstract authorize(request: ChargeRequest): Promise<ChargeResult>;
  /** Like `cancelCharge`, for an authorization: a late `authorize` under the key is refused; answers the key's outcome. */
  abstract cancelAuthorization(idempotencyKey: string): Promise<ChargeResult>;
  /** Takes the held funds. Repeated, it answers as the first time; after a void, `refused`. */
  abstract capture(request: AuthorizationRequest): Promise<SettlementResult>;
  /** Releases the held funds. Repeated, it answers as the first time; after a capture, `refused` with it. */
  abstract void(request: AuthorizationRequest): Promise<SettlementResult>;
}
