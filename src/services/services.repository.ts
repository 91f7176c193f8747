import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { prepared, PreparedStatement, Sql } from '../common/database/sql';
import { Keyset } from '../common/pagination/keyset';
import { CatalogTotalsCache } from './catalog-totals.cache';
import { Interval } from './availability/slot-generator';
import { FreeOnDayColumns } from './availability/bookable-time';
import { DateOverrides, WeeklyAvailability } from './availability/weekly-availability';
import { ServiceSort } from './dto/list-services.query';
import { ServiceEntity, ServiceStatus } from './service.entity';

/** Who is looking decides which services are in scope. */
export type ServiceScope = { kind: 'public' } | { kind: 'provider'; providerId: string } | { kind: 'admin' };

export interface ServiceFilter {
  scope: ServiceScope;
  status?: ServiceStatus;
  category?: string;
  q?: string;
  minPrice?: number;
  maxPrice?: number;
  providerId?: string;
  /**
   * Only services with a free slot on a day: the SQL condition `BookableTime.freeOnDaySql` builds, given the
   * names of the row's columns and the provider's busy time (`FREE_ON_DAY_COLUMNS`) and a way to add values.
   */
  freeOn?: (columns: FreeOnDayColumns, param: (value: unknown) => string) => string;
}

export interface ScheduleCandidate {
  id: string;
  providerId: string;
  availability: WeeklyAvailability;
  timezone: string;
  durationMinutes: number;
  bufferBeforeMinutes?: number;
  bufferAfterMinutes?: number;
  dateOverrides: DateOverrides;
  minimumNoticeMinutes: number | null;
  bookingHorizonDays: number | null;
  slotIntervalMinutes: number | null;
}

/** One SQL statement with its positional parameters. */
export class SqlStatement {
  constructor(
    readonly text: string,
    readonly values: unknown[],
    /** Set for the few fixed shapes worth preparing once per connection. */
    readonly prepared?: PreparedStatement,
  ) {}

  getQueryAndParameters(): [string, unknown[]] {
    return [this.text, this.values];
  }
}

export interface ListingQueries {
  /** One row, `total`: how many services match. */
  count: SqlStatement;
  /** The page of services, in the requested order, walking the order's index. */
  page: SqlStatement;
  /** The same page read from the filter's matches first (a search or a price range), for when they are few. */
  pageFromMatches?: SqlStatement;
}

/** A service as read, with whether its provider's account is active (neither deleted nor suspended). */
export interface ServiceWithProvider {
  service: ServiceEntity;
  providerActive: boolean;
}

const ID = { sql: 's.id', kind: 'uuid' } as const;
const PRICE = { sql: 's.price', kind: 'decimal' } as const;
// A creation time has microseconds, more than a JavaScript Date keeps: the cursor carries the row's id and
// the time is read back from it (a service's created_at never changes, and its row is only soft-deleted).
const CREATED = { sql: 's.created_at', kind: 'uuid', from: (id: string) => `(SELECT created_at FROM services WHERE id = ${id})` } as const;
const TITLE = { sql: 's.title', kind: 'text' } as const;
const priceOf = (service: ServiceEntity) => [String(service.price), service.id];
const createdOf = (service: ServiceEntity) => [service.id, service.id];

/** The order of each sort, with the id as its unique tiebreaker, and its keyset (cursor) paging. */
export const SERVICE_KEYSETS: Record<ServiceSort, Keyset<ServiceEntity>> = {
  price: new Keyset('services', [PRICE, ID], false, priceOf),
  '-price': new Keyset('services', [PRICE, ID], true, priceOf),
  createdAt: new Keyset('services', [CREATED, ID], false, createdOf),
  '-createdAt': new Keyset('services', [CREATED, ID], true, createdOf),
  title: new Keyset('services', [TITLE, ID], false, (service) => [service.title, service.id]),
};

const ORDER = Object.fromEntries(Object.entries(SERVICE_KEYSETS).map(([sort, keyset]) => [sort, keyset.orderBy])) as Record<ServiceSort, string>;

const COLUMNS =
  's.id, s.provider_id, s.title, s.description, s.category, s.price, s.currency, s.duration_minutes, s.availability, s.date_overrides, s.minimum_notice_minutes, s.booking_horizon_days, s.slot_interval_minutes, s.images, s.timezone, s.buffer_before_minutes, s.buffer_after_minutes, s.status, s.instant_booking, s.created_at, s.updated_at, s.deleted_at';

