import { MAX_REPLAY } from '../../../src/notifications/live/notification-streams.service';
import { seedNotifications } from '../../factories/history.factory';
import { notify } from '../../factories/notification.factory';
import { createUser } from '../../factories/user.factory';
import { listen } from '../../helpers/parallel';
import { OpenStreams } from '../../helpers/sse';
import { createTestApp, TestApp } from '../../helpers/test-app';

/**
 * A reconnect far behind replays only the latest MAX_REPLAY notifications it missed, streamed from the
 * database in pages, then a `reload` event (the client reloads the list instead), then live ones.
 */
describe('notification stream: bounded replay', () => {
  let t: TestApp;
  let baseUrl: string;
  const streams = new OpenStreams();

  beforeAll(async () => {
    t = await createTestApp();
    baseUrl = await listen(t);
  });
  afterEach(() => streams.closeAll());
  afterAll(() => t.close());

  it('replays the latest 1,000 of 1,500 missed notifications, in order, then reload, then live ones', async () => {
    expect(MAX_REPLAY).toBe(1_000);
    const user = await createUser(t);
    await seedNotifications(t, user, 1_500);

    const stream = await streams.open(baseUrl, user.token, { lastEventId: '0' });
    const events = await stream.waitForEvents(MAX_REPLAY + 1, 30_000);
    expect(events.slice(0, MAX_REPLAY).map((event) => event.id)).toEqual(Array.from({ length: MAX_REPLAY }, (_, i) => String(501 + i)));
    expect(events.slice(0, MAX_REPLAY).every((event) => event.event === 'payment_received')).toBe(true);
    expect(events[MAX_REPLAY]).toEqual({ id: '1500', event: 'reload', data: JSON.stringify({ reason: 'replay_capped' }) });

    await notify(t, user);
    const [live] = (await stream.waitForEvents(MAX_REPLAY + 2)).slice(MAX_REPLAY + 1);
    expect(live.id).toBe('1501');
    expect(live.event).not.toBe('reload');
  });

  it('replays everything, with no reload, when the client is less than the cap behind', async () => {
    const user = await createUser(t);
    await seedNotifications(t, user, MAX_REPLAY + 5);

    const stream = await streams.open(baseUrl, user.token, { lastEventId: '5' });
    const events = await stream.waitForEvents(MAX_REPLAY);
    await notify(t, user);
    const all = await stream.waitForEvents(MAX_REPLAY + 1);
    expect(all.map((event) => Number(event.id))).toEqual(Array.from({ length: MAX_REPLAY + 1 }, (_, i) => 6 + i));
    expect(events.some((event) => event.event === 'reload')).toBe(false);
  });
});
