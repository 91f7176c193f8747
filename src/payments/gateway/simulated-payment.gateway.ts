import { randomInt, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AuthorizationRequest, ChargeRequest, ChargeResult, PaymentGateway, RefundRequest, SettlementResult } from './payment-gateway';
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

  async authorize(request: ChargeRequest): Promise<ChargeResult> {
    await this.delay();
    const approved = this.approves();
    const row = await this.operations.recordOnce({
      key: `authorize:${request.idempotencyKey}`,
      kind: 'authorize',
      approved,
      transactionId: `sim_au_${randomUUID().replace(/-/g, '')}`,
      amountMinor: request.amountMinor,
      currency: request.currency,
      declineReason: approved ? null : 'Card declined by issuer',
    });
    return toResult(row);
  }

  async cancelAuthorization(idempotencyKey: string): Promise<ChargeResult> {
    const row = await this.operations.recordOnce({
      key: `authorize:${idempotencyKey}`,
      kind: 'cancel',
      approved: false,
      transactionId: `sim_cx_${randomUUID().replace(/-/g, '')}`,
      amountMinor: 0,
      currency: 'XXX',
      declineReason: CANCELLED_REASON,
    });
    return toResult(row);
  }

  capture(request: AuthorizationRequest): Promise<SettlementResult> {
    return this.settle('capture', request);
  }

  void(request: AuthorizationRequest): Promise<SettlementResult> {
    return this.settle('void', request);
  }

  /**
   * An authorization is settled once, by a capture or by a void, under one key (`settle:<payment id>`): the
   * first of the two takes it, and the other is refused, as a processor refuses to capture a released hold.
   */
  private async settle(kind: 'capture' | 'void', request: AuthorizationRequest): Promise<SettlementResult> {
    await this.delay();
    const authorization = await this.operations.findByKey(`authorize:${request.idempotencyKey}`);
    if (!authorization?.approved || authorization.transaction_id !== request.authorizationId) {
      return { outcome: 'refused', reason: 'No such authorization' };
    }
    const row = await this.operations.recordOnce({
      key: `settle:${request.idempotencyKey}`,
      kind,
      approved: true,
      transactionId: `sim_${kind === 'capture' ? 'cp' : 'vd'}_${randomUUID().replace(/-/g, '')}`,
      amountMinor: request.amountMinor,
      currency: request.currency,
      declineReason: null,
    });
    if (row.kind === kind) return { outcome: kind === 'capture' ? 'captured' : 'voided', transactionId: row.transaction_id };
    return { outcome: 'refused', reason: row.kind === 'capture' ? 'The authorization was captured' : 'The authorization was voided' };
  }

  private approves(): boolean {
    const rate = this.options.failureRate;
    return rate <= 0 ? true : rate >= 1 ? false : randomInt(1_000_000) >= rate * 1_000_000;
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
