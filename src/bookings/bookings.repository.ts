import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { AuthUser } from '../common/auth/auth-user';
import { Role } from '../common/auth/role.enum';
import { Sql } from '../common/database/sql';
import { exactTime, Keyset, KeysetPosition } from '../common/pagination/keyset';
import { MAX_COUNTED } from '../common/pagination/pagination';
import { BookingEntity, BookingStatus } from './booking.entity';
import { BookingFacts } from './events/booking.events';
import { BookingChange, HistoryAction } from './history/booking-change';
import { BookingHistoryRepository } from './history/booking-history.repository';

/** The history action a move to each status is recorded as. */
const ACTION_OF: Record<BookingStatus, HistoryAction | null> = {
  [BookingStatus.PENDING]: null,
  [BookingStatus.CONFIRMED]: 'confirmed',
  [BookingStatus.COMPLETED]: 'completed',
  [BookingStatus.CANCELLED]: 'cancelled',
};

const COLUMNS =
  'id, customer_id, service_id, provider_id, status, scheduled_at, earliest_scheduled_at, ends_at, duration_minutes, total_amount, currency, notes, calendar_sequence, request_expires_at, created_at, updated_at';

interface BookingRow {
  id: string;
  customer_id: string;
  service_id: string;
  provider_id: string;
  status: BookingStatus;
  scheduled_at: Date;
  earliest_scheduled_at: Date | null;
  ends_at: Date;
  duration_minutes: number;
  total_amount: string;
  currency: string;
  notes: string | null;
  calendar_sequence: number;
  request_expires_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const fromRow = (row: BookingRow): BookingEntity =>
  Object.assign(new BookingEntity(), {
    id: row.id,
    customerId: row.customer_id,
    serviceId: row.service_id,
    providerId: row.provider_id,
    status: row.status,
    scheduledAt: row.scheduled_at,
    earliestScheduledAt: row.earliest_scheduled_at,
    endsAt: row.ends_at,
    durationMinutes: row.duration_minutes,
    totalAmount: Number(row.total_amount),
    currency: row.currency,
    notes: row.notes,
    calendarSequence: row.calendar_sequence,
    requestExpiresAt: row.request_expires_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });

/** What the facts of a booking join to its row: its service's title and zone, and who booked (for the provider's notification). */
interface FactsJoinRow {
  title: string;
  timezone: string;
  customer_name: string;
  customer_phone: string | null;
  customer_address: string | null;
}

/** The booking's columns as `b.<column>` (statements that join, or update from, another table). */
const QUALIFIED_COLUMNS = COLUMNS.split(', ')
  .map((column) => `b.${column}`)
  .join(', ');
const FACTS_JOINED = `s.title, s.timezone, concat_ws(' ', u.first_name, u.last_name) AS customer_name, u.phone AS customer_phone, u.address AS customer_address`;
const FACTS_JOINS = 'JOIN services s ON s.id = b.service_id JOIN users u ON u.id = b.customer_id';

const factsOf = (row: BookingRow & FactsJoinRow): BookingFacts => ({
  bookingId: row.id,
  serviceId: row.service_id,
  serviceTitle: row.title,
  serviceTimezone: row.timezone,
  customerId: row.customer_id,
  providerId: row.provider_id,
  scheduledAt: row.scheduled_at,
  durationMinutes: row.duration_minutes,
  amount: Number(row.total_amount),
  currency: row.currency.trim(),
  calendarSequence: row.calendar_sequence,
  customer: { name: row.customer_name, phone: row.customer_phone, address: row.customer_address, notes: row.notes },
});

/** A listed booking with its start as an exact string, for the cursor. */
type ListedRow = BookingRow & { cursor_at: string };

/**
 * Lists go by start, then id. Each scope has an index in that order (`bookings_customer_idx`,
 * `bookings_provider_idx`, and `bookings_scheduled_idx` for admins), so a page costs the same at any depth.
 */
export const BOOKINGS_KEYSET = new Keyset<ListedRow>(
  'bookings',
  [
    { sql: 'b.scheduled_at', kind: 'time' },
    { sql: 'b.id', kind: 'uuid' },
  ],
  false,
  (row) => [row.cursor_at, row.id],
);

export interface BookingFilter {
  status?: BookingStatus;
  from?: Date;
  to?: Date;
  serviceId?: string;
}

@Injectable()
export class BookingsRepository {
  constructor(
    @InjectRepository(BookingEntity) private readonly bookings: Repository<BookingEntity>,
    private readonly sql: Sql,
    private readonly history: BookingHistoryRepository,
  ) {}

