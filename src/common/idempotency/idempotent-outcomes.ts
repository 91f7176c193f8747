import { ConflictError } from '../errors/domain.error';

/**
 * What a resource linked to an idempotency key says of the request that created it: not settled yet (the
 * key answers 409 with `Retry-After`), or settled with the answer the request would have given, a value
 * (sent with the route's success status) or an error (sent as its problem).
 */
export type SettledOutcome = { settled: false; retryAfterSeconds: number } | { settled: true; value: unknown } | { settled: true; error: unknown };

/**
 * Implemented by the service of an `@Idempotent({ outcomes })` route whose requests link the key to what they
 * create (`IdempotencyRepository.linkResource`): a key whose request died after creating it is answered from
 * the resource's state, never executed again.
 */
export interface IdempotentOutcomes {
  settledOutcome(resourceId: string): Promise<SettledOutcome>;
}

/** 409 while the key's first request has not settled; `Retry-After` says when to ask again. */
export class IdempotencyKeyInUseError extends ConflictError {
  constructor(readonly retryAfterSeconds: number) {
    super('IDEMPOTENCY_KEY_IN_USE', 'A request with this Idempotency-Key is still being processed.');
  }
}
