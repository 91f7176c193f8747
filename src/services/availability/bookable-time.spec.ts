import { UnprocessableError } from '../../common/errors/domain.error';
import { BookableTime, BookableSchedule } from './bookable-time';

// 2030-01-07 is a Monday.
const now = new Date('2030-01-07T08:00:00Z');
const schedule: BookableSchedule = { availability: { monday: ['09:00-12:00'] }, timezone: 'UTC', durationMinutes: 60 };
const time = (minNoticeMinutes = 0) => new BookableTime({ minNoticeMinutes, slotIntervalMinutes: 60 });

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

  it('starts the notice from now', () => {
    expect(time(30).earliestStart(now)).toEqual(new Date('2030-01-07T08:30:00Z'));
  });
});
