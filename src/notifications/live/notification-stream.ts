import type { ServerResponse } from 'node:http';
import { LiveNotification } from './live-notification';
import { formatSseComment, formatSseEvent, formatSseRetry } from './sse';

/** Where a stream reads what it missed: the user's notifications after a position, oldest first. */
export interface MissedNotifications {
  listAfter(userId: string, seq: number, limit: number): Promise<LiveNotification[]>;
}

/** Live notifications a slow client may have waiting in memory; past this, it catches up from the database. */
const MAX_QUEUED = 64;
const REPLAY_PAGE = 200;
const HEARTBEAT = formatSseComment('ping');
/** After a capped replay: the client missed more than was replayed, and reloads the list (`GET /notifications/`). */
export const RELOAD = formatSseEvent({ event: 'reload', data: JSON.stringify({ reason: 'replay_capped' }) });

/**
 * One open `GET /notifications/stream`: writes the user's notifications in order of their position, each
 * once. Live notifications that arrive out of order, or after a gap (a message lost between instances, a
 * queue overflow), are filled in from the database: a notification is only published after it committed,
 * and a user's notifications commit in position order, so everything before it is there to read.
 */
export class NotificationStream {
  private lastSeq = 0;
  private queue: LiveNotification[] = [];
  private behind = false;
  private started = false;
  private pumping = false;
  private closed = false;
  private reloadDue = false;

  constructor(
    readonly userId: string,
    /** When the token that opened the stream expires: authentication happens once, so the stream ends then. */
    private readonly expiresAtMs: number,
    private readonly out: ServerResponse,
    private readonly missed: MissedNotifications,
    private readonly onClose: (stream: NotificationStream) => void,
    private readonly onError: (error: unknown, stream: NotificationStream) => void,
    /** The session of the token that opened the stream (null for a token from before sessions): it closes when that ends. */
    readonly sessionId: string | null = null,
  ) {
    out.once('close', () => this.close());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Starts writing after position `seq`; with `replay`, first everything committed after it, then, with
   * `reload` (the replay was capped), a `reload` event.
   */
  start(seq: number, replay: boolean, reload = false): void {
    this.lastSeq = seq;
    this.reloadDue = reload;
    // A queue that overflowed while the stream was being set up has already asked for a catch-up.
    this.behind ||= replay;
    this.started = true;
    this.pump();
  }

  push(notification: LiveNotification): void {
    if (this.closed || (this.started && notification.seq <= this.lastSeq)) return;
    if (this.queue.length >= MAX_QUEUED) {
      this.queue = [];
      this.behind = true;
    } else {
      this.queue.push(notification);
    }
    this.pump();
  }

  /** Reads from the database whatever may have been missed (after the pub/sub connection was down). */
  resync(): void {
    if (this.closed || !this.started) return;
    this.behind = true;
    this.pump();
  }

  isExpired(nowMs: number): boolean {
    return nowMs >= this.expiresAtMs;
  }

  heartbeat(): void {
    // A client that is not reading needs no heartbeat, and its buffer no more bytes.
    if (this.started && !this.closed && !this.out.writableNeedDrain) this.out.write(HEARTBEAT);
  }

  /** Ends the stream telling the client when to reconnect (to another instance, as this one is going away). */
  end(reconnectAfterMs: number): void {
    if (this.closed) return;
    if (!this.out.writableEnded) this.out.write(formatSseRetry(reconnectAfterMs) + formatSseComment('server shutting down; reconnect'));
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.onClose(this);
    if (!this.out.writableEnded) this.out.end();
  }

  private pump(): void {
    if (this.pumping || this.closed || !this.started) return;
    this.pumping = true;
    this.writeInOrder()
      .catch((error: unknown) => {
        this.onError(error, this);
        this.close();
      })
      .finally(() => {
        this.pumping = false;
        if (!this.closed && (this.behind || this.queue.length)) this.pump();
      });
  }

  private async writeInOrder(): Promise<void> {
    while (!this.closed) {
      if (this.behind) {
        this.behind = false;
        await this.catchUp();
        if (this.reloadDue && !this.closed) {
          this.reloadDue = false;
          await this.write(RELOAD);
        }
        continue;
      }
      const next = this.queue.shift();
      if (!next) return;
      if (next.seq <= this.lastSeq) continue;
      if (next.seq > this.lastSeq + 1) {
        // Its predecessors committed before it: read them (and it) from the database.
        await this.catchUp();
        continue;
      }
      await this.write(next.frame);
      this.lastSeq = next.seq;
    }
  }

  private async catchUp(): Promise<void> {
    for (;;) {
      const page = await this.missed.listAfter(this.userId, this.lastSeq, REPLAY_PAGE);
      for (const notification of page) {
        if (this.closed) return;
        await this.write(notification.frame);
        this.lastSeq = notification.seq;
      }
      if (page.length < REPLAY_PAGE) return;
    }
  }

  private async write(frame: string): Promise<void> {
    if (this.out.write(frame)) return;
    // Backpressure: wait for the client to read, holding nothing but what is already in the socket buffer.
    await new Promise<void>((resolve) => {
      const done = () => {
        this.out.off('drain', done);
        this.out.off('close', done);
        resolve();
      };
      this.out.on('drain', done);
      this.out.on('close', done);
    });
  }
}
