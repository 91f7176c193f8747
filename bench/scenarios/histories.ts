import * as bcrypt from 'bcrypt';
import { randomUUID } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import { Client } from 'pg';
import { runMigrations } from '../../src/database/migrate';
import { BenchDatabaseServer } from '../lib/database';
import { LoadResult, median, RequestSpec, runLoad } from '../lib/load';
import { log } from '../lib/paths';
import { seed } from '../lib/seed';
import { BenchServers } from '../lib/servers';

/** How many rows of their own the small and the large user have (the large one: each history table). */
export const HISTORY_SIZES = { small: 100, large: 100_000, smallProviderBookings: 10, largeProviderBookings: 5_000 };
/** The target: a large user's p50 within this factor of a small user's. */
export const HISTORY_TARGET = 1.3;
/** Connections of the whole bench's history rounds (a user's own lists: a few tabs, not a crowd). */
export const HISTORY_CONNECTIONS = 4;

export interface HistoryRow {
  request: string;
  smallP50: number;
  largeP50: number;
  ratio: number;
}

export interface HistoryGrowthOptions {
  db: BenchDatabaseServer & { baseName: string };
  servers: BenchServers;
  connections: number;
  durationSec: number;
  rounds: number;
  keepDatabase: boolean;
}

interface Party {
  id: string;
  token: string;
}

/**
 * The histories at 100 and at 100,000 rows of one user's own, side by side in one run: one app on one
 * database holding both users, each request measured for the small and the large user in alternating order,
 * the p50s compared with the 1.3x target. The same for a provider's slots with 10 and with 5,000 bookings.
 */
export async function runHistoryGrowth(options: HistoryGrowthOptions): Promise<HistoryRow[]> {
  const { db, servers } = options;
  const name = `${db.baseName}_histories`;
  log(`  histories: ${HISTORY_SIZES.small} vs ${HISTORY_SIZES.large} rows of one user's own (${name})`);
  const url = await db.recreate(name);
  try {
    await runMigrations(url);
    await seed(url, {
      services: 40,
      providers: 4,
      customers: 4,
      passwordHash: await bcrypt.hash('unused-Password-1!', 4),
      deletedProviderEvery: 1_000_000,
    });
    const parties = await seedHistories(url, servers.jwtSecret);
    const app = await servers.startApp(url, 'histories');
    const base = `http://127.0.0.1:${app.port}`;
    const get = (party: Party, path: string): (() => RequestSpec) => {
      const spec: RequestSpec = { method: 'GET', path, headers: { authorization: `Bearer ${party.token}` } };
      return () => spec;
    };
    /** The path of the next page after the middle of the user's list (a deep page, by cursor). */
    const deep = async (party: Party, path: string, rows: number): Promise<string> => {
      const response = await fetch(`${base}${path}?limit=20&offset=${Math.min(rows / 2, 10_000)}`, { headers: { authorization: `Bearer ${party.token}` } });
      const next = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
      if (!next) throw new Error(`no next page for ${path}`);
      const url = new URL(next);
      return `${url.pathname}${url.search}`;
    };
    const { small, large, smallService, largeService } = parties;
    const from = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const to = new Date(Date.now() + 28 * 86_400_000).toISOString().slice(0, 10);
    const pairs: Array<{ request: string; small: () => RequestSpec; large: () => RequestSpec }> = [];
    for (const list of ['/bookings/', '/payments/', '/notifications/']) {
      pairs.push({ request: `GET ${list} first page`, small: get(small, `${list}?limit=20`), large: get(large, `${list}?limit=20`) });
      pairs.push({
        request: `GET ${list} deep page (cursor)`,
        small: get(small, await deep(small, list, HISTORY_SIZES.small)),
        large: get(large, await deep(large, list, HISTORY_SIZES.large)),
      });
    }
    pairs.push({
      request: 'GET /notifications/?unread=true',
      small: get(small, '/notifications/?unread=true'),
      large: get(large, '/notifications/?unread=true'),
    });
    pairs.push({
      request: 'GET /notifications/unread/count',
      small: get(small, '/notifications/unread/count'),
      large: get(large, '/notifications/unread/count'),
    });
    pairs.push({
      request: `GET /services/{id}/slots (4 weeks), ${HISTORY_SIZES.smallProviderBookings} vs ${HISTORY_SIZES.largeProviderBookings} bookings`,
      small: get(small, `/services/${smallService}/slots?from=${from}&to=${to}`),
      large: get(small, `/services/${largeService}/slots?from=${from}&to=${to}`),
    });

    const rows: HistoryRow[] = [];
    for (const pair of pairs) {
      const load = (next: () => RequestSpec, durationSec: number): Promise<LoadResult> =>
        runLoad({ port: app.port, serverPid: app.pid, connections: options.connections, durationSec, next });
      await load(pair.small, 1);
      await load(pair.large, 1);
      const p50s: Record<'small' | 'large', number[]> = { small: [], large: [] };
      for (let round = 1; round <= options.rounds; round++) {
        for (const size of round % 2 ? (['small', 'large'] as const) : (['large', 'small'] as const)) {
          const result = await load(pair[size], options.durationSec);
          if (result.non2xx) throw new Error(`${pair.request} (${size}): ${result.non2xx} answers ${result.firstBadStatus}`);
          p50s[size].push(result.p50);
        }
      }
      const row = { request: pair.request, smallP50: median(p50s.small), largeP50: median(p50s.large), ratio: 0 };
      row.ratio = row.largeP50 / Math.max(row.smallP50, 0.001);
      log(`  ${row.request}: ${row.smallP50.toFixed(2)} vs ${row.largeP50.toFixed(2)} ms p50, ${row.ratio.toFixed(2)}x`);
      rows.push(row);
    }
    await servers.stop(app);
    return rows;
  } finally {
    if (!options.keepDatabase) await db.drop(name);
  }
}

