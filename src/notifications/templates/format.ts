import { DateTime } from 'luxon';

/** Built once per currency (building one costs far more than formatting); null for a code Intl does not know. */
const moneyFormats = new Map<string, Intl.NumberFormat | null>();

/** `$89.50`, `€12.00`, `¥5,000`; an unknown currency code falls back to `12.00 XYZ` rather than failing. */
export function formatMoney(amount: number, currency: string): string {
  let format = moneyFormats.get(currency);
  if (format === undefined) {
    try {
      format = new Intl.NumberFormat('en-US', { style: 'currency', currency });
    } catch {
      format = null;
    }
    // Currencies are ISO 4217 codes, a few hundred at most; the bound only guards against anything else.
    if (moneyFormats.size < 1000) moneyFormats.set(currency, format);
  }
  return format ? format.format(amount) : `${amount.toFixed(2)} ${currency}`;
}

/**
 * The wall-clock time where the service takes place, which is what both parties plan by:
 * `Monday 7 January 2030, 09:00 (Europe/Berlin)`. An unknown zone falls back to UTC, named as such.
 */
export function formatLocalTime(instant: Date, zone: string): string {
  let local = DateTime.fromJSDate(instant, { zone });
  if (!local.isValid) local = DateTime.fromJSDate(instant, { zone: 'UTC' });
  return `${local.setLocale('en-GB').toFormat('cccc d LLLL yyyy, HH:mm')} (${local.zoneName})`;
}

/** The short form for subjects: `7 Jan 2030, 09:00`. */
export function formatLocalDate(instant: Date, zone: string): string {
  let local = DateTime.fromJSDate(instant, { zone });
  if (!local.isValid) local = DateTime.fromJSDate(instant, { zone: 'UTC' });
  return local.setLocale('en-GB').toFormat('d LLL yyyy, HH:mm');
}

/** `Label:    value` lines, aligned, skipping empty values. */
export function detailLines(rows: Array<[string, string | null | undefined]>): string[] {
  const present = rows.filter((row): row is [string, string] => Boolean(row[1]));
  const width = Math.max(...present.map(([label]) => label.length)) + 2;
  return present.map(([label, value]) => `${`${label}:`.padEnd(width)}${value}`);
}
