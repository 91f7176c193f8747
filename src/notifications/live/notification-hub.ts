import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AppConfig } from '../../config/app.config';
import { LiveNotification } from './live-notification';
import { NotificationStream } from './notification-stream';
import { StreamsEnd } from './streams-end';

/** Open streams one user may have on one instance. */
export const MAX_STREAMS_PER_USER = 10;
/** When clients of a shutting-down instance reconnect: after 1 to 4 s, each at its own moment. */
const SHUTDOWN_RECONNECT_MIN_MS = 1000;
const SHUTDOWN_RECONNECT_SPREAD_MS = 3000;

/** This instance's open notification streams, by user: fan-out, heartbeats and shutdown. */
@Injectable()
export class NotificationHub implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly byUser = new Map<string, Set<NotificationStream>>();
  private readonly heartbeatMs: number;
  private heartbeat: NodeJS.Timeout | null = null;

  constructor(config: ConfigService<AppConfig, true>) {
    this.heartbeatMs = config.get('notifications', { infer: true }).sseHeartbeatSeconds * 1000;
  }

  onApplicationBootstrap(): void {
    // One timer for every stream, rather than one per connection.
    this.heartbeat = setInterval(() => this.beat(), this.heartbeatMs);
    this.heartbeat.unref();
  }

  /**
   * Ends every stream with a retry hint, so the server can close; clients reconnect (elsewhere) with
   * Last-Event-ID, spread over a few seconds rather than all at once.
   */
  beforeApplicationShutdown(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.forEach((stream) => stream.end(SHUTDOWN_RECONNECT_MIN_MS + Math.floor(Math.random() * SHUTDOWN_RECONNECT_SPREAD_MS)));
  }

  add(stream: NotificationStream): void {
    let streams = this.byUser.get(stream.userId);
    if (!streams) this.byUser.set(stream.userId, (streams = new Set()));
    // A client that keeps opening streams (or tabs that died without closing their connection) cannot
    // pile them up: the oldest gives way.
    if (streams.size >= MAX_STREAMS_PER_USER) streams.values().next().value?.close();
    streams.add(stream);
  }

  remove(stream: NotificationStream): void {
    const streams = this.byUser.get(stream.userId);
    if (!streams?.delete(stream)) return;
    if (streams.size === 0) this.byUser.delete(stream.userId);
  }

  /** Hands a notification to its user's streams on this instance; nobody else's. */
  deliver(notification: LiveNotification): void {
    const streams = this.byUser.get(notification.userId);
    if (streams) for (const stream of streams) stream.push(notification);
  }

  /** Closes the user's streams on this instance that the ended session(s) opened; a client reconnecting must sign in again. */
  endStreams({ userId, sessionId }: StreamsEnd): void {
    const streams = this.byUser.get(userId);
    if (!streams) return;
    for (const stream of [...streams]) if (sessionId === undefined || stream.sessionId === sessionId) stream.close();
  }

  /** Every stream reads what it may have missed (after deliveries were interrupted). */
  resyncAll(): void {
    this.forEach((stream) => stream.resync());
  }

  /** Open streams, of one user or of everyone. */
  count(userId?: string): number {
    if (userId !== undefined) return this.byUser.get(userId)?.size ?? 0;
    let total = 0;
    for (const streams of this.byUser.values()) total += streams.size;
    return total;
  }

  /** Keeps idle connections (and the proxies on their way) open, and ends those whose token has expired. */
  private beat(): void {
    const now = Date.now();
    this.forEach((stream) => (stream.isExpired(now) ? stream.close() : stream.heartbeat()));
  }

  private forEach(action: (stream: NotificationStream) => void): void {
    for (const streams of [...this.byUser.values()]) for (const stream of [...streams]) action(stream);
  }
}
