import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { UnitOfWork } from '../common/database/unit-of-work';
import { JobEngine } from '../jobs/job-engine';
import { BookingTimers } from './booking-timers.service';
import { BookingsRepository } from './bookings.repository';

/** A store of due ids the fake repository lists as the real one does: `limit` at a time, leaving out `skip`. */
function timers(due: string[], options: { reminderBeforeMs?: number; failing?: Set<string> } = {}) {
  const claimed: string[] = [];
  const list = jest.fn((_after: Date, _until: Date, limit: number, skip: string[] = []) =>
    Promise.resolve(due.filter((id) => !skip.includes(id) && !claimed.includes(id)).slice(0, limit)),
  );
  const bookings = {
    listDueReminders: list,
    claimReminder: jest.fn((_manager: unknown, id: string) => {
      if (options.failing?.has(id)) return Promise.reject(new Error('boom'));
      claimed.push(id);
      return Promise.resolve(true);
    }),
    findFacts: jest.fn().mockResolvedValue({}),
  } as unknown as BookingsRepository;
  const unitOfWork = { run: (work: (manager: unknown, record: () => void) => Promise<unknown>) => work({}, () => undefined) } as unknown as UnitOfWork;
  const config = {
    get: () => ({ reminderBeforeMs: options.reminderBeforeMs ?? 3_600_000, autoCompleteAfterMs: 0, timedPassIntervalMs: 1000 }),
  } as unknown as ConfigService;
  const jobs = { register: jest.fn() } as unknown as JobEngine;
  return { service: new BookingTimers(unitOfWork, bookings, config as never, jobs), list, claimed, jobs };
}

describe('BookingTimers passes', () => {
  let logged: jest.SpyInstance;
  beforeEach(() => {
    logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('registers one stately recurring queue per transition', () => {
    const { jobs } = timers([]);
    const names = (jobs.register as jest.Mock).mock.calls.map(([queue]: [{ name: string; policy: string }]) => [queue.name, queue.policy]);
    expect(names).toEqual([
      ['bookings.remind', 'stately'],
      ['bookings.auto-complete', 'stately'],
    ]);
  });

  it('goes through every due booking, batch after batch', async () => {
    const due = Array.from({ length: 250 }, (_, i) => `b${i}`);
    const { service, claimed } = timers(due);
    expect(await service.sendDueReminders(new Date())).toEqual({ done: 250, failed: 0 });
    expect(claimed).toEqual(due);
  });

  it('logs a booking that fails, goes on with the others and ends (the next pass retries it)', async () => {
    const due = Array.from({ length: 150 }, (_, i) => `b${i}`);
    const { service, list } = timers(due, { failing: new Set(['b3', 'b120']) });
    expect(await service.sendDueReminders(new Date())).toEqual({ done: 148, failed: 2 });
    expect(list.mock.calls.length).toBeLessThanOrEqual(3);
    expect(logged).toHaveBeenCalledTimes(2);
  });

  it('stops between bookings when the instance is stopping', async () => {
    const controller = new AbortController();
    controller.abort();
    const { service, claimed } = timers(['b1', 'b2']);
    expect(await service.sendDueReminders(new Date(), controller.signal)).toEqual({ done: 0, failed: 0 });
    expect(claimed).toEqual([]);
  });

  it('sends nothing with BOOKING_REMINDER_HOURS=0, and completes nothing with BOOKING_AUTO_COMPLETE_HOURS=0', async () => {
    const { service, list } = timers(['b1'], { reminderBeforeMs: 0 });
    expect(await service.sendDueReminders(new Date())).toEqual({ done: 0, failed: 0 });
    expect(await service.completeEnded(new Date())).toEqual({ done: 0, failed: 0 });
    expect(list).not.toHaveBeenCalled();
  });
});
