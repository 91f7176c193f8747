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
    if (!Array.isArray(windows) || windows.some((w) => typeof w !== 'string')) {
      problems.push(`availability.${day} must be a list of "HH:MM-HH:MM" windows`);
      continue;
    }
    if (windows.length > MAX_WINDOWS_PER_DAY) {
      problems.push(`availability.${day} has more than ${MAX_WINDOWS_PER_DAY} windows`);
      continue;
    }
    const parsed: Array<{ text: string; window: Window }> = [];
    for (const text of windows as string[]) {
      const window = parseWindow(text);
      if (!window) problems.push(`availability.${day}: "${String(text).slice(0, 40)}" is not a "HH:MM-HH:MM" window`);
      else if (window.start >= window.end) problems.push(`availability.${day}: "${text}" must start before it ends`);
      else parsed.push({ text, window });
    }
    parsed.sort((a, b) => a.window.start - b.window.start);
    for (let i = 1; i < parsed.length; i++) {
      if (parsed[i].window.start < parsed[i - 1].window.end) {
        problems.push(`availability.${day}: "${parsed[i - 1].text}" and "${parsed[i].text}" overlap`);
      }
    }
    value[day] = parsed.map((p) => p.text);
    windowCount += parsed.length;
  }
  if (!problems.length && windowCount === 0) problems.push('availability must have at least one window');
  return { value, problems };
}

export function windowsOn(availability: WeeklyAvailability, day: Weekday): Window[] {
  return (availability[day] ?? []).map((text) => parseWindow(text)).filter((w): w is Window => w !== null);
}
