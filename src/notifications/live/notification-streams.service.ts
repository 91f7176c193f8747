import { Injectable, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { OutgoingHttpHeaders } from 'node:http';
import { AuthUser } from '../../common/auth/auth-user';
import { NotificationsRepository } from '../notifications.repository';
import { LiveNotification, toLiveNotification } from './live-notification';
import { NotificationHub } from './notification-hub';
import { MissedNotifications, NotificationStream } from './notification-stream';
import { formatSseComment, formatSseRetry, parseLastEventId } from './sse';

/** How long a client waits before reconnecting after the connection drops. */
const RECONNECT_AFTER_MS = 2000;
/**
 * A reconnect replays at most this many of the latest notifications it missed (streamed from the database in
 * pages), then sends a `reload` event: a client further behind reloads the list rather than the stream.
 */
export const MAX_REPLAY = 1_000;

/** Opens live notification streams (`text/event-stream`), resuming from `Last-Event-ID`. */
@Injectable()
export class NotificationStreamsService implements MissedNotifications {
  private readonly logger = new Logger(NotificationStreamsService.name);

  constructor(
    private readonly notifications: NotificationsRepository,
    private readonly hub: NotificationHub,
  ) {}

  /**
   * Subscribes first, then reads the user's position, then replays from the database what came after the
   * client's `Last-Event-ID`, then writes the live ones: a notification committed at any moment in between
   * is written once, in order. Writes to the raw socket (one small object per stream, no RxJS pipeline).
   */
  async open(user: AuthUser, lastEventId: string | string[] | undefined, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const resumeAfter = parseLastEventId(lastEventId);
    const stream = new NotificationStream(
      user.id,
      user.exp * 1000,
      reply.raw,
      this,
      (closed) => this.hub.remove(closed),
      (error) => this.logger.warn({ err: error, userId: user.id }, 'Notification stream failed; closing it'),
      user.sessionId,
    );
    this.hub.add(stream);
    let position: number;
    try {
      position = await this.notifications.lastSeq(user.id);
    } catch (error) {
      this.hub.remove(stream);
      throw error;
    }

    reply.hijack();
    if (stream.isClosed) return; // the client left while we were reading
    request.raw.socket.setNoDelay(true);
    request.raw.socket.setKeepAlive(true);
    reply.raw.writeHead(200, {
      // The headers set so far (request id, security headers, CORS) would be lost with a hijacked reply.
      ...(reply.getHeaders() as OutgoingHttpHeaders),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // Tells nginx not to buffer the stream.
      'x-accel-buffering': 'no',
    });
    reply.raw.write(formatSseRetry(RECONNECT_AFTER_MS) + formatSseComment('connected'));
    // A client ahead of the database (which was reset, say) restarts from where the user really is.
    const from = resumeAfter === null ? position : Math.min(resumeAfter, position);
    const capped = position - from > MAX_REPLAY;
    stream.start(capped ? position - MAX_REPLAY : from, from < position, capped);
  }

  async listAfter(userId: string, seq: number, limit: number): Promise<LiveNotification[]> {
    return (await this.notifications.listAfter(userId, seq, limit)).map(toLiveNotification);
  }
}
