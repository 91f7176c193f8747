import { QueryFailedError } from 'typeorm';
import { DomainError } from './domain.error';

/** What a 503 asks the client to wait: PostgreSQL restarts and Redis reconnects take seconds. */
export const OUTAGE_RETRY_AFTER_SECONDS = 5;

/** A dependency (PostgreSQL) cannot answer now: 503 with Retry-After, never a 401 or a 500. */
export class ServiceUnavailableError extends DomainError {
  readonly retryAfterSeconds = OUTAGE_RETRY_AFTER_SECONDS;

  constructor(message = 'The service is temporarily unavailable: try again after the time in Retry-After.') {
    super(503, 'SERVICE_UNAVAILABLE', message);
  }
}

/**
 * SQLSTATEs meaning the server, not the statement, failed: class 08 (connection exceptions, checked by
 * prefix), 57P01-57P03 (admin or crash shutdown, "cannot connect now"), 53300/53400 (too many connections,
 * configuration limit).
 */
const PG_OUTAGE_CODES = new Set(['57P01', '57P02', '57P03', '53300', '53400']);
/** Node's socket errors when the server is gone or unreachable. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** Messages of node-postgres and its pool, and of ioredis, that carry no code. */
const OUTAGE_MESSAGES = [
  /^Connection terminated/i,
  /^timeout exceeded when trying to connect/i,
  /^Client has encountered a connection error and is not queryable/i,
  /^Client was closed and is not queryable/i,
  /^Cannot use a pool after calling end on the pool/i,
  /^Query read timeout/i,
  /^Stream isn't writeable/i,
  /^Connection is closed/i,
  /^Command timed out/i,
  /^Reached the max retries per request limit/i,
];

/** True for errors that mean a dependency is down or unreachable (the request itself may be fine). */
export function isOutage(error: unknown): boolean {
  if (error instanceof ServiceUnavailableError) return true;
  if (error === null || typeof error !== 'object') return false;
  const inner = error instanceof QueryFailedError ? (error.driverError as unknown) : error;
  const { code, message, name } = (inner ?? {}) as { code?: unknown; message?: unknown; name?: unknown };
  if (typeof code === 'string' && (code.startsWith('08') || PG_OUTAGE_CODES.has(code) || NETWORK_CODES.has(code))) return true;
  if (name === 'MaxRetriesPerRequestError') return true;
  if (typeof message === 'string' && OUTAGE_MESSAGES.some((pattern) => pattern.test(message))) return true;
  // AggregateError (a connect to several addresses, all refused) and errors wrapping a cause.
  const nested = (inner as { errors?: unknown; cause?: unknown }).errors;
  if (Array.isArray(nested) && nested.length > 0 && nested.every(isOutage)) return true;
  const cause = (inner as { cause?: unknown }).cause;
  return cause !== undefined && cause !== inner && isOutage(cause);
}
