/**
 * Every PostgreSQL error code (SQLSTATE) the application reacts to, in one place.
 * https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
export const SqlState = {
  UNIQUE_VIOLATION: '23505',
  EXCLUSION_VIOLATION: '23P01',
  FOREIGN_KEY_VIOLATION: '23503',
  CHECK_VIOLATION: '23514',
  INVALID_TEXT_REPRESENTATION: '22P02',
  NUMERIC_VALUE_OUT_OF_RANGE: '22003',
  INVALID_DATETIME_FORMAT: '22007',
  DATETIME_FIELD_OVERFLOW: '22008',
  STRING_DATA_RIGHT_TRUNCATION: '22001',
  CHARACTER_NOT_IN_REPERTOIRE: '22021',
  DEADLOCK_DETECTED: '40P01',
  SERIALIZATION_FAILURE: '40001',
  DUPLICATE_DATABASE: '42P04',
} as const;

export type SqlState = (typeof SqlState)[keyof typeof SqlState];

/** The SQLSTATE of a failed query: TypeORM's QueryFailedError carries pg's error as `driverError`; pg's own errors carry `code`. */
export function sqlStateOf(error: unknown): string | undefined {
  const failure = error as { driverError?: { code?: unknown }; code?: unknown } | null | undefined;
  const code = failure?.driverError?.code ?? failure?.code;
  return typeof code === 'string' ? code : undefined;
}
