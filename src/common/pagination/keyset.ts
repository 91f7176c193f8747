import { createHash } from 'node:crypto';
import { ValidationFailedError } from '../errors/domain.error';

/** What one value of a cursor holds; each is checked before it reaches SQL, so a tampered cursor is a 400, never a cast error. */
export type KeysetKind = 'uuid' | 'time' | 'decimal' | 'int' | 'text';

/** One column of a keyset order: its SQL expression and what its values are. */
export interface KeysetColumn {
  sql: string;
  kind: KeysetKind;
  /**
   * The SQL the cursor's value is compared as, from its placeholder (default: the placeholder cast to the
   * kind). For a column a cursor cannot carry exactly, read it back by the row's id instead.
   */
  from?: (param: string) => string;
}

/** The fields of a list query that are the page's, not the list's: a cursor stays valid when they change. */
const PAGING_FIELDS = new Set(['limit', 'offset', 'cursor']);

const CHECKS: Record<KeysetKind, (value: string) => boolean> = {
  uuid: (value) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value),
  // A real instant PostgreSQL takes as JavaScript does (JavaScript alone rolls 2030-02-31 over to March).
  time: (value) => {
    if (!/^[1-9]\d{3}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/.test(value)) return false;
    const time = new Date(value);
    return !Number.isNaN(time.getTime()) && time.toISOString().slice(0, 19) === value.slice(0, 19);
  },
  decimal: (value) => /^-?\d{1,15}(\.\d{1,6})?$/.test(value),
  int: (value) => /^\d{1,15}$/.test(value),
  // PostgreSQL text holds no NUL.
  text: (value) => value.length <= 1000 && !value.includes('\u0000'),
};

const CASTS: Record<KeysetKind, string> = { uuid: 'uuid', time: 'timestamptz', decimal: 'numeric', int: 'bigint', text: 'text' };

export const INVALID_CURSOR = new ValidationFailedError([
  { field: 'cursor', message: 'cursor is not one this list gave out (take it from the Link rel="next" URL, with the same filters and sort)' },
]);

/**
 * Keyset ("seek") paging for one list order. A page after a cursor is `WHERE (a, id) > (last a, last id)
 * ORDER BY a, id LIMIT n`: on an index of that order, its cost does not depend on how deep the page is, and a
 * row inserted while a client walks the list neither shifts nor repeats the rows after it.
 *
 * The cursor is opaque to clients: base64url JSON of a fingerprint of the list (its name, sort and filters:
 * every query field but `limit`, `offset` and `cursor`) and the last row's order values. It is validated
 * before use: a cursor of another list, sort or filter, or one with a value of the wrong shape, is a 400
 * naming `cursor`. It holds no secret and grants nothing: its values only say where to resume inside the
 * caller's own scope, which the query applies as it does without a cursor.
 *
 * All columns go the same direction (the last is a unique tiebreaker, the id), so one row comparison is the
 * whole condition and an index on the same columns answers it.
 */
export class Keyset<Row> {
  constructor(
    /** Names the list in the fingerprint, so a cursor of one list is refused by another. */
    private readonly list: string,
    readonly columns: readonly KeysetColumn[],
    readonly descending: boolean,
    /** The order values of a row, as exact strings in the order of `columns`. */
    private readonly valuesOf: (row: Row) => string[],
  ) {}

  /** Where a request resumes: the fingerprint of its list, and the values after which its page starts (null: from the top). */
  position<Query extends { cursor?: string; offset?: number }>(query: Query): KeysetPosition {
    const key = fingerprint(this.list, query);
    if (query.cursor === undefined) return { key, after: null };
    if (query.offset) {
      throw new ValidationFailedError([{ field: 'cursor', message: 'cursor and offset cannot be combined: a cursor says where the page starts' }]);
    }
    return { key, after: this.decode(query.cursor, key) };
  }