/** A `services` row as `pg` returns it. */
interface ServiceRow {
  id: string;
  provider_id: string;
  title: string;
  description: string;
  category: string;
  price: string;
  currency: string;
  duration_minutes: number;
  availability: WeeklyAvailability;
  date_overrides: DateOverrides;
  minimum_notice_minutes: number | null;
  booking_horizon_days: number | null;
  slot_interval_minutes: number | null;
  images: string[];
  timezone: string;
  buffer_before_minutes: number;
  buffer_after_minutes: number;
  status: ServiceStatus;
  instant_booking: boolean;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

/** A plain object of the entity's shape (cheaper to build than an instance, and TypeORM's save takes it alike). */
const fromRow = (row: ServiceRow): ServiceEntity => ({
  id: row.id,
  providerId: row.provider_id,
  title: row.title,
  description: row.description,
  category: row.category,
  price: Number(row.price),
  currency: row.currency,
  durationMinutes: row.duration_minutes,
  availability: row.availability,
  dateOverrides: row.date_overrides,
  minimumNoticeMinutes: row.minimum_notice_minutes,
  bookingHorizonDays: row.booking_horizon_days,
  slotIntervalMinutes: row.slot_interval_minutes,
  images: row.images,
  timezone: row.timezone,
  bufferBeforeMinutes: row.buffer_before_minutes,
  bufferAfterMinutes: row.buffer_after_minutes,
  status: row.status,
  instantBooking: row.instant_booking,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  deletedAt: row.deleted_at,
});

/**
 * A provider's claimed time (`provider_time`: open bookings and slot holds, each widened by its buffers, kept
 * by triggers; its exclusion constraint `provider_time_no_overlap` refuses overlaps) that still stands: a
 * hold past its expiry blocks nobody, even before it is deleted.
 */
const STANDING = `(pt.expires_at IS NULL OR pt.expires_at > now())`;

/** What `availableOn` reads of a `services` row `s`, and the busy time of its provider. */
const FREE_ON_DAY_COLUMNS: FreeOnDayColumns = {
  timezone: 's.timezone',
  durationMinutes: 's.duration_minutes',
  weekWindows: 's.week_windows',
  openDays: 's.open_days',
  providerId: 's.provider_id',
  bufferBefore: 's.buffer_before_minutes',
  bufferAfter: 's.buffer_after_minutes',
  busyProviders: (from, to) => `SELECT pt.provider_id FROM provider_time pt WHERE pt.during && tstzrange(${from}, ${to}, '[)') AND ${STANDING}`,
  id: 's.id',
  ownTime: 's.own_time',
  minimumNoticeMinutes: 's.minimum_notice_minutes',
  bookingHorizonDays: 's.booking_horizon_days',
  slotIntervalMinutes: 's.slot_interval_minutes',
  overriddenOn: (date) => `SELECT d.service_id FROM service_date_windows d WHERE d.date = ${date}`,
  overrideWindows: (date) => `(SELECT d.windows FROM service_date_windows d WHERE d.service_id = s.id AND d.date = ${date})`,
  busyDuring: (start, end) =>
    `EXISTS (SELECT 1 FROM provider_time pt WHERE pt.provider_id = s.provider_id AND pt.during && tstzrange(${start}, ${end}, '[)') AND ${STANDING})`,
};

/**
 * The publicly listed services: literals (not parameters), so the planner matches the partial indexes'
 * predicate (1764740000000-catalog-at-scale), which hold exactly these rows.
 */
const LISTED = `s.status = '${ServiceStatus.ACTIVE}' AND s.deleted_at IS NULL AND NOT s.provider_deleted`;

/**
 * Up to this many matches, a page filtered by a search or a price range is read from its matches (the search
 * or price index), then sorted; beyond, by walking the sort's index, where matches are then dense enough that
 * twenty come quickly (at 1,000 matches among 100,000 listed services, ~2,000 index entries).
 */
const MATCH_FIRST_MAX = 1_000;

/** The provider's account is neither deleted nor suspended: only then are its services listed (reactivation lists them again). */
const PROVIDER_ACTIVE = "EXISTS (SELECT 1 FROM users u WHERE u.id = s.provider_id AND u.deleted_at IS NULL AND u.status = 'ACTIVE')";
const BY_ID = prepared(`SELECT ${COLUMNS}, ${PROVIDER_ACTIVE} AS provider_active FROM services s WHERE s.id = $1`);
/** The standing claims of each provider overlapping [$2, $3): one look-up of the exclusion constraint's index per provider. */
const BUSY = prepared(
  `SELECT p.id AS provider_id, lower(pt.during) AS starts_at, upper(pt.during) AS ends_at
     FROM unnest($1::uuid[]) AS p(id)
     JOIN provider_time pt ON pt.provider_id = p.id AND pt.during && tstzrange($2, $3, '[)') AND ${STANDING}`,
);
const TIME_ZONES = prepared('SELECT timezone FROM service_time_zones');

/** The first page at the default size is what nearly every browse asks for: those shapes are prepared. */
const PREPARED_PAGE = { limit: 20, offset: 0 };

@Injectable()
export class ServicesRepository {
  private readonly statements = new Map<string, PreparedStatement>();

