import { fitsInWindow, generateSlots, localToInstant, SlotRequest } from './slot-generator';
import { DateTime } from 'luxon';

const base = (overrides: Partial<SlotRequest>): SlotRequest => ({
  availability: {},
  timezone: 'UTC',
  durationMinutes: 60,
  intervalMinutes: 30,
  fromDate: '2030-01-07',
  toDate: '2030-01-07',
  notBefore: new Date('2000-01-01T00:00:00Z'),
  busy: [],
  ...overrides,
});

const starts = (request: SlotRequest) => generateSlots(request).map((slot) => slot.start.toISOString());

describe('slot generation', () => {
  it('starts a slot every interval inside the window, each ending inside it', () => {
    // 2030-01-07 is a Monday.
    expect(starts(base({ availability: { monday: ['09:00-11:00'] } }))).toEqual([
      '2030-01-07T09:00:00.000Z',
      '2030-01-07T09:30:00.000Z',
      '2030-01-07T10:00:00.000Z',
    ]);
  });

  it('steps by the duration when it is shorter than the interval', () => {
    expect(starts(base({ availability: { monday: ['09:00-10:00'] }, durationMinutes: 20 }))).toEqual([
      '2030-01-07T09:00:00.000Z',
      '2030-01-07T09:20:00.000Z',
      '2030-01-07T09:40:00.000Z',
    ]);
  });

  it('only offers days whose weekday has windows, and a window may end at 24:00', () => {
    const slots = starts(base({ availability: { tuesday: ['22:00-24:00'] }, fromDate: '2030-01-07', toDate: '2030-01-09' }));
    expect(slots).toEqual(['2030-01-08T22:00:00.000Z', '2030-01-08T22:30:00.000Z', '2030-01-08T23:00:00.000Z']);
  });

  it('skips slots in the past and slots overlapping the provider’s busy time, keeping adjacent ones', () => {
    const slots = starts(
      base({
        availability: { monday: ['09:00-13:00'] },
        notBefore: new Date('2030-01-07T09:15:00Z'),
        busy: [{ start: new Date('2030-01-07T11:00:00Z'), end: new Date('2030-01-07T12:00:00Z') }],
      }),
    );
    expect(slots).toEqual(['2030-01-07T09:30:00.000Z', '2030-01-07T10:00:00.000Z', '2030-01-07T12:00:00.000Z']);
  });

  it('reports the local time in the service zone', () => {
    const [slot] = generateSlots(base({ availability: { monday: ['09:00-10:00'] }, timezone: 'Europe/Berlin' }));
    expect(slot.start.toISOString()).toBe('2030-01-07T08:00:00.000Z');
    expect(slot.localStart).toBe('2030-01-07T09:00:00.000+01:00');
    expect(slot.localEnd).toBe('2030-01-07T10:00:00.000+01:00');
  });
});

