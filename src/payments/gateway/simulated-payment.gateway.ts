import { randomInt, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { ChargeRequest, ChargeResult, PaymentGateway, RefundRequest } from './payment-gateway';

interface OperationRow {
  approved: boolean;
  transaction_id: string;
  decline_reason: string | null;
}

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
    private readonly dataSource: DataSource,
    private readonly options: SimulatedGatewayOptions,
  ) {
    super();
  }

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    await this.delay();
    const approved = this.options.failureRate <= 0 ? true : this.options.failureRate >= 1 ? false : randomInt(1_000_000) >= this.options.failureRate * 1_000_000;
    const row = await this.record('charge', request.idempotencyKey, approved, request.amountMinor, request.currency, approved ? null : 'Card declined by issuer');
    return toResult(row);
  }

  async refund(request: RefundRequest): Promise<{ transactionId: string }> {
    await this.delay();
    const row = await this.record('refund', request.idempotencyKey, true, request.amountMinor, request.currency, null);
    return { transactionId: row.transaction_id };
  }

  async findCharge(idempotencyKey: string): Promise<ChargeResult | null> {
    const rows: OperationRow[] = await this.dataSource.query(
      `SELECT approved, transaction_id, decline_reason FROM simulated_gateway_operations WHERE idempotency_key = $1`,
      [`charge:${idempotencyKey}`],
    );
    return rows[0] ? toResult(rows[0]) : null;
  }

  /** Insert-or-return-existing: the first outcome for a key is the only one. */
  private async record(kind: 'charge' | 'refund', key: string, approved: boolean, amountMinor: number, currency: string, reason: string | null): Promise<OperationRow> {
    const prefix = kind === 'charge' ? 'ch' : 're';
    const rows: OperationRow[] = await this.dataSource.query(
      `WITH inserted AS (
         INSERT INTO simulated_gateway_operations (idempotency_key, kind, approved, transaction_id, amount_minor, currency, decline_reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (idempotency_key) DO NOTHING
         RETURNING approved, transaction_id, decline_reason)
       SELECT * FROM inserted
       UNION ALL
       SELECT approved, transaction_id, decline_reason FROM simulated_gateway_operations WHERE idempotency_key = $1
       LIMIT 1`,
      [`${kind}:${key}`, kind, approved, `sim_${prefix}_${randomUUID().replace(/-/g, '')}`, amountMinor, currency, reason],
    );
    if (rows[0]) return rows[0];
    // A concurrent call with the same key committed after this statement's snapshot: read it now.
    const [existing]: OperationRow[] = await this.dataSource.query(
      'SELECT approved, transaction_id, decline_reason FROM simulated_gateway_operations WHERE idempotency_key = $1',
      [`${kind}:${key}`],
    );
    return existing;
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
