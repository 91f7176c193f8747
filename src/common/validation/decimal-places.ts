import { buildMessage, ValidateBy, ValidationOptions } from 'class-validator';

/** Decimal places of a finite number as JavaScript prints it, exponent form included (`1.5e-7` has 8). */
export function decimalPlaces(value: number): number {
  const [mantissa, exponent = '0'] = value.toString().split('e');
  return Math.max(0, (mantissa.split('.')[1]?.length ?? 0) - Number(exponent));
}

/**
 * A number with at most `max` decimal places. Use instead of `IsNumber({ maxDecimalPlaces })`, which throws
 * (a 500) on a fraction JavaScript prints in exponent form, such as `1e-7`.
 */
export const MaxDecimalPlaces = (max: number, options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'maxDecimalPlaces',
      constraints: [max],
      validator: {
        validate: (value: unknown) => typeof value === 'number' && Number.isFinite(value) && decimalPlaces(value) <= max,
        defaultMessage: buildMessage((each) => `${each}$property must have at most ${max} decimal places`, options),
      },
    },
    options,
  );