describe('slots across daylight-saving changes', () => {
  it('America/New_York, spring forward (2026-03-08): 02:00-02:59 does not exist and is skipped', () => {
    const slots = generateSlots(
      base({ availability: { sunday: ['01:00-04:00'] }, timezone: 'America/New_York', fromDate: '2026-03-08', toDate: '2026-03-08' }),
    );
    expect(slots.map((s) => s.localStart)).toEqual([
      '2026-03-08T01:00:00.000-05:00',
      '2026-03-08T01:30:00.000-05:00', // ends 03:30 EDT: one real hour later
      '2026-03-08T03:00:00.000-04:00',
    ]);
    expect(slots.map((s) => s.start.toISOString())).toEqual(['2026-03-08T06:00:00.000Z', '2026-03-08T06:30:00.000Z', '2026-03-08T07:00:00.000Z']);
  });

  it('America/New_York, fall back (2026-11-01): the repeated 01:00-01:59 is offered once', () => {
    const slots = generateSlots(
      base({ availability: { sunday: ['00:00-03:00'] }, timezone: 'America/New_York', fromDate: '2026-11-01', toDate: '2026-11-01' }),
    );
    const utc = slots.map((s) => s.start.toISOString());
    expect(new Set(slots.map((s) => s.localStart.slice(11, 16))).size).toBe(slots.length);
    expect(utc[0]).toBe('2026-11-01T04:00:00.000Z'); // 00:00 EDT
    expect(utc).toContain('2026-11-01T05:00:00.000Z'); // 01:00 EDT, the first occurrence
    expect(utc).not.toContain('2026-11-01T06:00:00.000Z'); // 01:00 EST, the repeat
    // The window is four real hours long that day: the last start is 02:00 EST, ending 03:00 EST.
    expect(utc[utc.length - 1]).toBe('2026-11-01T07:00:00.000Z');
  });

  it('Europe/Berlin, spring forward (2026-03-29): 02:00-02:59 is skipped', () => {
    const slots = generateSlots(
      base({ availability: { sunday: ['01:00-04:00'] }, timezone: 'Europe/Berlin', durationMinutes: 30, fromDate: '2026-03-29', toDate: '2026-03-29' }),
    );
    expect(slots.map((s) => s.localStart.slice(11, 16))).toEqual(['01:00', '01:30', '03:00', '03:30']);
    expect(slots.map((s) => s.start.toISOString())).toEqual([
      '2026-03-29T00:00:00.000Z',
      '2026-03-29T00:30:00.000Z',
      '2026-03-29T01:00:00.000Z',
      '2026-03-29T01:30:00.000Z',
    ]);
  });

  it('Europe/Berlin, fall back (2026-10-25): 02:00-02:59 happens twice but is offered once', () => {
    const slots = generateSlots(
      base({ availability: { sunday: ['02:00-03:00'] }, timezone: 'Europe/Berlin', durationMinutes: 30, fromDate: '2026-10-25', toDate: '2026-10-25' }),
    );
    expect(slots.map((s) => s.start.toISOString())).toEqual(['2026-10-25T00:00:00.000Z', '2026-10-25T00:30:00.000Z']);
    expect(slots.map((s) => s.localStart)).toEqual(['2026-10-25T02:00:00.000+02:00', '2026-10-25T02:30:00.000+02:00']);
  });

  it('Australia/Sydney, clocks forward (2026-10-04): 02:00-02:59 is skipped', () => {
    const slots = generateSlots(
      base({ availability: { sunday: ['01:00-04:00'] }, timezone: 'Australia/Sydney', durationMinutes: 60, fromDate: '2026-10-04', toDate: '2026-10-04' }),
    );
    expect(slots.map((s) => s.localStart)).toEqual(['2026-10-04T01:00:00.000+10:00', '2026-10-04T01:30:00.000+10:00', '2026-10-04T03:00:00.000+11:00']);
    expect(slots[0].start.toISOString()).toBe('2026-10-03T15:00:00.000Z');
  });

  it('Australia/Sydney, clocks back (2026-04-05): the repeated 02:00-02:59 is offered once', () => {
    const slots = generateSlots(
      base({ availability: { sunday: ['02:00-03:00'] }, timezone: 'Australia/Sydney', durationMinutes: 30, fromDate: '2026-04-05', toDate: '2026-04-05' }),
    );
    expect(slots.map((s) => s.localStart)).toEqual(['2026-04-05T02:00:00.000+11:00', '2026-04-05T02:30:00.000+11:00']);
    expect(slots.map((s) => s.start.toISOString())).toEqual(['2026-04-04T15:00:00.000Z', '2026-04-04T15:30:00.000Z']);
  });

  it('maps a nonexistent local time to null and an existing one to its instant', () => {
    const day = DateTime.fromISO('2026-03-08', { zone: 'America/New_York' });
    expect(localToInstant(day, 150, 'America/New_York')).toBeNull();
    expect(localToInstant(day, 180, 'America/New_York')?.toUTC().toISO()).toBe('2026-03-08T07:00:00.000Z');
  });
});

describe('fitsInWindow', () => {
  const availability = { monday: ['09:00-12:00', '13:00-17:00'] };

  it('accepts a booking wholly inside one window, edges included', () => {
    expect(fitsInWindow(availability, 'Europe/Berlin', new Date('2030-01-07T08:00:00Z'), 180)).toBe(true); // 09:00-12:00 local
    expect(fitsInWindow(availability, 'Europe/Berlin', new Date('2030-01-07T12:00:00Z'), 60)).toBe(true); // 13:00-14:00
  });

  it('refuses one that spills out of its window or spans two windows', () => {
    expect(fitsInWindow(availability, 'Europe/Berlin', new Date('2030-01-07T10:30:00Z'), 60)).toBe(false); // 11:30-12:30
    expect(fitsInWindow(availability, 'Europe/Berlin', new Date('2030-01-07T10:00:00Z'), 240)).toBe(false);
    expect(fitsInWindow(availability, 'Europe/Berlin', new Date('2030-01-07T07:30:00Z'), 60)).toBe(false); // 08:30
  });

  it('uses the service zone, not UTC', () => {
    // 09:00 UTC is 10:00 in Berlin (inside) but 04:00 in New York (outside).
    expect(fitsInWindow(availability, 'Europe/Berlin', new Date('2030-01-07T09:00:00Z'), 60)).toBe(true);
    expect(fitsInWindow(availability, 'America/New_York', new Date('2030-01-07T09:00:00Z'), 60)).toBe(false);
  });

  it('measures real time across a clock change', () => {
    // 2026-03-08 New York: 01:00-04:00 local is two real hours long.
    const sunday = { sunday: ['01:00-04:00'] };
    expect(fitsInWindow(sunday, 'America/New_York', new Date('2026-03-08T06:00:00Z'), 120)).toBe(true); // 01:00 EST -> 04:00 EDT
    expect(fitsInWindow(sunday, 'America/New_York', new Date('2026-03-08T06:00:00Z'), 150)).toBe(false);
  });
});