  /**
   * Takes the provider's schedule for the rest of the transaction. Every write that puts a row into the
   * exclusion constraint (a hold, its confirmation, a move) takes it first: two such writes checking the
   * constraint against each other's uncommitted rows deadlock in PostgreSQL, while one after the other the
   * second simply sees the first's row and gets a clean exclusion violation (SLOT_TAKEN).
   * Under the lock, the provider's expired slot holds are cleared: an expired hold never blocks a write,
   * even before the job engine's expiry job has run.
   */
  async lockSchedule(manager: EntityManager, providerId: string): Promise<void> {
    // lock_provider_schedule (1764770000000-slot-holds-and-buffers): pg_advisory_xact_lock on 'provider-schedule:<id>', then the DELETE.
    await this.sql.query('SELECT lock_provider_schedule($1)', [providerId], manager);
  }

  /**
   * Holds the slot: the exclusion constraint refuses an overlap with the provider's other holds. Every write
   * below that changes a booking takes the `change` it makes and writes its history row in the same transaction.
   */
  async insertPending(
    manager: EntityManager,
    booking: Omit<BookingEntity, 'id' | 'status' | 'earliestScheduledAt' | 'calendarSequence' | 'requestExpiresAt' | 'createdAt' | 'updatedAt'>,
    change: BookingChange,
  ): Promise<BookingEntity> {
    const [row] = await this.sql.rows<BookingRow>(
      `INSERT INTO bookings (customer_id, service_id, provider_id, status, scheduled_at, ends_at, duration_minutes, total_amount, currency, notes)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       RETURNING ${COLUMNS}`,
      [
        booking.customerId,
        booking.serviceId,
        booking.providerId,
        BookingStatus.PENDING,
        booking.scheduledAt,
        booking.endsAt,
        booking.durationMinutes,
        booking.totalAmount,
        booking.currency,
        booking.notes,
      ],
      manager,
    );
    await this.history.append(manager, row.id, { action: 'created', from: null, to: BookingStatus.PENDING, change });
    return fromRow(row);
  }

  /** A booking request: PENDING (the slot held) until the provider answers, at the latest by `requestExpiresAt`. */
  async insertRequest(
    manager: EntityManager,
    booking: Omit<BookingEntity, 'id' | 'status' | 'earliestScheduledAt' | 'calendarSequence' | 'createdAt' | 'updatedAt'> & { requestExpiresAt: Date },
    change: BookingChange,
  ): Promise<BookingEntity> {
    const [row] = await this.sql.rows<BookingRow>(
      `INSERT INTO bookings (customer_id, service_id, provider_id, status, scheduled_at, ends_at, duration_minutes, total_amount, currency, notes, request_expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       RETURNING ${COLUMNS}`,
      [
        booking.customerId,
        booking.serviceId,
        booking.providerId,
        BookingStatus.PENDING,
        booking.scheduledAt,
        booking.endsAt,
        booking.durationMinutes,
        booking.totalAmount,
        booking.currency,
        booking.notes,
        booking.requestExpiresAt,
      ],
      manager,
    );
    await this.history.append(manager, row.id, { action: 'created', from: null, to: BookingStatus.PENDING, change, details: { request: true } });
    return fromRow(row);
  }