  constructor(
    @InjectRepository(ServiceEntity) private readonly services: Repository<ServiceEntity>,
    private readonly sql: Sql,
    private readonly totals: CatalogTotalsCache,
  ) {}

  /** Every write forgets the kept public totals, so no caller has to. */
  async insert(service: Omit<ServiceEntity, 'id' | 'createdAt' | 'updatedAt' | 'deletedAt'>): Promise<ServiceEntity> {
    try {
      return await this.services.save(this.services.create(service));
    } finally {
      this.totals.forget();
    }
  }

  async save(service: ServiceEntity): Promise<ServiceEntity> {
    try {
      return await this.services.save(service);
    } finally {
      this.totals.forget();
    }
  }

  /** Any service by id, deleted ones included, with its provider's state; whether the caller may see it is the service layer's call. */
  async findByIdWithProvider(id: string): Promise<ServiceWithProvider | null> {
    const [row] = await this.sql.rows<ServiceRow & { provider_active: boolean }>(BY_ID, [id]);
    return row ? { service: fromRow(row), providerActive: row.provider_active } : null;
  }

  /** Any service by id, deleted ones included. */
  async findByIdWithDeleted(id: string): Promise<ServiceEntity | null> {
    return (await this.findByIdWithProvider(id))?.service ?? null;
  }

  async softDelete(id: string, manager?: EntityManager): Promise<void> {
    try {
      await (manager ? manager.getRepository(ServiceEntity) : this.services).softDelete({ id });
    } finally {
      this.totals.forget();
    }
  }

  /**
   * One page and the total. A public listing's total comes from the `CatalogTotalsCache` (kept a few seconds
   * per filter; the writes above forget it, and so do bookings for `availableOn`).
   */
  async listPage(
    filter: ServiceFilter,
    sort: ServiceSort,
    limit: number,
    offset: number,
    after: string[] | null = null,
  ): Promise<{ items: ServiceEntity[]; total: number }> {
    const { count, page, pageFromMatches } = this.listingQueries(filter, sort, limit, offset, after);
    const total =
      filter.scope.kind === 'public'
        ? await this.totals.get(
            createHash('sha1')
              .update(`${count.text}\n${JSON.stringify(count.values)}`)
              .digest('base64'),
            () => this.countOf(count),
          )
        : await this.countOf(count);
    // A kept `availableOn` total may predate a booking made or cancelled meanwhile: the page is read anyway.
    if (total <= offset && !filter.freeOn) return { items: [], total };
    const statement = pageFromMatches && total <= MATCH_FIRST_MAX ? pageFromMatches : page;
    const items = (await this.sql.rows<ServiceRow>(statement.prepared ?? statement.text, statement.values)).map(fromRow);
    return { items, total };
  }

  /**
   * The statements behind one page of the listing, exactly as `listPage` runs them (the EXPLAIN test reads
   * their SQL to prove the catalog stays on its indexes).
   */
  listingQueries(filter: ServiceFilter, sort: ServiceSort, limit: number, offset: number, after: string[] | null = null): ListingQueries {
    const values: unknown[] = [];
    const where = this.where(filter, values);
    // A public total counts one partial index (the listed rows of a category, a price range...), index-only once autovacuum has marked the pages.
    const prepare = filter.scope.kind === 'public' && !filter.freeOn;
    const count = this.statement(`SELECT count(*)::int AS total FROM services s WHERE ${where}`, values, prepare);
    const order = ORDER[sort];
    if (after) {
      // After a cursor: the keyset condition on the sort's index, one row more to tell whether a next page exists.
      const pageValues = [...values];
      const seek = SERVICE_KEYSETS[sort].condition(after, pageValues);
      const page = new SqlStatement(
        `SELECT ${COLUMNS} FROM services s WHERE ${where} AND ${seek} ORDER BY ${order} LIMIT ${Math.trunc(limit) + 1}`,
        pageValues,
      );
      return { count, page };
    }
    const slice = `LIMIT ${Math.trunc(limit)} OFFSET ${Math.trunc(offset)}`;
    const shape = prepare && limit === PREPARED_PAGE.limit && offset === PREPARED_PAGE.offset;
    // Past the first page, the rows skipped are read from the index alone, and only the page's rows from the table.
    const page =
      offset > 0
        ? this.statement(
            `SELECT ${COLUMNS} FROM services s JOIN (SELECT s.id FROM services s WHERE ${where} ORDER BY ${order} ${slice}) AS p ON p.id = s.id ORDER BY ${order}`,
            values,
            false,
          )
        : this.statement(`SELECT ${COLUMNS} FROM services s WHERE ${where} ORDER BY ${order} ${slice}`, values, shape);
    // A selective search or price range: start from its matches, then sort them (see MATCH_FIRST_MAX).
    const pageFromMatches =
      filter.q || filter.minPrice !== undefined || filter.maxPrice !== undefined
        ? this.statement(
            `WITH m AS MATERIALIZED (SELECT s.id, s.price, s.created_at, s.title FROM services s WHERE ${where})
             SELECT ${COLUMNS} FROM services s JOIN (SELECT s.id FROM m AS s ORDER BY ${order} ${slice}) AS p ON p.id = s.id ORDER BY ${order}`,
            values,
            false,
          )
        : undefined;
    return { count, page, pageFromMatches };
  }

