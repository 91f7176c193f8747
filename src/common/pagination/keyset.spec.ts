import { DomainError } from '../errors/domain.error';
import { Keyset, KeysetKind } from './keyset';

interface Row {
  at: string;
  id: string;
}

const ID = '7f0c8a52-4a5e-4c3b-9b7e-0a1b2c3d4e5f';
const keyset = (kind: KeysetKind = 'time') =>
  new Keyset<Row>(
    'things',
    [
      { sql: 't.at', kind },
      { sql: 't.id', kind: 'uuid' },
    ],
    true,
    (row) => [row.at, row.id],
  );
const encode = (parts: unknown) => Buffer.from(JSON.stringify(parts)).toString('base64url');

/** The field errors a call throws (a 400 VALIDATION_FAILED), or [] when it does not throw. */
function fieldsOf(call: () => unknown): string[] {
  try {
    call();
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).status).toBe(400);
    return ((error as DomainError).errors ?? []).map((e) => e.field);
  }
}

describe('Keyset', () => {
  const query = { sort: '-at', status: 'OPEN', limit: 20, offset: 0 };
  const rows = [
    { at: '2030-01-01T10:00:00.123456Z', id: ID },
    { at: '2030-01-01T09:00:00.000000Z', id: ID },
  ];

  it('gives the cursor after the last row of a full page, none after the last page, and reads it back', () => {
    const things = keyset();
    const first = things.page(rows, 1, things.position(query));
    expect(first.items).toEqual([rows[0]]);
    expect(first.nextCursor).toEqual(expect.stringMatching(/^[\w-]+$/));
    expect(things.page(rows, 2, things.position(query)).nextCursor).toBeNull();
    // Paging fields (limit) may change; the position is the last row's values.
    expect(things.position({ ...query, limit: 50, cursor: first.nextCursor as string }).after).toEqual([rows[0].at, ID]);
  });

  it('writes one row comparison in the direction of the order, values as parameters', () => {
    const values: unknown[] = ['first'];
    expect(keyset().condition(['2030-01-01T10:00:00Z', ID], values)).toBe('(t.at, t.id) < ($2::timestamptz, $3::uuid)');
    expect(values).toEqual(['first', '2030-01-01T10:00:00Z', ID]);
    expect(keyset().orderBy).toBe('t.at DESC, t.id DESC');
  });

  it('refuses, naming cursor, a cursor of other filters or sort, of another list, or altered', () => {
    const things = keyset();
    const cursor = things.page(rows, 1, things.position(query)).nextCursor as string;
    const [key] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as string[];
    const other = new Keyset<Row>('others', things.columns, true, (row) => [row.at, row.id]);
    const refused = [
      () => things.position({ ...query, status: 'CLOSED', cursor }),
      () => things.position({ ...query, sort: 'at', cursor }),
      () => other.position({ ...query, cursor }),
      () => things.position({ ...query, cursor: cursor.slice(1) }),
      () => things.position({ ...query, cursor: 'garbage' }),
      () => things.position({ ...query, cursor: encode([key, ID]) }),
      () => things.position({ ...query, cursor: encode([key, 'yesterday', ID]) }),
      () => things.position({ ...query, cursor: encode([key, '2030-02-31T10:00:00Z', ID]) }),
      () => things.position({ ...query, cursor: encode([key, '2030-13-01T10:00:00Z', ID]) }),
      () => things.position({ ...query, cursor: encode([key, '0000-01-01T10:00:00Z', ID]) }),
      () => things.position({ ...query, cursor: encode([key, '2030-01-01T10:00:00Z', 'not-a-uuid']) }),
      () => things.position({ ...query, cursor: encode([key, 2030, ID]) }),
      () => things.position({ ...query, cursor, offset: 20 }),
    ];
    for (const call of refused) expect(fieldsOf(call)).toEqual(['cursor']);
    expect(fieldsOf(() => things.position({ ...query, cursor: encode([key, '2028-02-29T10:00:00Z', ID]) }))).toEqual([]);
  });

  it('checks each kind of value before it reaches SQL', () => {
    const check = (kind: KeysetKind, value: string) => {
      const things = keyset(kind);
      const [key] = JSON.parse(Buffer.from(things.cursorAfter({ at: 'x', id: ID }, things.position(query)), 'base64url').toString()) as string[];
      return fieldsOf(() => things.position({ ...query, cursor: encode([key, value, ID]) })).length === 0;
    };
    expect([check('decimal', '12.50'), check('decimal', '1e5'), check('decimal', '12.5.0')]).toEqual([true, false, false]);
    expect([check('int', '42'), check('int', '-1'), check('int', '1'.repeat(16))]).toEqual([true, false, false]);
    expect([check('text', 'Deep cleaning'), check('text', 'a\u0000b'), check('text', 'x'.repeat(1001))]).toEqual([true, false, false]);
  });
});
