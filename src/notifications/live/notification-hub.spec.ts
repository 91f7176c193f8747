import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { ConfigService } from '@nestjs/config';
import { AppConfig } from '../../config/app.config';
import { NotificationHub } from './notification-hub';
import { NotificationStream } from './notification-stream';

class FakeResponse extends EventEmitter {
  writableEnded = false;
  writableNeedDrain = false;
  write(): boolean {
    return true;
  }
  end(): void {
    this.writableEnded = true;
    this.emit('close');
  }
}

describe('NotificationHub.endStreams', () => {
  const config = { get: () => ({ sseHeartbeatSeconds: 15 }) } as unknown as ConfigService<AppConfig, true>;

  function setUp() {
    const hub = new NotificationHub(config);
    const open = (userId: string, sessionId: string | null) => {
      const stream = new NotificationStream(
        userId,
        Date.now() + 60_000,
        new FakeResponse() as unknown as ServerResponse,
        { listAfter: () => Promise.resolve([]) },
        (closed) => hub.remove(closed),
        () => undefined,
        sessionId,
      );
      hub.add(stream);
      return stream;
    };
    return { hub, open };
  }

  it('closes the streams of one session, and no other', () => {
    const { hub, open } = setUp();
    const [a1, a1again, a2, b1, legacy] = [open('a', 's1'), open('a', 's1'), open('a', 's2'), open('b', 's1'), open('a', null)];
    hub.endStreams({ userId: 'a', sessionId: 's1' });
    expect([a1, a1again, a2, b1, legacy].map((stream) => stream.isClosed)).toEqual([true, true, false, false, false]);
    expect(hub.count('a')).toBe(2);
  });

  it('closes every stream of the user when no session is named, and only theirs', () => {
    const { hub, open } = setUp();
    const streams = [open('a', 's1'), open('a', 's2'), open('a', null), open('b', 's3')];
    hub.endStreams({ userId: 'a' });
    expect(streams.map((stream) => stream.isClosed)).toEqual([true, true, true, false]);
    expect(hub.count()).toBe(1);
    hub.endStreams({ userId: 'nobody' });
    expect(hub.count()).toBe(1);
  });
});