/** The growth table, for the report. */
export function historyTable(rows: HistoryRow[]): string {
  const lines = [
    `| request | ${HISTORY_SIZES.small} rows p50 ms | ${HISTORY_SIZES.large.toLocaleString('en')} rows p50 ms | ratio | target |`,
    '|---|--:|--:|--:|---|',
    ...rows.map(
      (row) =>
        `| ${row.request} | ${row.smallP50.toFixed(2)} | ${row.largeP50.toFixed(2)} | ${row.ratio.toFixed(2)}x | <= ${HISTORY_TARGET}x, ${row.ratio <= HISTORY_TARGET ? 'met' : 'NOT met'} |`,
    ),
  ];
  return lines.join('\n');
}

/**
 * Two customers of the seeded data, one with 100 rows in each history and one with 100,000, and two providers'
 * services, one provider with 10 past bookings and one with 5,000.
 */
async function seedHistories(url: string, jwtSecret: string): Promise<{ small: Party; large: Party; smallService: string; largeService: string }> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows: customers } = await client.query<{ id: string; role: string }>(
      `SELECT id, role FROM users WHERE role = 'CUSTOMER' AND deleted_at IS NULL ORDER BY email LIMIT 2`,
    );
    const { rows: services } = await client.query<{ id: string; provider_id: string; duration_minutes: number }>(
      `SELECT DISTINCT ON (s.provider_id) s.id, s.provider_id, s.duration_minutes
         FROM services s JOIN users u ON u.id = s.provider_id AND u.deleted_at IS NULL
        WHERE s.status = 'ACTIVE' AND s.deleted_at IS NULL ORDER BY s.provider_id, s.id LIMIT 2`,
    );
    const [service] = services;
    for (const [customer, count] of [
      [customers[0], HISTORY_SIZES.small],
      [customers[1], HISTORY_SIZES.large],
    ] as const) {
      await client.query(
        `INSERT INTO bookings (customer_id, service_id, provider_id, status, scheduled_at, ends_at, duration_minutes, total_amount, currency)
         SELECT $1, $2, $3, 'COMPLETED', at, at + make_interval(mins => $4), $4, 10, 'USD'
           FROM (SELECT now() - n * interval '1 hour' AS at FROM generate_series(1, $5::int) AS n) starts`,
        [customer.id, service.id, service.provider_id, service.duration_minutes, count],
      );
      await client.query(
        `INSERT INTO payments (service_id, customer_id, provider_id, status, amount, currency, payment_method, created_at, updated_at)
         SELECT $1, $2, $3, 'SUCCESS', 10, 'USD', '{"type": "card", "last4": "4242", "brand": "visa"}', at, at
           FROM (SELECT now() - n * interval '1 minute' AS at FROM generate_series(1, $4::int) AS n) times`,
        [service.id, customer.id, service.provider_id, count],
      );
      await client.query(
        `INSERT INTO notifications (user_id, seq, type, title, message, data, read_at, created_at)
         SELECT $1, seq, 'payment_received', 'Payment received', 'Your payment of 10.00 USD for a seeded booking was received.',
                jsonb_build_object('amount', 10, 'currency', 'USD'), CASE WHEN seq % 10 = 0 THEN NULL ELSE now() END, now() - ($2::int - seq) * interval '1 second'
           FROM generate_series(1, $2::int) AS seq`,
        [customer.id, count],
      );
      await client.query(
        `INSERT INTO notification_counters (user_id, last_seq, unread) VALUES ($1, $2::bigint, $2::bigint / 10)
         ON CONFLICT (user_id) DO UPDATE SET last_seq = EXCLUDED.last_seq, unread = EXCLUDED.unread`,
        [customer.id, count],
      );
    }
    // The providers' past bookings (CONFIRMED, so they are in the exclusion constraint), an hour apart.
    for (const [target, count] of [
      [services[0], HISTORY_SIZES.smallProviderBookings],
      [services[1], HISTORY_SIZES.largeProviderBookings],
    ] as const) {
      await client.query(
        `INSERT INTO bookings (customer_id, service_id, provider_id, status, scheduled_at, ends_at, duration_minutes, total_amount, currency)
         SELECT $1, $2, $3, 'CONFIRMED', at, at + make_interval(mins => $4), $4, 10, 'USD'
           FROM (SELECT date_trunc('hour', now()) - n * interval '1 day' AS at FROM generate_series(1, $5::int) AS n) starts`,
        [customers[0].id, target.id, target.provider_id, target.duration_minutes, count],
      );
    }
    for (const table of ['bookings', 'payments', 'notifications', 'notification_counters']) await client.query(`VACUUM ANALYZE ${table}`);
    const jwt = new JwtService({ secret: jwtSecret, signOptions: { algorithm: 'HS256' } });
    const token = (id: string) => jwt.sign({ role: 'CUSTOMER' }, { subject: id, jwtid: randomUUID(), expiresIn: 6 * 3600 });
    return {
      small: { id: customers[0].id, token: token(customers[0].id) },
      large: { id: customers[1].id, token: token(customers[1].id) },
      smallService: services[0].id,
      largeService: services[1].id,
    };
  } finally {
    await client.end();
  }
}
