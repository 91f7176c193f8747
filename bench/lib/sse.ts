import { fork } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { Sql } from '../../src/common/database/sql';
import { buildDataSourceOptions } from '../../src/database/data-source.options';
import { NOTIFICATIONS_CHANNEL } from '../../src/notifications/live/notification-bus';
import { LiveNotification, toLiveNotification } from '../../src/notifications/live/live-notification';
import { NotificationEntity } from '../../src/notifications/notification.entity';
import { NotificationsRepository } from '../../src/notifications/notifications.repository';
import { draftNotifications } from '../../src/notifications/notifiable-events';
import { PasswordChangedEvent } from '../../src/users/events/password-changed.event';
import { cpuMs, rssMb } from './processes';

export interface SseResult {
  connections: number;
  opened: number;
  failed: number;
  firstError?: string;
  openSeconds: number;
  users: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  perConnectionKb: number;
  expected: number;
  delivered: number;
  /** From the first PUBLISH to the last event read by a client. */
  allDeliveredMs: number;
  firstDeliveredMs: number;
  publishMs: number;
  /** App CPU spent from the first PUBLISH until every event was read. */
  appCpuMs: number;
}

const now = () => performance.timeOrigin + performance.now();

/**
 * Scenario 6. Opens the streams from a separate client process, then commits one notification per user
 * and publishes it exactly as an app instance does after commit: the rows through the app's own
 * NotificationsRepository.insertNext (password_changed drafts from its templates), the messages through
 * its toLiveNotification on its Redis channel. The instance under test receives them on its subscriber
 * like any message from a sibling instance and fans them out to its streams.
 */
export async function runSse(options: {
  appPid: number;
  port: number;
  databaseUrl: string;
  redisUrl: string;
  users: Array<{ id: string; email: string; token: string }>;
  connections: number;
  log: (line: string) => void;
}): Promise<SseResult> {
  const client = fork(join(__dirname, 'sse-client.js'), [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const reply = <T>(type: string) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (message: { type: string }) => {
        if (message.type === type) {
          client.off('message', onMessage);
          resolve(message as T);
        }
      };
      client.on('message', onMessage);
      client.once('exit', (code) => reject(new Error(`SSE client exited (${code})`)));
    });
  const dataSource = await new DataSource({ ...buildDataSourceOptions(options.databaseUrl), extra: { max: 4 } }).initialize();
  const redis = new Redis(options.redisUrl, { lazyConnect: false });
  try {
    const tokens = Array.from({ length: options.connections }, (_, i) => options.users[i % options.users.length].token);
    const users = options.users.slice(0, Math.min(options.users.length, options.connections));

    await sleep(2000);
    const rssBeforeMb = rssMb(options.appPid);
    const openStarted = Date.now();
    client.send({ type: 'open', port: options.port, tokens, concurrency: 200 });
    const opened = await reply<{ opened: number; failed: number; firstError?: string }>('opened');
    const openSeconds = (Date.now() - openStarted) / 1000;
    options.log(
      `    ${opened.opened} streams open in ${openSeconds.toFixed(1)} s (${opened.failed} failed${opened.firstError ? `: ${opened.firstError}` : ''})`,
    );
    await sleep(3000);
    const rssAfterMb = rssMb(options.appPid);

    // Commit one notification per user, as the app's outbox does, and build the frames it would publish.
    const repository = new NotificationsRepository(dataSource.getRepository(NotificationEntity), new Sql(dataSource));
    const live: LiveNotification[] = [];
    for (let first = 0; first < users.length; first += 500) {
      await dataSource.transaction(async (manager) => {
        for (const user of users.slice(first, first + 500)) {
          const recipients = new Map([[user.id, { id: user.id, email: user.email, firstName: 'Bench' }]]);
          for (const { email: _email, ...draft } of draftNotifications(new PasswordChangedEvent(user.id, user.email, 'profile'), recipients)) {
            live.push(toLiveNotification(await repository.insertNext(manager, draft)));
          }
        }
      });
    }
    const expected = Math.min(opened.opened, tokens.length);
    client.send({ type: 'expect', count: expected, timeoutMs: 30_000 });
    await sleep(200);
    const delivered = reply<{ received: number; firstAt: number; lastAt: number }>('delivered');
    const cpuBefore = cpuMs(options.appPid);
    const started = now();
    const pipeline = redis.pipeline();
    for (const notification of live) pipeline.publish(NOTIFICATIONS_CHANNEL, JSON.stringify(notification));
    await pipeline.exec();
    const publishMs = now() - started;
    const result = await delivered;
    const appCpuMs = cpuMs(options.appPid) - cpuBefore;
    return {
      connections: options.connections,
      opened: opened.opened,
      failed: opened.failed,
      firstError: opened.firstError,
      openSeconds,
      users: users.length,
      rssBeforeMb,
      rssAfterMb,
      perConnectionKb: opened.opened ? ((rssAfterMb - rssBeforeMb) * 1024) / opened.opened : 0,
      expected,
      delivered: result.received,
      allDeliveredMs: result.lastAt ? result.lastAt - started : Number.NaN,
      firstDeliveredMs: result.firstAt ? result.firstAt - started : Number.NaN,
      publishMs,
      appCpuMs,
    };
  } finally {
    client.send({ type: 'close' });
    redis.disconnect();
    await dataSource.destroy();
  }
}
