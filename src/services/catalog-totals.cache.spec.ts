import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import { Test } from '@nestjs/testing';
import { Role } from '../common/auth/role.enum';
import { UserDeletedEvent } from '../users/events/user-deleted.event';
import { CatalogTotalsCache } from './catalog-totals.cache';

/** A count the test settles by hand, so "in flight" is a state rather than a timing. */
function pendingCount() {
  let settle!: (total: number) => void;
  let fail!: (error: Error) => void;
  const count = jest.fn(
    () =>
      new Promise<number>((resolve, reject) => {
        settle = resolve;
        fail = reject;
      }),
  );
  return { count, settle: (total: number) => settle(total), fail: (error: Error) => fail(error) };
}

describe('CatalogTotalsCache', () => {
  it('counts a key once for callers that arrive while the count runs, and keeps the result', async () => {
    const cache = new CatalogTotalsCache();
    const { count, settle } = pendingCount();
    const totals = Array.from({ length: 5 }, () => cache.get('k', count));
    settle(7);
    expect(await Promise.all(totals)).toEqual([7, 7, 7, 7, 7]);
    expect(await cache.get('k', count)).toBe(7);
    expect(count).toHaveBeenCalledTimes(1);
  });

  it('counts each key on its own', async () => {
    const cache = new CatalogTotalsCache();
    expect(await cache.get('a', () => Promise.resolve(1))).toBe(1);
    expect(await cache.get('b', () => Promise.resolve(2))).toBe(2);
  });

  it('counts afresh after forget()', async () => {
    const cache = new CatalogTotalsCache();
    expect(await cache.get('k', () => Promise.resolve(1))).toBe(1);
    cache.forget();
    expect(await cache.get('k', () => Promise.resolve(2))).toBe(2);
  });

  it('does not keep a failed count', async () => {
    const cache = new CatalogTotalsCache();
    const { count, fail } = pendingCount();
    const first = cache.get('k', count);
    fail(new Error('connection lost'));
    await expect(first).rejects.toThrow('connection lost');
    expect(await cache.get('k', () => Promise.resolve(3))).toBe(3);
  });

  it("forgets its totals when a user is deleted (a provider's services leave the public catalog)", async () => {
    const moduleRef = await Test.createTestingModule({ imports: [EventEmitterModule.forRoot()], providers: [CatalogTotalsCache] }).compile();
    await moduleRef.init();
    try {
      const cache = moduleRef.get(CatalogTotalsCache);
      expect(await cache.get('k', () => Promise.resolve(1))).toBe(1);
      moduleRef.get(EventEmitter2).emit(UserDeletedEvent.eventName, new UserDeletedEvent('6f1f7c1e-0000-4000-8000-000000000000', Role.PROVIDER, Role.PROVIDER));
      expect(await cache.get('k', () => Promise.resolve(0))).toBe(0);
    } finally {
      await moduleRef.close();
    }
  });
});