  async findById(id: string, manager?: EntityManager): Promise<BookingEntity | null> {
    const [row] = await this.sql.rows<BookingRow>(`SELECT ${COLUMNS} FROM bookings WHERE id = $1`, [id], manager);
    return row ? fromRow(row) : null;
  }

  /**
   * Locks the booking row for the rest of the transaction. Every flow that moves a booking and its payment
   * together takes this lock first and the payment's second, so two such flows never wait on each other.
   */
  async lockById(manager: EntityManager, id: string): Promise<BookingEntity | null> {
    const [row] = await this.sql.rows<BookingRow>(`SELECT ${COLUMNS} FROM bookings WHERE id = $1 FOR UPDATE`, [id], manager);
    return row ? fromRow(row) : null;
  }

  /** What a notification needs to know about a booking, read inside the caller's transaction (or outside one: null). */
  async findFacts(manager: EntityManager | null, id: string): Promise<BookingFacts> {
    const [row] = await this.sql.rows<BookingRow & FactsJoinRow>(
      `SELECT ${QUALIFIED_COLUMNS}, ${FACTS_JOINED}
         FROM bookings b ${FACTS_JOINS}
        WHERE b.id = $1`,
      [id],
      manager ?? undefined,
    );
    return factsOf(row);
  }

  /**
   * Compare-and-swap on the status, recorded in the history with the status it had: the booking as moved and
   * its facts (what its events say) when this call made the move, else null. One statement moves it and
   * answers both, so the caller reads neither back. A cancellation raises the calendar SEQUENCE (the CANCEL
   * supersedes the last invite). The row is locked as the UPDATE alone would lock it (NO KEY), so rows
   * referencing the booking are not held up.
   */
  async transition(
    manager: EntityManager,
    id: string,
    from: BookingStatus[],
    to: BookingStatus,
    change: BookingChange,
    details: Record<string, unknown> | null = null,
    /** The history action, when the move is more than its status says (a request accepted, declined or expired). */
    action: HistoryAction | null = ACTION_OF[to],
  ): Promise<{ booking: BookingEntity; facts: BookingFacts } | null> {
    const [moved] = await this.sql.rows<BookingRow & FactsJoinRow & { from_status: BookingStatus }>(
      `WITH previous AS (SELECT id, status FROM bookings WHERE id = $1 AND status = ANY($2::varchar[]) FOR NO KEY UPDATE),
       moved AS (
         UPDATE bookings b
            SET status = $3, updated_at = CURRENT_TIMESTAMP,
                calendar_sequence = b.calendar_sequence + CASE WHEN $3::varchar = $4::varchar THEN 1 ELSE 0 END
           FROM previous WHERE b.id = previous.id
         RETURNING ${QUALIFIED_COLUMNS}, previous.status AS from_status
       )
       SELECT b.*, ${FACTS_JOINED} FROM moved b ${FACTS_JOINS}`,
      [id, from, to, BookingStatus.CANCELLED],
      manager,
    );
    if (!moved) return null;
    if (action) await this.history.append(manager, id, { action, from: moved.from_status, to, change, details });
    return { booking: fromRow(moved), facts: factsOf(moved) };
  }

  /** A change that leaves the status as it is (a refund), recorded in the booking's history. */
  async recordChange(
    manager: EntityManager,
    id: string,
    status: BookingStatus,
    action: HistoryAction,
    change: BookingChange,
    details: Record<string, unknown> | null = null,
  ): Promise<void> {
    await this.history.append(manager, id, { action, from: status, to: status, change, details });
  }

