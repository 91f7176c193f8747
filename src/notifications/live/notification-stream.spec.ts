import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { setImmediate as tick } from 'node:timers/promises';
import { LiveNotification } from './live-notification';
import { MissedNotifications, NotificationStream } from './notification-stream';

const USER = 'user-1';
const EXPIRES_AT = Date.parse('2030-01-01T00:00:00Z');
const live = (seq: number, userId = USER): LiveNotification => ({ userId, seq, frame: `id: ${seq}\n\n` });

/** A response that records what was written and can refuse writes (backpressure) until drained. */
class FakeResponse extends EventEmitter {
  written: string[] = [];
  writableEnded = false;
  writableNeedDrain = false;
  full = false;

  write(chunk: string): boolean {
    this.written.push(chunk);
    if (this.full) this.writableNeedDrain = true;
    return !this.full;
  }

  end(): void {
    this.writableEnded = true;
    this.emit('close');
  }

  drain(): void {
    this.full = false;
    this.writableNeedDrain = false;
    this.emit('drain');
  }

  /** The positions written, in order (heartbeats left out). */
  get ids(): number[] {
    return this.written.filter((chunk) => chunk.startsWith('id: ')).map((chunk) => Number(/^id: (\d+)/.exec(chunk)?.[1]));
  }
}

/** The database: everything committed for the user, and a log of the positions asked after. */
class FakeDatabase implements MissedNotifications {
  committed: number[] = [];
  queries: number[] = [];

  listAfter(userId: string, seq: number, limit: number): Promise<LiveNotification[]> {
    this.queries.push(seq);
    return Promise.resolve(
      this.committed
        .filter((committed) => committed > seq)
        .slice(0, limit)
        .map((committed) => live(committed, userId)),
    );
  }

  commit(...seqs: number[]): LiveNotification[] {
    this.committed.push(...seqs);
    return seqs.map((seq) => live(seq));
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await tick();
}

function setUp() {
  const out = new FakeResponse();
  const db = new FakeDatabase();
  const closed: NotificationStream[] = [];
  const errors: unknown[] = [];
  const stream = new NotificationStream(
    USER,
    EXPIRES_AT,
    out as unknown as ServerResponse,
    db,
    (s) => closed.push(s),
    (error) => errors.push(error),
  );
  return { out, db, stream, closed, errors };
}

describe('NotificationStream', () => {
  it('writes live notifications in order, each once, without reading the database', async () => {
    const { out, db, stream } = setUp();
    stream.start(0, false);
    for (const notification of db.commit(1, 2, 3)) stream.push(notification);
    stream.push(live(2));
    await settle();
    expect(out.ids).toEqual([1, 2, 3]);
    expect(db.queries).toEqual([]);
  });

  it('replays what came after Last-Event-ID before live ones, skipping live ones already replayed', async () => {
    const { out, db, stream } = setUp();
    db.commit(1, 2, 3, 4, 5);
    // Subscribed before the replay: 5 and 6 arrive live while the replay runs.
    stream.push(live(5));
    stream.start(2, true);
    stream.push(db.commit(6)[0]);
    await settle();
    expect(out.ids).toEqual([3, 4, 5, 6]);
  });

  it('fills a gap from the database when a later notification arrives first (out-of-order pub/sub)', async () => {
    const { out, db, stream } = setUp();
    stream.start(0, false);
    const [one, two, three] = db.commit(1, 2, 3);
    stream.push(three);
    await settle();
    expect(out.ids).toEqual([1, 2, 3]);
    expect(db.queries).toEqual([0]);
    // The late ones are duplicates by now.
    stream.push(one);
    stream.push(two);
    await settle();
    expect(out.ids).toEqual([1, 2, 3]);
  });

  it('ignores what was committed before it started (a fresh stream starts at the user’s position)', async () => {
    const { out, db, stream } = setUp();
    const [old] = db.commit(7);
    stream.push(old); // published after subscription, committed before the position was read
    stream.start(7, false);
    stream.push(db.commit(8)[0]);
    await settle();
    expect(out.ids).toEqual([8]);
  });

  it('waits for a slow client, then catches up from the database instead of holding an unbounded queue', async () => {
    const { out, db, stream } = setUp();
    stream.start(0, false);
    out.full = true;
    stream.push(db.commit(1)[0]);
    await settle();
    expect(out.ids).toEqual([1]);
    // Stuck on backpressure: 200 more arrive; memory holds at most 64 of them.
    for (let seq = 2; seq <= 201; seq++) stream.push(db.commit(seq)[0]);
    stream.heartbeat();
    expect(out.written.filter((chunk) => chunk.startsWith(':'))).toEqual([]);
    out.drain();
    await settle();
    expect(out.ids).toEqual(Array.from({ length: 201 }, (_, i) => i + 1));
    expect(db.queries.length).toBeGreaterThan(0);
  });

  it('resync reads what pub/sub may have lost', async () => {
    const { out, db, stream } = setUp();
    stream.start(0, false);
    db.commit(1, 2); // published while the subscriber was disconnected: never pushed
    stream.resync();
    await settle();
    expect(out.ids).toEqual([1, 2]);
  });

  it('sends heartbeats only once started, and stops everything when the client leaves', async () => {
    const { out, db, stream, closed } = setUp();
    stream.heartbeat();
    expect(out.written).toEqual([]);
    stream.start(0, false);
    stream.heartbeat();
    expect(out.written).toEqual([': ping\n\n']);

    out.emit('close');
    expect(closed).toEqual([stream]);
    expect(stream.isClosed).toBe(true);
    stream.push(db.commit(1)[0]);
    stream.heartbeat();
    await settle();
    expect(out.ids).toEqual([]);
    expect(db.queries).toEqual([]);
  });

  it('knows when the token that opened it has expired', () => {
    const { stream } = setUp();
    expect(stream.isExpired(EXPIRES_AT - 1)).toBe(false);
    expect(stream.isExpired(EXPIRES_AT)).toBe(true);
  });

  it('closes when the database cannot be read, reporting why', async () => {
    const { out, stream, closed, errors } = setUp();
    const failing = new Error('database down');
    const broken = new NotificationStream(
      USER,
      EXPIRES_AT,
      out as unknown as ServerResponse,
      { listAfter: () => Promise.reject(failing) },
      (s) => closed.push(s),
      (e) => errors.push(e),
    );
    broken.start(0, true);
    await settle();
    expect(errors).toEqual([failing]);
    expect(closed).toContain(broken);
    expect(out.writableEnded).toBe(true);
    expect(stream.isClosed).toBe(true); // the same response closed under it too
  });
});
