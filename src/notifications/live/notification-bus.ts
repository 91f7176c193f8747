import { Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type Redis from 'ioredis';
import { createRedisClient } from '../../redis/redis.module';
import { isLiveNotification, LiveNotification } from './live-notification';
import { NotificationHub } from './notification-hub';
import { isStreamsEnd, StreamsEnd } from './streams-end';

/**
 * Carries committed notifications to their users' open streams, and the end of sessions to the streams
 * they opened, on this instance or on all of them.
 */
export abstract class NotificationBus {
  /** Never throws: a stream that misses a notification reads it from the database with the next one. */
  abstract publish(notification: LiveNotification): Promise<void>;

  /** Never throws: closes the streams of ended sessions wherever they are held (see StreamsEnd). */
  abstract endStreams(end: StreamsEnd): Promise<void>;
}

/** Without Redis: one instance, so this instance's streams are all there is. */
export class LocalNotificationBus extends NotificationBus {
  constructor(private readonly hub: NotificationHub) {
    super();
  }

  publish(notification: LiveNotification): Promise<void> {
    this.hub.deliver(notification);
    return Promise.resolve();
  }

  endStreams(end: StreamsEnd): Promise<void> {
    this.hub.endStreams(end);
    return Promise.resolve();
  }
}

export const NOTIFICATIONS_CHANNEL = 'marketplace:notifications';
/** Sessions that ended, for every instance to close the streams they opened. */
export const STREAMS_END_CHANNEL = 'marketplace:streams-end';
const SUBSCRIBE_WAIT_MS = 10_000;

/**
 * With Redis: every notification is published on one channel; each instance listens on a connection of
 * its own (a subscribed connection can do nothing else) and hands each message to the streams it has for
 * that user. Redis pub/sub forgets messages nobody received: after the subscriber reconnects, every stream
 * here reads what it may have missed from the database. Ended sessions travel on a channel of their own,
 * published on the same connection after the notifications their change caused (a password change's), so
 * a stream receives those before it closes.
 */
export class RedisNotificationBus extends NotificationBus implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RedisNotificationBus.name);
  private readonly subscriber: Redis;
  private subscribedOnce = false;

  constructor(
    private readonly publisher: Redis,
    redisUrl: string,
    private readonly hub: NotificationHub,
  ) {
    super();
    this.subscriber = createRedisClient(redisUrl, 'marketplace-notifications');
    this.subscriber.on('message', (channel: string, message: string) => this.receive(channel, message));
    this.subscriber.on('ready', () => {
      // ioredis subscribes again by itself on reconnection; what was published meanwhile is read back.
      if (this.subscribedOnce) this.hub.resyncAll();
    });
  }

  /**
   * Subscribes as soon as the connection is ready (a SUBSCRIBE sent while ioredis is still running its
   * ready check is lost) and holds the app's start until then, so that a stream opened on this instance
   * hears everything committed after it opened. If Redis is not there yet, the app starts anyway and
   * subscribes when it comes.
   */
  async onModuleInit(): Promise<void> {
    const subscribed = new Promise<void>((resolve) => {
      const subscribe = () => {
        this.subscriber.subscribe(NOTIFICATIONS_CHANNEL, STREAMS_END_CHANNEL).then(
          () => {
            this.subscribedOnce = true;
            resolve();
          },
          (error: unknown) => this.logger.error({ err: error }, 'Could not subscribe to the notifications channel'),
        );
      };
      if (this.subscriber.status === 'ready') subscribe();
      else this.subscriber.once('ready', subscribe);
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([subscribed, new Promise<void>((resolve) => (timer = setTimeout(resolve, SUBSCRIBE_WAIT_MS).unref()))]);
    clearTimeout(timer);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscriber.quit().catch(() => this.subscriber.disconnect());
  }

  async publish(notification: LiveNotification): Promise<void> {
    try {
      await this.publisher.publish(NOTIFICATIONS_CHANNEL, JSON.stringify(notification));
    } catch (error) {
      // Redis is down: at least this instance's streams get it; the others catch up with the next one.
      this.logger.warn({ err: error, userId: notification.userId }, 'Could not publish a notification through Redis');
      this.hub.deliver(notification);
    }
  }

  async endStreams(end: StreamsEnd): Promise<void> {
    try {
      await this.publisher.publish(STREAMS_END_CHANNEL, JSON.stringify(end));
    } catch (error) {
      // Redis is down: this instance's streams close; the others' end when their token expires.
      this.logger.warn({ err: error, userId: end.userId }, 'Could not publish the end of a session through Redis');
      this.hub.endStreams(end);
    }
  }

  private receive(channel: string, message: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      parsed = null;
    }
    if (channel === STREAMS_END_CHANNEL && isStreamsEnd(parsed)) this.hub.endStreams(parsed);
    else if (channel === NOTIFICATIONS_CHANNEL && isLiveNotification(parsed)) this.hub.deliver(parsed);
    else this.logger.warn(`Ignored a malformed message on ${channel}`);
  }
}
