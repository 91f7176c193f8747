import { UnprocessableError } from '../../common/errors/domain.error';
import { BookableTime, BookableSchedule } from './bookable-time';

// 2030-01-07 is a Monday.
const now = new Date('2030-01-07T08:00:00Z');
const schedule: BookableSchedule = { availability: { monday: ['09:00-12:00'] }, timezone: 'UTC', durationMinutes: 60 };
const time = (minNoticeMinutes = 0, horizonDays = 365) => new BookableTime({ minNoticeMinutes, slotIntervalMinutes: 60, horizonDays });

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof UnprocessableError) return error.code;
    throw error;
  }
  return undefined;
}

describe('bookable time', () => {
  it('accepts a start inside a window and answers the end', () => {
    expect(time().assertBookable(schedule, new Date('2030-01-07T10:00:00Z'), now)).toEqual(new Date('2030-01-07T11:00:00Z'));
  });

  it('refuses an invalid instant, the past, too short a notice and time outside the windows, each with its code', () => {
    expect(codeOf(() => time().assertBookable(schedule, new Date('nonsense'), now))).toBe('INVALID_TIME');
    expect(codeOf(() => time().assertBookable(schedule, new Date('2030-01-07T07:00:00Z'), now))).toBe('BOOKING_IN_PAST');
    expect(codeOf(() => time(180).assertBookable(schedule, new Date('2030-01-07T10:00:00Z'), now))).toBe('BOOKING_NOTICE_TOO_SHORT');
    expect(codeOf(() => time().assertBookable(schedule, new Date('2030-01-07T11:30:00Z'), now))).toBe('OUTSIDE_AVAILABILITY');
  });

  it('offers on the grid only what booking accepts: after the notice, inside the windows, clear of busy time', () => {
    const busy = [{ start: new Date('2030-01-07T10:00:00Z'), end: new Date('2030-01-07T11:00:00Z') }];
    const slots = time(90).freeSlots(schedule, '2030-01-07', '2030-01-07', busy, now);
    expect(slots.map((slot) => slot.start.toISOString())).toEqual(['2030-01-07T11:00:00.000Z']);
    for (const slot of slots) expect(time(90).assertBookable(schedule, slot.start, now)).toEqual(slot.end);
  });

  it('refuses a start beyond the horizon (BEYOND_HORIZON), and /slots offers none there', () => {
    expect(codeOf(() => time().assertBookable(schedule, new Date('9999-12-27T10:00:00Z'), now))).toBe('BEYOND_HORIZON');
    // 2030-01-14 is a Monday, 7 days after now: inside a 7-day horizon only up to 08:00.
    expect(codeOf(() => time(0, 7).assertBookable(schedule, new Date('2030-01-14T09:00:00Z'), now))).toBe('BEYOND_HORIZON');
    expect(time(0, 8).assertBookable(schedule, new Date('2030-01-14T09:00:00Z'), now)).toEqual(new Date('2030-01-14T10:00:00Z'));
    expect(time(0, 7).freeSlots(schedule, '2030-01-14', '2030-01-14', [], now)).toEqual([]);
    expect(time(0, 8).freeSlots(schedule, '2030-01-14', '2030-01-14', [], now)).toHaveLength(3);
    expect(time(0, 7).latestStart(now)).toEqual(new Date('2030-01-14T08:00:00Z'));
  });

  it('accepts only starts on the slot grid (OFF_SLOT_GRID): what /slots would offer were the provider free', () => {
    expect(codeOf(() => time().assertBookable(schedule, new Date('2030-01-07T10:07:00Z'), now))).toBe('OFF_SLOT_GRID');
    expect(codeOf(() => time().assertBookable(schedule, new Date('2030-01-07T09:30:00Z'), now))).toBe('OFF_SLOT_GRID');
    expect(codeOf(() => time().assertBookable(schedule, new Date('2030-01-07T10:00:00.001Z'), now))).toBe('OFF_SLOT_GRID');
    const every = time().freeSlots(schedule, '2030-01-07', '2030-01-07', [], now);
    expect(every.map((slot) => slot.start.toISOString())).toEqual(['2030-01-07T09:00:00.000Z', '2030-01-07T10:00:00.000Z', '2030-01-07T11:00:00.000Z']);
    for (const slot of every) expect(time().assertBookable(schedule, slot.start, now)).toEqual(slot.end);
  });

  it('walks the grid in the service’s zone and from each window’s opening (a 45-minute service on a 60-minute grid)', () => {
    const berlin: BookableSchedule = { availability: { monday: ['09:15-12:00'] }, timezone: 'Europe/Berlin', durationMinutes: 45 };
    // 09:15 and 10:00 Berlin (UTC+1 in January): the step is min(60, 45) = 45 minutes from the opening.
    expect(time().assertBookable(berlin, new Date('2030-01-07T08:15:00Z'), now)).toEqual(new Date('2030-01-07T09:00:00Z'));
    expect(time().assertBookable(berlin, new Date('2030-01-07T09:00:00Z'), now)).toEqual(new Date('2030-01-07T09:45:00Z'));
    expect(codeOf(() => time().assertBookable(berlin, new Date('2030-01-07T09:15:00Z'), now))).toBe('OFF_SLOT_GRID');
  });

  it('offers a start only when its buffered range [start - before, end + after) is clear of busy time', () => {
    const buffered: BookableSchedule = { ...schedule, availability: { monday: ['08:00-14:00'] }, bufferBeforeMinutes: 30, bufferAfterMinutes: 60 };
    const busy = [{ start: new Date('2030-01-07T11:00:00Z'), end: new Date('2030-01-07T11:30:00Z') }];
    const starts = (s: BookableSchedule) =>
      time()
        .freeSlots(s, '2030-01-07', '2030-01-07', busy, now)
        .map((slot) => slot.start.toISOString().slice(11, 16));
    // 09:00-10:00 needs until 11:00 clear (fine); 10:00 needs until 12:00 (busy); 12:00 needs from 11:30 (fine).
    expect(starts(buffered)).toEqual(['09:00', '12:00', '13:00']);
    expect(starts({ ...buffered, bufferBeforeMinutes: 31 })).toEqual(['09:00', '13:00']);
    expect(starts(schedule)).toEqual(['09:00', '10:00']);
  });

  it('starts the notice from now', () => {
    expect(time(30).earliestStart(now)).toEqual(new Date('2030-01-07T08:30:00Z'));
  });

  describe("a service's own overrides and rules", () => {
    const starts = (bookable: BookableTime, own: BookableSchedule, date: string) =>
      bookable.freeSlots(own, date, date, [], now).map((slot) => slot.start.toISOString().slice(11, 16));

    it('a date override replaces the weekday that date, for slots and for a start alike; [] closes it', () => {
      const own: BookableSchedule = { ...schedule, dateOverrides: { '2030-01-14': ['13:00-15:00'], '2030-01-21': [], '2030-01-19': ['10:00-11:00'] } };
      expect(starts(time(), own, '2030-01-14')).toEqual(['13:00', '14:00']);
      expect(starts(time(), own, '2030-01-21')).toEqual([]);
      expect(starts(time(), own, '2030-01-19')).toEqual(['10:00']);
      expect(starts(time(), own, '2030-01-28')).toEqual(['09:00', '10:00', '11:00']);
      expect(codeOf(() => time().assertBookable(own, new Date('2030-01-14T09:00:00Z'), now))).toBe('OUTSIDE_AVAILABILITY');
      expect(codeOf(() => time().assertBookable(own, new Date('2030-01-21T09:00:00Z'), now))).toBe('OUTSIDE_AVAILABILITY');
      expect(time().assertBookable(own, new Date('2030-01-14T13:00:00Z'), now)).toEqual(new Date('2030-01-14T14:00:00Z'));
    });

    it("its notice, horizon and interval stand over the platform's; null means the platform's", () => {
      expect(time().rulesFor({ ...schedule, minimumNoticeMinutes: null, bookingHorizonDays: 3, slotIntervalMinutes: 15 })).toEqual({
        minNoticeMinutes: 0,
        horizonDays: 3,
        slotIntervalMinutes: 15,
      });
      const fine: BookableSchedule = { ...schedule, slotIntervalMinutes: 30, minimumNoticeMinutes: 120 };
      expect(starts(time(), fine, '2030-01-07')).toEqual(['10:30', '11:00']);
      expect(codeOf(() => time().assertBookable(fine, new Date('2030-01-07T09:30:00Z'), now))).toBe('BOOKING_NOTICE_TOO_SHORT');
      expect(time().assertBookable(fine, new Date('2030-01-07T10:30:00Z'), now)).toEqual(new Date('2030-01-07T11:30:00Z'));
      const near: BookableSchedule = { ...schedule, bookingHorizonDays: 6 };
      expect(starts(time(), near, '2030-01-14')).toEqual([]);
      expect(codeOf(() => time().assertBookable(near, new Date('2030-01-14T09:00:00Z'), now))).toBe('BEYOND_HORIZON');
    });
  });
});