  /** Every time zone a service uses (kept by a trigger, whatever writes the services). */
  async timeZonesInUse(): Promise<string[]> {
    return (await this.sql.rows<{ timezone: string }>(TIME_ZONES)).map((row) => row.timezone);
  }

  async categoriesInUse(limit: number): Promise<Array<{ category: string; count: number }>> {
    const values: unknown[] = [];
    const where = this.where({ scope: { kind: 'public' } }, values);
    values.push(limit);
    return this.sql.rows<{ category: string; count: number }>(
      `SELECT s.category AS category, count(*)::int AS count FROM services s WHERE ${where}
        GROUP BY s.category ORDER BY s.category ASC LIMIT $${values.length}`,
      values,
    );
  }

  /** The claimed time (open bookings and standing holds, with their buffers) of these providers overlapping [from, to), on any of their services. */
  async busyIntervals(providerIds: string[], from: Date, to: Date): Promise<Map<string, Interval[]>> {
    const busy = new Map<string, Interval[]>();
    if (!providerIds.length) return busy;
    const rows = await this.sql.rows<{ provider_id: string; starts_at: Date; ends_at: Date }>(BUSY, [providerIds, from, to]);
    for (const row of rows) {
      const list = busy.get(row.provider_id) ?? [];
      list.push({ start: row.starts_at, end: row.ends_at });
      busy.set(row.provider_id, list);
    }
    return busy;
  }

  private async countOf(count: SqlStatement): Promise<number> {
    const [row] = await this.sql.rows<{ total: number }>(count.prepared ?? count.text, count.values);
    return row?.total ?? 0;
  }

  /** A statement; `prepare` only for shapes from a small set (every prepared name stays on every connection). */
  private statement(text: string, values: unknown[], prepare: boolean): SqlStatement {
    if (!prepare) return new SqlStatement(text, values);
    let statement = this.statements.get(text);
    if (!statement) this.statements.set(text, (statement = prepared(text)));
    return new SqlStatement(text, values, statement);
  }

  /** The WHERE clause for a filter, its values appended to `values`. */
  private where(filter: ServiceFilter, values: unknown[]): string {
    const param = (value: unknown) => `$${values.push(value)}`;
    const clauses: string[] = [];
    const { scope } = filter;
    if (scope.kind === 'public') clauses.push(LISTED);
    else if (scope.kind === 'provider') clauses.push(`s.provider_id = ${param(scope.providerId)}`);
    if (filter.status) clauses.push(`s.status = ${param(filter.status)}`);
    if (filter.category) clauses.push(`s.category = ${param(filter.category)}`);
    if (filter.providerId) clauses.push(`s.provider_id = ${param(filter.providerId)}`);
    if (filter.minPrice !== undefined) clauses.push(`s.price >= ${param(filter.minPrice)}`);
    if (filter.maxPrice !== undefined) clauses.push(`s.price <= ${param(filter.maxPrice)}`);
    if (filter.q) clauses.push(`s.search @@ websearch_to_tsquery('english', ${param(filter.q)})`);
    if (scope.kind !== 'public') clauses.push('s.deleted_at IS NULL');
    if (filter.freeOn) clauses.push(filter.freeOn(FREE_ON_DAY_COLUMNS, param));
    return clauses.join(' AND ');
  }
}
