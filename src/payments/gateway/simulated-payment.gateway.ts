import { randomInt, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ChargeRequest, ChargeResult, PaymentGateway, RefundRequest } from './payment-gateway';
import { OperationRow, SimulatedGatewayRepository } from './simulated-gateway.repository';

const CANCELLED_REASON = 'The charge was cancelled before it was made';

export interface SimulatedGatewayOptions {
  /** Probability of a decline: 0 always approves, 1 always declines. */
  failureRate: number;
  /** Added to every call, to mimic a network round trip. */
  latencyMs: number;
}

/**
 * Approves or declines at random and remembers every operation by idempotency key in its own table
 * (standing in for the processor's records), so a repeated call answers as the first did and
 * reconciliation can ask what happened.
 */
export class SimulatedPaymentGateway extends PaymentGateway {
  constructor(
    private readonly operations: SimulatedGatewayRepository,
    private readonly options: SimulatedGatewayOptions,
  ) {
    super();
  }

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    await this.delay();
    const approved =
      this.options.failureRate <= 0 ? true : this.options.failureRate >= 1 ? false : randomInt(1_000_000) >= this.options.failureRate * 1_000_000;
    const row = await this.record(
      'charge',
      request.idempotencyKey,
      approved,
      request.amountMinor,
      request.currency,
      approved ? null : 'Card declined by issuer',
    );
    return toResult(row);
  }

  async refund(request: RefundRequest): Promise<{ transactionId: string }> {
    await this.delay();
    const row = await this.record('refund', request.idempotencyKey, true, request.amountMinor, request.currency, null);
    return { transactionId: row.transaction_id };
  }

  async findCharge(idempotencyKey: string): Promise<ChargeResult | null> {
    const row = await this.operations.findByKey(`charge:${idempotencyKey}`);
    return row ? toResult(row) : null;
  }

  /** Takes the charge's key with a cancellation, unless a charge took it first: either way the first outcome stands. */
  async cancelCharge(idempotencyKey: string): Promise<ChargeResult> {
    const row = await this.operations.recordOnce({
      key: `charge:${idempotencyKey}`,
      kind: 'cancel',
      approved: false,
      transactionId: `sim_cx_${randomUUID().replace(/-/g, '')}`,
      amountMinor: 0,
      currency: 'XXX',
      declineReason: CANCELLED_REASON,
    });
    return toResult(row);
  }

  /** The first outcome for a key is the only one: a repeat answers as the first call did. */
  private record(
    kind: 'charge' | 'refund',
    key: string,
    approved: boolean,
    amountMinor: number,
    currency: string,
    reason: string | null,
  ): Promise<OperationRow> {
    const prefix = kind === 'charge' ? 'ch' : 're';
    const transactionId = `sim_${prefix}_${randomUUID().replace(/-/g, '')}`;
    return this.operations.recordOnce({ key: `${kind}:${key}`, kind, approved, transactionId, amountMinor, currency, declineReason: reason });
  }

  private async delay(): Promise<void> {
    if (this.options.latencyMs > 0) await sleep(this.options.latencyMs);
  }
}

function toResult(row: OperationRow): ChargeResult {
  return row.approved
    ? { approved: true, transactionId: row.transaction_id }
    : { approved: false, transactionId: row.transaction_id, reason: row.decline_reason ?? 'Declined' };
}