  /**
   * Moves a CONFIRMED booking, compare-and-swap on the start the caller read (`from`): of two moves made from
   * the same view only the first applies, and its `from` is the real previous time. Keeps the earliest start
   * the booking has had, which the refund policy is judged against. True when this call moved it.
   */
  async reschedule(manager: EntityManager, id: string, from: Date, scheduledAt: Date, endsAt: Date, change: BookingChange): Promise<boolean> {
    const { rowCount } = await this.sql.query(
      `UPDATE bookings
          SET scheduled_at = $3, ends_at = $4,
              earliest_scheduled_at = LEAST(COALESCE(earliest_scheduled_at, scheduled_at), scheduled_at),
              calendar_sequence = calendar_sequence + 1,
              updated_at = CURRENT_TIMESTAMP
        WHERE id = $1 AND status = $5 AND scheduled_at = $2`,
      [id, from, scheduledAt, endsAt, BookingStatus.CONFIRMED],
      manager,
    );
    if (rowCount !== 1) return false;
    await this.history.append(manager, id, {
      action: 'rescheduled',
      from: BookingStatus.CONFIRMED,
      to: BookingStatus.CONFIRMED,
      change,
      details: { fromScheduledAt: from.toISOString(), toScheduledAt: scheduledAt.toISOString() },
    });
    return true;
  }

  /** Only while the booking is open (PENDING or CONFIRMED): true when this call changed it. */
  async updateNotes(manager: EntityManager, id: string, notes: string, change: BookingChange): Promise<boolean> {
    const [row] = await this.sql.rows<{ status: BookingStatus }>(
      `UPDATE bookings SET notes = $2, updated_at = CURRENT_TIMESTAMP WHERE id = $1 AND status = ANY($3::varchar[]) RETURNING status`,
      [id, notes, [BookingStatus.PENDING, BookingStatus.CONFIRMED]],
      manager,
    );
    if (!row) return false;
    await this.history.append(manager, id, { action: 'notes_updated', from: row.status, to: row.status, change });
    return true;
  }

  /**
   * The open (PENDING or CONFIRMED) bookings of a party or a service, locked in id order (the order every
   * sweep takes them in), for cancelling them with the party that goes away.
   */
  async lockOpenOf(manager: EntityManager, of: { serviceId: string } | { userId: string }): Promise<BookingEntity[]> {
    const [where, id] = 'serviceId' in of ? ['service_id = $1', of.serviceId] : ['(customer_id = $1 OR provider_id = $1)', of.userId];
    const rows = await this.sql.rows<BookingRow>(
      `SELECT ${COLUMNS} FROM bookings WHERE ${where} AND status = ANY($2::varchar[]) ORDER BY id FOR UPDATE`,
      [id, [BookingStatus.PENDING, BookingStatus.CONFIRMED]],
      manager,
    );
    return rows.map(fromRow);
  }

  /**
   * CONFIRMED bookings starting in (`after`, `until`] whose reminder for that start is not sent yet, soonest
   * first, at most `limit`, leaving out `skip`: a range of `bookings_confirmed_start_idx`.
   */
  async listDueReminders(after: Date, until: Date, limit: number, skip: string[] = []): Promise<string[]> {
    const rows = await this.sql.rows<{ id: string }>(
      `SELECT b.id FROM bookings b
        WHERE b.status = $1 AND b.scheduled_at > $2 AND b.scheduled_at <= $3 AND NOT (b.id = ANY($5::uuid[]))
          AND NOT EXISTS (SELECT 1 FROM booking_reminders r WHERE r.booking_id = b.id AND r.scheduled_at = b.scheduled_at)
        ORDER BY b.scheduled_at, b.id
        LIMIT $4`,
      [BookingStatus.CONFIRMED, after, until, limit, skip],
    );
    return rows.map((row) => row.id);
  }

  /**
   * Claims the reminder of the booking's current start, if it is CONFIRMED and starts in (`after`, `until`]:
   * true when this call claimed it (the first to, ever, for this booking and start). The row is read FOR
   * SHARE, so a cancellation or reschedule in flight is waited for and its outcome is what counts.
   */
  async claimReminder(manager: EntityManager, id: string, after: Date, until: Date): Promise<boolean> {
    const rows = await this.sql.rows<{ scheduled_at: Date }>(
      `WITH due AS (
         SELECT id, scheduled_at FROM bookings WHERE id = $1 AND status = $2 AND scheduled_at > $3 AND scheduled_at <= $4 FOR SHARE
       )
       INSERT INTO booking_reminders (booking_id, scheduled_at) SELECT id, scheduled_at FROM due
       ON CONFLICT (booking_id, scheduled_at) DO NOTHING
       RETURNING scheduled_at`,
      [id, BookingStatus.CONFIRMED, after, until],
      manager,
    );
    return rows.length === 1;
  }

