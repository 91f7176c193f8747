import { randomUUID } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import { DateTime } from 'luxon';
import { Client } from 'pg';
import { generateSlots } from '../../src/services/availability/slot-generator';
import { WeeklyAvailability } from '../../src/services/availability/weekly-availability';
import { CATEGORIES } from './seed';
import { RequestSpec } from './load';

export const BENCH_PASSWORD = 'Bench-Password-1!';

interface Account {
  id: string;
  email: string;
  role: 'CUSTOMER' | 'PROVIDER';
  token: string;
}

interface BookableService {
  id: string;
  providerId: string;
  price: number;
  currency: string;
  durationMinutes: number;
  availability: WeeklyAvailability;
  timezone: string;
}

/** Deterministic shuffle (the same order for the app and the floor). */
function shuffled<T>(items: T[], seed = 42): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Free (service, start) pairs, each used once: one listed service per provider, its slots walked a week at a
 * time (the app's own slot generator, stepping by the duration so slots never overlap), and the providers
 * taken in turn so that consecutive requests go to different providers' schedules.
 */
/** The app's SLOT_INTERVAL_MINUTES default (the bench's services have no interval of their own). */
const SLOT_INTERVAL_MINUTES = 30;

class SlotSupply {
  private readonly cursors: Array<{ service: BookableService; weekStart: DateTime; queue: Date[] }>;
  private turn = 0;

  constructor(services: BookableService[]) {
    const tomorrow = DateTime.utc().plus({ days: 2 }).startOf('day');
    this.cursors = services.map((service) => ({ service, weekStart: tomorrow, queue: [] }));
  }

  next(): { service: BookableService; start: Date } {
    const cursor = this.cursors[this.turn++ % this.cursors.length];
    while (!cursor.queue.length) {
      const from = cursor.weekStart.setZone(cursor.service.timezone).toISODate() as string;
      const to = cursor.weekStart.plus({ days: 6 }).setZone(cursor.service.timezone).toISODate() as string;
      cursor.weekStart = cursor.weekStart.plus({ days: 7 });
      // The starts /slots offers (the platform's grid), each after the previous one's end: none refused, none taken.
      let free = 0;
      cursor.queue = generateSlots({
        availability: cursor.service.availability,
        timezone: cursor.service.timezone,
        durationMinutes: cursor.service.durationMinutes,
        intervalMinutes: SLOT_INTERVAL_MINUTES,
        fromDate: from,
        toDate: to,
        notBefore: new Date(Date.now() + 86_400_000),
        busy: [],
      })
        .filter((slot) => slot.start.getTime() >= free && (free = slot.end.getTime()) > 0)
        .map((slot) => slot.start);
    }
    return { service: cursor.service, start: cursor.queue.shift()! };
  }
}

/** What the scenarios draw from: ids, categories, accounts with their tokens, free slots. */
export class Dataset {
  private constructor(
    readonly listedIds: string[],
    readonly customers: Account[],
    readonly users: Account[],
    private readonly slotSupply: SlotSupply,
  ) {}

  static async load(url: string, jwtSecret: string): Promise<Dataset> {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const { rows: listed } = await client.query<{ id: string }>(
        `SELECT s.id FROM services s JOIN users u ON u.id = s.provider_id AND u.deleted_at IS NULL
          WHERE s.status = 'ACTIVE' AND s.deleted_at IS NULL ORDER BY s.id LIMIT 20000`,
      );
      const { rows: users } = await client.query<{ id: string; email: string; role: 'CUSTOMER' | 'PROVIDER' }>(
        `SELECT id, email, role FROM users WHERE deleted_at IS NULL ORDER BY role, email`,
      );
      const { rows: bookable } = await client.query<{
        id: string;
        provider_id: string;
        price: string;
        currency: string;
        duration_minutes: number;
        availability: WeeklyAvailability;
        timezone: string;
      }>(
        `SELECT DISTINCT ON (s.provider_id) s.id, s.provider_id, s.price, s.currency, s.duration_minutes, s.availability, s.timezone
           FROM services s JOIN users u ON u.id = s.provider_id AND u.deleted_at IS NULL
          WHERE s.status = 'ACTIVE' AND s.deleted_at IS NULL
          ORDER BY s.provider_id, s.id`,
      );
      const jwt = new JwtService({ secret: jwtSecret, signOptions: { algorithm: 'HS256' } });
      // Signed as the app signs them (role claim, sub, jti, iat, exp), valid for the whole run.
      const accounts: Account[] = users.map((user) => ({
        ...user,
        token: jwt.sign({ role: user.role }, { subject: user.id, jwtid: randomUUID(), expiresIn: 6 * 3600 }),
      }));
      return new Dataset(
        shuffled(listed.map((row) => row.id)),
        accounts.filter((account) => account.role === 'CUSTOMER'),
        shuffled(accounts),
        new SlotSupply(
          shuffled(bookable).map((row) => ({
            id: row.id,
            providerId: row.provider_id,
            price: Number(row.price),
            currency: row.currency.trim(),
            durationMinutes: row.duration_minutes,
            availability: row.availability,
            timezone: row.timezone,
          })),
        ),
      );
    } finally {
      await client.end();
    }
  }

  /** Scenario 1: `GET /services/?category=X&limit=20`, anonymous, the categories in turn. */
  listing(): () => RequestSpec {
    let i = 0;
    return () => ({ method: 'GET', path: `/services/?category=${CATEGORIES[i++ % CATEGORIES.length]}&limit=20` });
  }

  /** Scenario 2: `GET /services/{id}`, anonymous. */
  serviceById(): () => RequestSpec {
    let i = 0;
    return () => ({ method: 'GET', path: `/services/${this.listedIds[i++ % this.listedIds.length]}` });
  }

  /** Scenario 3: `GET /services/{id}/slots` for the week starting tomorrow (UTC), anonymous. */
  slots(): () => RequestSpec {
    let i = 0;
    const from = DateTime.utc().plus({ days: 1 }).toISODate();
    const to = DateTime.utc().plus({ days: 7 }).toISODate();
    return () => ({ method: 'GET', path: `/services/${this.listedIds[i++ % this.listedIds.length]}/slots?from=${from}&to=${to}` });
  }

  /** Scenario 4: `POST /bookings/` with payment, each request a distinct free slot, customers in turn. */
  booking(): () => RequestSpec {
    let i = 0;
    return () => {
      const customer = this.customers[i++ % this.customers.length];
      const { service, start } = this.slotSupply.next();
      return {
        method: 'POST',
        path: '/bookings/',
        headers: { authorization: `Bearer ${customer.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          serviceId: service.id,
          scheduledAt: start.toISOString(),
          notes: 'Bench booking',
          payment: { amount: service.price, currency: service.currency, paymentMethod: { type: 'card', brand: 'visa', last4: '4242' } },
        }),
      };
    };
  }

  /** Scenario 5: `POST /auth/login` (JSON), customers in turn, the right password. */
  login(): () => RequestSpec {
    let i = 0;
    return () => ({
      method: 'POST',
      path: '/auth/login',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: this.customers[i++ % this.customers.length].email, password: BENCH_PASSWORD }),
    });
  }
}
