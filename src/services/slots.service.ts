import { Injectable } from '@nestjs/common';
import { DateTime } from 'luxon';
import { ValidationFailedError } from '../common/errors/domain.error';
import { BookableTime } from './availability/bookable-time';
import { Slot, utcSpan } from './availability/slot-generator';
import { SlotResponse } from './dto/service.response';
import { ScheduleCandidate, ServicesRepository } from './services.repository';

export const MAX_SLOT_RANGE_DAYS = 31;
/** The most slots a range can hold: a slot every 5 minutes (the shortest interval and duration), 25-hour days. */
export const MAX_SLOTS = (MAX_SLOT_RANGE_DAYS * 25 * 60) / 5;
const DEFAULT_RANGE_DAYS = 7;

/** Free start times: bookable time (`BookableTime`) minus the provider's bookings, in the service's time zone. */
@Injectable()
export class SlotsService {
  constructor(
    private readonly services: ServicesRepository,
    private readonly bookableTime: BookableTime,
  ) {}

  async listSlots(service: ScheduleCandidate, from?: string, to?: string): Promise<SlotResponse[]> {
    const range = this.resolveRange(service.timezone, from, to);
    const slots = await this.freeSlots([service], range.from, range.to);
    return (slots.get(service.id) ?? []).map((slot) => ({
      start: slot.start.toISOString(),
      end: slot.end.toISOString(),
      localStart: slot.localStart,
      localEnd: slot.localEnd,
      timezone: service.timezone,
    }));
  }

  private async freeSlots(candidates: ScheduleCandidate[], fromDate: string, toDate: string): Promise<Map<string, Slot[]>> {
    const result = new Map<string, Slot[]>();
    if (!candidates.length) return result;
    // One query for the busy time of every provider involved, over a span that covers every zone.
    const spans = candidates.map((c) => utcSpan(fromDate, toDate, c.timezone));
    // Widened by the buffers: busy time just outside the days can still meet a first or last slot's buffer.
    const from = new Date(Math.min(...spans.map((s) => s.start.getTime())) - Math.max(...candidates.map((c) => c.bufferBeforeMinutes ?? 0)) * 60_000);
    const to = new Date(Math.max(...spans.map((s) => s.end.getTime())) + Math.max(...candidates.map((c) => c.bufferAfterMinutes ?? 0)) * 60_000);
    const busy = await this.services.busyIntervals([...new Set(candidates.map((c) => c.providerId))], from, to);
    const now = new Date();
    for (const candidate of candidates) {
      result.set(candidate.id, this.bookableTime.freeSlots(candidate, fromDate, toDate, busy.get(candidate.providerId) ?? [], now));
    }
    return result;
  }

  private resolveRange(zone: string, from?: string, to?: string): { from: string; to: string } {
    const start = from ? DateTime.fromISO(from, { zone }) : DateTime.now().setZone(zone).startOf('day');
    const end = to ? DateTime.fromISO(to, { zone }) : start.plus({ days: DEFAULT_RANGE_DAYS - 1 });
    const problems = [];
    if (!start.isValid) problems.push({ field: 'from', message: 'from is not a real date' });
    if (!end.isValid) problems.push({ field: 'to', message: 'to is not a real date' });
    if (!problems.length && end < start) problems.push({ field: 'to', message: 'to must not be before from' });
    if (!problems.length && end.diff(start, 'days').days + 1 > MAX_SLOT_RANGE_DAYS) {
      problems.push({ field: 'to', message: `the range may cover at most ${MAX_SLOT_RANGE_DAYS} days` });
    }
    if (problems.length) throw new ValidationFailedError(problems);
    return { from: start.toISODate() as string, to: end.toISODate() as string };
  }
}