  /** CONFIRMED bookings that ended at or before `endedBy`, earliest first, at most `limit`, leaving out `skip` (`bookings_confirmed_end_idx`). */
  async listDueCompletions(endedBy: Date, limit: number, skip: string[] = []): Promise<string[]> {
    const rows = await this.sql.rows<{ id: string }>(
      `SELECT id FROM bookings WHERE status = $1 AND ends_at <= $2 AND NOT (id = ANY($4::uuid[])) ORDER BY ends_at, id LIMIT $3`,
      [BookingStatus.CONFIRMED, endedBy, limit, skip],
    );
    return rows.map((row) => row.id);
  }

  /** Removes the hold of an attempt whose payment failed: it never became a booking. */
  async deletePending(manager: EntityManager, id: string): Promise<void> {
    await manager.getRepository(BookingEntity).delete({ id, status: BookingStatus.PENDING });
  }

  /**
   * One page of the bookings the caller may list, by offset or after a cursor (`position`), and their total
   * counted up to `MAX_COUNTED` (past it, `totalCapped`): counting a history of 100,000 rows would cost
   * more than the page.
   */
  async listFor(
    caller: AuthUser,
    filter: BookingFilter,
    limit: number,
    offset: number,
    position: KeysetPosition,
  ): Promise<{ items: BookingEntity[]; total: number; totalCapped: boolean; nextCursor: string | null }> {
    const { text, values } = this.listStatement(caller, filter, limit, offset, position.after);
    const countValues: unknown[] = [];
    const [rows, [{ total }]] = await Promise.all([
      this.sql.rows<ListedRow>(text, values),
      this.sql.rows<{ total: number }>(BOOKINGS_KEYSET.countUpTo('bookings b', this.where(caller, filter, countValues), MAX_COUNTED), countValues),
    ]);
    const page = BOOKINGS_KEYSET.page(rows, limit, position);
    return { items: page.items.map(fromRow), total: Math.min(total, MAX_COUNTED), totalCapped: total > MAX_COUNTED, nextCursor: page.nextCursor };
  }

  /** The statement of one page as `listFor` runs it: `limit + 1` rows, after the cursor's values or at the offset (the EXPLAIN test reads it). */
  listStatement(caller: AuthUser, filter: BookingFilter, limit: number, offset: number, after: string[] | null): { text: string; values: unknown[] } {
    const values: unknown[] = [];
    const where = this.where(caller, filter, values);
    const select = `b.${COLUMNS.split(', ').join(', b.')}, ${exactTime('b.scheduled_at')} AS cursor_at FROM bookings b`;
    return { text: BOOKINGS_KEYSET.select(select, where, values, { limit, offset, after }), values };
  }

  private where(caller: AuthUser, filter: BookingFilter, values: unknown[]): string {
    const param = (value: unknown) => `$${values.push(value)}`;
    const clauses: string[] = [];
    if (caller.role === Role.CUSTOMER) clauses.push(`b.customer_id = ${param(caller.id)}`);
    if (caller.role === Role.PROVIDER) clauses.push(`b.provider_id = ${param(caller.id)}`);
    if (filter.status) clauses.push(`b.status = ${param(filter.status)}`);
    if (filter.from) clauses.push(`b.scheduled_at >= ${param(filter.from)}`);
    if (filter.to) clauses.push(`b.scheduled_at < ${param(filter.to)}`);
    if (filter.serviceId) clauses.push(`b.service_id = ${param(filter.serviceId)}`);
    return clauses.length ? clauses.join(' AND ') : 'true';
  }
}
