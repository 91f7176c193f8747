import { DateTime } from 'luxon';
import { dayInstants, localToInstant } from './slot-generator';

/** What `generateSlots` reads for each minute of a local day: Luxon's rule, minute by minute (the reference). */
function reference(date: string, zone: string) {
  const day = DateTime.fromISO(date, { zone });
  const startMs = Array.from({ length: 1441 }, (_, minute) => localToInstant(day, minute, zone)?.toMillis() ?? null);
  const endMs = startMs.map((_, minute) => {
    for (let next = minute; next <= 1440; next++) if (startMs[next] !== null) return startMs[next];
    return day.plus({ days: 1 }).startOf('day').toMillis();
  });
  return { startMs, endMs };
}

const ZONES = ['Europe/Berlin', 'America/New_York', 'America/Havana', 'Australia/Lord_Howe', 'Antarctica/Troll', 'America/Santiago', 'Asia/Tokyo'];

describe('dayInstants: the instants of a local day’s minutes, as generateSlots computes them', () => {
  it.each(ZONES)('matches Luxon minute by minute on every day of 2030 with a clock change in %s', (zone) => {
    let irregular = 0;
    for (let day = DateTime.fromISO('2030-01-01', { zone: 'UTC' }); day.year === 2030; day = day.plus({ days: 1 })) {
      const date = day.toISODate() as string;
      const instants = dayInstants(date, zone);
      if (instants.regular) {
        expect(instants.midnightMs).toBe(localToInstant(DateTime.fromISO(date, { zone }), 0, zone)?.toMillis());
        continue;
      }
      irregular++;
      expect({ date, ...instants }).toEqual({ date, regular: false, ...reference(date, zone) });
    }
    if (zone === 'Asia/Tokyo') expect(irregular).toBe(0);
    else expect(irregular).toBeGreaterThan(0);
  });
});
