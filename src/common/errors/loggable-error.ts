import { QueryFailedError } from 'typeorm';

/**
 * The fields of a PostgreSQL error that name what failed without quoting data. Left out on purpose:
 * `detail` ("Key (email)=(ann@example.com) already exists", the failing row), `where`, `hint`,
 * `internalQuery`, and TypeORM's `query` and `parameters` (the statement's values: e-mails, phones,
 * password hashes).
 */
const SAFE_DRIVER_FIELDS = ['code', 'severity', 'schema', 'table', 'column', 'dataType', 'constraint', 'routine'] as const;

/** `invalid input syntax for type uuid: "abc"`: the server quotes the offending value after a colon. */
const QUOTED_VALUE = /: "(?:[^"\\]|\\.)*"/g;
const scrub = (text: string) => text.replace(QUOTED_VALUE, ': "[REDACTED]"');

/**
 * An error as it may be logged: its type, message, code and stack, plus for database errors the SQLSTATE
 * and the names of the table, column and constraint, never statement parameters or row data.
 */
export function loggableError(error: unknown, depth = 0): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error, message: 'A value that is not an Error was thrown' };
  const message = scrub(error.message);
  const logged: Record<string, unknown> = {
    type: error.constructor.name || error.name,
    message,
    stack: error.stack ? scrub(error.stack.split(error.message).join(message)) : undefined,
  };
  const driver = error instanceof QueryFailedError ? (error.driverError as unknown) : error;
  for (const field of SAFE_DRIVER_FIELDS) {
    const value = (driver as Record<string, unknown> | null)?.[field];
    if (typeof value === 'string' || typeof value === 'number') logged[field] = value;
  }
  const cause = (error as { cause?: unknown }).cause;
  if (cause !== undefined && depth < 3) logged.cause = loggableError(cause, depth + 1);
  return logged;
}
