/** Amounts travel as JSON numbers with at most two decimals; arithmetic happens in integer minor units. */
export const toMinor = (amount: number): number => Math.round(amount * 100);
export const fromMinor = (minor: number): number => minor / 100;
