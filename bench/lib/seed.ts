import { Client } from 'pg';

export const CATEGORIES = [
  'home_services',
  'repairs',
  'outdoor',
  'tutoring',
  'beauty',
  'fitness',
  'pets',
  'tech_support',
  'moving',
  'events',
  'photography',
  'wellness',
] as const;

const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'Australia/Sydney'];
const DURATIONS = [30, 45, 60, 90, 120];
const AVAILABILITY = [
  {
    monday: ['08:00-12:00', '13:00-18:00'],
    tuesday: ['08:00-12:00', '13:00-18:00'],
    wednesday: ['08:00-12:00', '13:00-18:00'],
    thursday: ['08:00-12:00', '13:00-18:00'],
    friday: ['08:00-16:00'],
  },
  { monday: ['09:00-17:00'], wednesday: ['09:00-17:00'], friday: ['09:00-17:00'], saturday: ['10:00-14:00'] },
  { tuesday: ['07:00-11:00', '15:00-21:00'], thursday: ['07:00-11:00', '15:00-21:00'], saturday: ['08:00-18:00'], sunday: ['10:00-16:00'] },
];
const ADJECTIVES = ['Reliable', 'Express', 'Premium', 'Friendly', 'Expert', 'Eco', 'Budget'];
const NOUNS = [
  'cleaning',
  'plumbing',
  'gardening',
  'maths tutoring',
  'haircut',
  'personal training',
  'dog walking',
  'laptop repair',
  'furniture moving',
  'party planning',
  'portrait photography',
];

export interface SeedOptions {
  services: number;
  providers: number;
  customers: number;
  /** One bcrypt hash for every account (computed once: hashing 7,000 passwords at cost 12 would take minutes). */
  passwordHash: string;
  /** Every `deletedProviderEvery`-th provider is a deleted account (their services leave the public catalog). */
  deletedProviderEvery?: number;
}

export interface SeedSummary {
  services: number;
  listedServices: number;
  providers: number;
  deletedProviders: number;
  customers: number;
  seconds: number;
}

/** A one-line progress bar on stderr. */
export function progressBar(label: string, total: number): (done: number) => void {
  const width = 30;
  const started = Date.now();
  return (done: number) => {
    const share = total ? done / total : 1;
    const filled = Math.round(share * width);
    const rate = done / Math.max(0.001, (Date.now() - started) / 1000);
    process.stderr.write(
      `\r  ${label.padEnd(10)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}% ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} (${Math.round(rate).toLocaleString('en-US')}/s)`,
    );
    if (done >= total) process.stderr.write('\n');
  };
}

/**
 * Bulk-inserts the dataset with set-based INSERT ... SELECT over generate_series (the server builds the rows,
 * nothing travels but the statement), then VACUUM ANALYZE so the planner and index-only scans see it as a
 * long-running database would.
 */
export async function seed(url: string, options: SeedOptions): Promise<SeedSummary> {
  const started = Date.now();
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const deletedEvery = options.deletedProviderEvery ?? 100;
    const users = progressBar('users', options.providers + options.customers);
    await client.query(
      `INSERT INTO users (email, password_hash, role, first_name, last_name, credentials_changed_at, created_at, updated_at, deleted_at)
       SELECT 'provider' || n || '@bench.local', $1, 'PROVIDER', 'Provider', 'Number ' || n, now() - interval '1 day',
              now() - interval '30 days', now() - interval '30 days', CASE WHEN n % $3 = 0 THEN now() - interval '1 day' END
         FROM generate_series(1, $2::int) AS n`,
      [options.passwordHash, options.providers, deletedEvery],
    );
    users(options.providers);
    await client.query(
      `INSERT INTO users (email, password_hash, role, first_name, last_name, credentials_changed_at, created_at, updated_at)
       SELECT 'customer' || n || '@bench.local', $1, 'CUSTOMER', 'Customer', 'Number ' || n, now() - interval '1 day',
              now() - interval '30 days', now() - interval '30 days'
         FROM generate_series(1, $2::int) AS n`,
      [options.passwordHash, options.customers],
    );
    users(options.providers + options.customers);

    const { rows: providerRows } = await client.query<{ id: string }>(`SELECT id FROM users WHERE role = 'PROVIDER' ORDER BY email`);
    const providerIds = providerRows.map((row) => row.id);
    const services = progressBar('services', options.services);
    const batch = 10_000;
    for (let first = 1; first <= options.services; first += batch) {
      const last = Math.min(options.services, first + batch - 1);
      await client.query(
        `INSERT INTO services (provider_id, title, description, category, price, currency, duration_minutes, availability, images,
                               timezone, status, created_at, updated_at, deleted_at)
         SELECT ($1::uuid[])[1 + n % cardinality($1::uuid[])],
                ($2::text[])[1 + n % cardinality($2::text[])] || ' ' || ($3::text[])[1 + (n / 7) % cardinality($3::text[])] || ' #' || n,
                'Professional ' || ($3::text[])[1 + (n / 7) % cardinality($3::text[])] || ' by a vetted local provider. Service number ' || n ||
                  ', insured, with all materials included and a satisfaction guarantee.',
                ($4::text[])[1 + (n * 7) % cardinality($4::text[])],
                round((10 + (n * 7919) % 49000 / 100.0)::numeric, 2),
                'USD',
                ($5::int[])[1 + n % cardinality($5::int[])],
                ($6::jsonb[])[1 + (n / 3) % cardinality($6::jsonb[])],
                '["https://images.example.com/service.jpg"]'::jsonb,
                ($7::text[])[1 + (n / 11) % cardinality($7::text[])],
                CASE WHEN n % 50 = 0 THEN 'INACTIVE' WHEN n % 97 = 0 THEN 'SUSPENDED' ELSE 'ACTIVE' END,
                now() - ((n * 7717) % 525600) * interval '1 minute',
                now() - ((n * 7717) % 525600) * interval '1 minute',
                CASE WHEN n % 101 = 0 THEN now() - interval '1 day' END
           FROM generate_series($8::int, $9::int) AS n`,
        [providerIds, ADJECTIVES, NOUNS, [...CATEGORIES], DURATIONS, AVAILABILITY.map((a) => JSON.stringify(a)), ZONES, first, last],
      );
      services(last);
    }
    process.stderr.write('  vacuum analyze...\n');
    await client.query('VACUUM ANALYZE');
    const {
      rows: [counts],
    } = await client.query<{ listed: number; deleted_providers: number }>(
      `SELECT (SELECT count(*)::int FROM services s JOIN users u ON u.id = s.provider_id
                WHERE s.status = 'ACTIVE' AND s.deleted_at IS NULL AND u.deleted_at IS NULL) AS listed,
              (SELECT count(*)::int FROM users WHERE role = 'PROVIDER' AND deleted_at IS NOT NULL) AS deleted_providers`,
    );
    return {
      services: options.services,
      listedServices: counts.listed,
      providers: options.providers,
      deletedProviders: counts.deleted_providers,
      customers: options.customers,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await client.end();
  }
}
