/** Weekly opening hours in the service's local time: `{monday: ["09:00-12:00", "13:00-17:00"], ...}`. */
export type WeeklyAvailability = Partial<Record<Weekday, string[]>>;

export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
export const MAX_WINDOWS_PER_DAY = 48;

/** A window as minutes since local midnight; `end` may be 1440 (`24:00`). */
export interface Window {
  start: number;
  end: number;
}

const WINDOW = /^([01]\d|2[0-3]):([0-5]\d)-(([01]\d|2[0-3]):([0-5]\d)|24:00)$/;

export function parseWindow(text: string): Window | null {
  const match = WINDOW.exec(text);
  if (!match) return null;
  const start = Number(match[1]) * 60 + Number(match[2]);
  const end = match[3] === '24:00' ? 1440 : Number(match[4]) * 60 + Number(match[5]);
  return { start, end };
}

/**
 * Validates and normalizes client input: weekday keys in any case become lower-case, windows are sorted.
 * Returns the problems (each naming the day or window) or the normalized value.
 */
export function normalizeAvailability(input: unknown): { value: WeeklyAvailability; problems: string[] } {
  const problems: string[] = [];
  const value: WeeklyAvailability = {};
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { value, problems: ['availability must be an object keyed by weekday'] };
  }
  let windowCount = 0;
  for (const [key, windows] of Object.entries(input)) {
    const day = key.toLowerCase() as Weekday;
    if (!WEEKDAYS.includes(day)) {
      problems.push(`availability.${key} is not a weekday (monday..sunday)`);
      continue;
    }
    if (value[day]) {
      problems.push(`availability.${day} is given twice`);
      continue;
    }
    const normalized = normalizeWindows(`availability.${day}`, windows);
    problems.push(...normalized.problems);
    value[day] = normalized.value;
    windowCount += normalized.value.length;
  }
  if (!problems.length && windowCount === 0) problems.push('availability must have at least one window');
  return { value, problems };
}

export function windowsOn(availability: WeeklyAvailability, day: Weekday): Window[] {
  return (availability[day] ?? []).map((text) => parseWindow(text)).filter((w): w is Window => w !== null);
}

/** A local date's own windows, replacing that weekday's weekly windows (`[]`: closed): `{"2026-12-24": [], "2026-12-31": ["09:00-12:00"]}`. */
export type DateOverrides = Record<string, string[]>;

export const MAX_DATE_OVERRIDES = 366;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `text` is a real calendar date written `YYYY-MM-DD`. */
export function isCalendarDate(text: string): boolean {
  const match = DATE.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return year >= 1 && date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** A list of windows as the weekly availability takes them: the problems (each naming `label`) or the windows, sorted. */
function normalizeWindows(label: string, windows: unknown): { value: string[]; problems: string[] } {
  if (!Array.isArray(windows) || windows.some((w) => typeof w !== 'string')) {
    return { value: [], problems: [`${label} must be a list of "HH:MM-HH:MM" windows`] };
  }
  if (windows.length > MAX_WINDOWS_PER_DAY) return { value: [], problems: [`${label} has more than ${MAX_WINDOWS_PER_DAY} windows`] };
  const problems: string[] = [];
  const parsed: Array<{ text: string; window: Window }> = [];
  for (const text of windows as string[]) {
    const window = parseWindow(text);
    if (!window) problems.push(`${label}: "${String(text).slice(0, 40)}" is not a "HH:MM-HH:MM" window`);
    else if (window.start >= window.end) problems.push(`${label}: "${text}" must start before it ends`);
    else parsed.push({ text, window });
  }
  parsed.sort((a, b) => a.window.start - b.window.start);
  for (let i = 1; i < parsed.length; i++) {
    if (parsed[i].window.start < parsed[i - 1].window.end) problems.push(`${label}: "${parsed[i - 1].text}" and "${parsed[i].text}" overlap`);
  }
  return { value: parsed.map((p) => p.text), problems };
}

/** Validates and normalizes date overrides (windows sorted); the problems each name the date or window. */
export function normalizeDateOverrides(input: unknown): { value: DateOverrides; problems: string[] } {
  const value: DateOverrides = {};
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { value, problems: ['dateOverrides must be an object keyed by date (YYYY-MM-DD)'] };
  }
  const entries = Object.entries(input);
  if (entries.length > MAX_DATE_OVERRIDES) return { value, problems: [`dateOverrides has more than ${MAX_DATE_OVERRIDES} dates`] };
  const problems: string[] = [];
  for (const [date, windows] of entries) {
    if (!isCalendarDate(date)) {
      problems.push(`dateOverrides.${date.slice(0, 40)} is not a real date (YYYY-MM-DD)`);
      continue;
    }
    const normalized = normalizeWindows(`dateOverrides.${date}`, windows);
    problems.push(...normalized.problems);
    value[date] = normalized.value;
  }
  return { value, problems };
}

/** The windows of one local day: its date override if it has one, else its weekday's weekly windows. */
export function windowsOnDate(availability: WeeklyAvailability, overrides: DateOverrides | undefined, date: string, day: Weekday): Window[] {
  const own = overrides?.[date];
  if (own) return own.map((text) => parseWindow(text)).filter((w): w is Window => w !== null);
  return windowsOn(availability, day);
}
