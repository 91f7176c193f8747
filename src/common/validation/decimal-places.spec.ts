import { IsNumber, validateSync } from 'class-validator';
import { decimalPlaces, MaxDecimalPlaces } from './decimal-places';

class Amount {
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @MaxDecimalPlaces(2)
  amount: unknown;
}

const errorsFor = (amount: unknown) => {
  const target = Object.assign(new Amount(), { amount });
  return validateSync(target).flatMap((error) => Object.keys(error.constraints ?? {}));
};

describe('decimal places', () => {
  it.each([
    [0, 0],
    [89, 0],
    [89.5, 1],
    [0.01, 2],
    [0.1 + 0.2, 17],
    [1e21, 0],
    [1.5e-7, 8],
    [7e-323, 323],
    [5e-324, 324],
    [-12.345, 3],
  ])('%p has %p', (value, expected) => {
    expect(decimalPlaces(value)).toBe(expected);
  });

  it.each([0.01, 89.5, 999_999.99, 1, -3.1])('%p passes MaxDecimalPlaces(2)', (amount) => {
    expect(errorsFor(amount)).toEqual([]);
  });

  it.each([1e-7, 5e-324, 0.001, 0.1 + 0.2, 1.005])('%p fails MaxDecimalPlaces(2) instead of throwing', (amount) => {
    expect(errorsFor(amount)).toEqual(['maxDecimalPlaces']);
  });

  it.each([NaN, Infinity, '12', null])('%p is not a number with decimals', (amount) => {
    expect(errorsFor(amount)).toContain('maxDecimalPlaces');
  });
});
