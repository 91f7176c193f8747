import { DataSource } from 'typeorm';

export type OperationKind = 'charge' | 'refund' | 'cancel' | 'authorize' | 'capture' | 'void';

export interface OperationRow {
  kind: OperationKind;
  approved: boolean;
  transaction_id: string;
  decline_reason: string | null;
}

export interface NewOperation {
  key: string;
  kind: OperationKind;
  approved: boolean;
  transactionId: string;
  amountMinor: number;
  currency: string;
  declineReason: string | null;
}

/** The simulated processor's own records (`simulated_gateway_operations`), one row per idempotency key. */
export class SimulatedGatewayRepository {
  constructor(private readonly dataSource: DataSource) {}

  async findByKey(key: string): Promise<OperationRow | null> {
    const rows: OperationRow[] = await this.dataSource.query(
      'SELECT kind, approved, transaction_id, decline_reason FROM simulated_gateway_operations WHERE idempotency_key = $1',
      [key],
    );
    return rows[0] ?? null;
  }

  /** Insert-or-return-existing: the first outcome for a key is the only one. */
  async recordOnce(operation: NewOperation): Promise<OperationRow> {
    const rows: OperationRow[] = await this.dataSource.query(
      `WITH inserted AS (
         INSERT INTO simulated_gateway_operations (idempotency_key, kind, approved, transaction_id, amount_minor, currency, decline_reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (idempotency_key) DO NOTHING
         RETURNING kind, approved, transaction_id, decline_reason)
       SELECT * FROM inserted
       UNION ALL
       SELECT kind, approved, transaction_id, decline_reason FROM simulated_gateway_operations WHERE idempotency_key = $1
       LIMIT 1`,
      [operation.key, operation.kind, operation.approved, operation.transactionId, operation.amountMinor, operation.currency, operation.declineReason],
    );
    if (rows[0]) return rows[0];
    // A concurrent call with the same key committed after this statement's snapshot: read it now.
    return (await this.findByKey(operation.key)) as OperationRow;
  }
}