  /** `(a, id) > ($n::type, $m::uuid)` (or `<` for a descending order), its values appended to `values`. */
  condition(after: readonly string[], values: unknown[]): string {
    const params = after.map((value, i) => {
      const { kind, from } = this.columns[i];
      const param = `$${values.push(value)}::${CASTS[kind]}`;
      return from ? from(param) : param;
    });
    return `(${this.columns.map((c) => c.sql).join(', ')}) ${this.descending ? '<' : '>'} (${params.join(', ')})`;
  }

  /**
   * One page's statement: `SELECT <select> WHERE <where> [AND <after the cursor>] ORDER BY <this order>
   * LIMIT <limit + 1> OFFSET <offset, or 0 after a cursor>`, the cursor's values appended to `values`.
   * `select` is everything between SELECT and WHERE (`b.id, b.title FROM bookings b`).
   */
  select(select: string, where: string, values: unknown[], page: { limit: number; offset: number; after: string[] | null }): string {
    const seek = page.after ? ` AND ${this.condition(page.after, values)}` : '';
    return `SELECT ${select} WHERE ${where}${seek} ORDER BY ${this.orderBy} LIMIT ${Math.trunc(page.limit) + 1} OFFSET ${page.after ? 0 : Math.trunc(page.offset)}`;
  }

  /**
   * How many rows match, counted up to `cap + 1` in this order (along the same index, stopping there): one row,
   * `total`. Above `cap`, the caller answers `cap` with `totalCapped`.
   */
  countUpTo(from: string, where: string, cap: number): string {
    return `SELECT count(*)::int AS total FROM (SELECT 1 FROM ${from} WHERE ${where} ORDER BY ${this.orderBy} LIMIT ${Math.trunc(cap) + 1}) counted`;
  }

  /** `a DESC, id DESC`: the ORDER BY of this keyset. */
  get orderBy(): string {
    return this.columns.map((c) => `${c.sql} ${this.descending ? 'DESC' : 'ASC'}`).join(', ');
  }

  /**
   * The page out of `limit + 1` rows read in keyset order: the first `limit`, and the cursor after the last
   * of them when the extra row says there is more.
   */
  page<T extends Row>(rows: T[], limit: number, position: KeysetPosition): { items: T[]; nextCursor: string | null } {
    if (rows.length <= limit) return { items: rows, nextCursor: null };
    const items = rows.slice(0, limit);
    return { items, nextCursor: this.cursorAfter(items[items.length - 1], position) };
  }

  /** The cursor of the page that starts after `row`. */
  cursorAfter(row: Row, position: KeysetPosition): string {
    return Buffer.from(JSON.stringify([position.key, ...this.valuesOf(row)])).toString('base64url');
  }

  private decode(cursor: string, key: string): string[] {
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    } catch {
      throw INVALID_CURSOR;
    }
    if (!Array.isArray(parsed) || parsed.length !== this.columns.length + 1 || parsed[0] !== key) throw INVALID_CURSOR;
    const values = parsed.slice(1) as unknown[];
    if (!values.every((value, i) => typeof value === 'string' && CHECKS[this.columns[i].kind](value))) throw INVALID_CURSOR;
    return values as string[];
  }
}

export interface KeysetPosition {
  /** The fingerprint of the list the request reads (name, sort, filters). */
  key: string;
  /** The order values of the row the page starts after; null for the first page. */
  after: string[] | null;
}

/** A short digest of the list's name and its query fields other than the paging ones (sorted, so their order does not matter). */
function fingerprint(list: string, query: object): string {
  const fields = Object.entries(query)
    .filter(([name, value]) => !PAGING_FIELDS.has(name) && value !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256')
    .update(JSON.stringify([list, fields]))
    .digest('base64url')
    .slice(0, 12);
}

/** A timestamp as an exact string for a cursor: SQL `to_char` of it in UTC with microseconds (a JavaScript Date keeps only milliseconds). */
export const exactTime = (sql: string): string => `to_char(${sql} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
