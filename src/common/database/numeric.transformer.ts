import { ValueTransformer } from 'typeorm';

/** PostgreSQL NUMERIC arrives as a string (exact); amounts leave the service as JSON numbers. */
export const numericTransformer: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};
