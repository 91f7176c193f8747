import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { DomainEvent } from '../events/domain-event';
import { AfterCommit, UnitOfWork } from './unit-of-work';

class SomethingHappened extends DomainEvent {
  readonly name = 'something.happened';
}

const pgError = (code: string) => new QueryFailedError('UPDATE ...', [], Object.assign(new Error('pg'), { code }));

/** Stands in for the transaction boundary only: the retry rule is what is under test, not PostgreSQL. */
function harness() {
  const manager = {} as EntityManager;
  const dataSource = { transaction: jest.fn((fn: (m: EntityManager) => Promise<unknown>) => fn(manager)) } as unknown as DataSource;
  const emitter = new EventEmitter2();
  const published: DomainEvent[] = [];
  const inTransaction: DomainEvent[] = [];
  emitter.on('something.happened', (event: DomainEvent) => published.push(event));
  emitter.on('something.happened.in-transaction', ({ event }: { event: DomainEvent }) => inTransaction.push(event));
  return { unitOfWork: new UnitOfWork(dataSource, emitter), dataSource, emitter, published, inTransaction };
}

describe('UnitOfWork', () => {
  it('runs in-transaction handlers before commit and publishes after', async () => {
    const { unitOfWork, published, inTransaction } = harness();
    const result = await unitOfWork.run(async (_manager, record) => {
      record(new SomethingHappened());
      expect(published).toHaveLength(0);
      return 42;
    });
    expect(result).toBe(42);
    expect(inTransaction).toHaveLength(1);
    expect(published).toHaveLength(1);
  });

  it('runs a deadlocked or serialization-failed transaction again, publishing only the attempt that committed', async () => {
    const { unitOfWork, dataSource, published } = harness();
    let calls = 0;
    const result = await unitOfWork.run(async (_manager, record) => {
      calls++;
      record(new SomethingHappened());
      if (calls === 1) throw pgError('40P01');
      if (calls === 2) throw pgError('40001');
      return 'done';
    });
    expect(result).toBe('done');
    expect(calls).toBe(3);
    expect((dataSource.transaction as jest.Mock).mock.calls).toHaveLength(3);
    expect(published).toHaveLength(1);
  });

  it('hands what an in-transaction handler returns to after commit, and drops it for an attempt that rolled back', async () => {
    const { unitOfWork, emitter } = harness();
    const delivered: string[] = [];
    let attempt = 0;
    const writer = (): Promise<AfterCommit> => {
      const written = `rows of attempt ${++attempt}`;
      return Promise.resolve(() => {
        delivered.push(written);
      });
    };
    // A second handler fails the first attempt after the first one wrote (and returned its delivery).
    const failsOnce = (): Promise<void> => (attempt === 1 ? Promise.reject(pgError('40P01')) : Promise.resolve());
    // EventEmitter2 types listeners as returning void; emitAsync (which UnitOfWork uses) awaits what they return.
    emitter.on('something.happened.in-transaction', writer as () => void);
    emitter.on('something.happened.in-transaction', failsOnce as () => void);
    await unitOfWork.run(async (_manager, record) => {
      record(new SomethingHappened());
      return Promise.resolve();
    });
    expect(attempt).toBe(2);
    // Off the caller's path: not yet run when run() returns.
    expect(delivered).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(delivered).toEqual(['rows of attempt 2']);
  });

  it('gives up after three attempts, and never retries other errors', async () => {
    const { unitOfWork, published } = harness();
    let calls = 0;
    await expect(
      unitOfWork.run(async () => {
        calls++;
        throw pgError('40P01');
      }),
    ).rejects.toThrow(QueryFailedError);
    expect(calls).toBe(3);
    calls = 0;
    await expect(
      unitOfWork.run(async () => {
        calls++;
        throw pgError('23505');
      }),
    ).rejects.toThrow(QueryFailedError);
    expect(calls).toBe(1);
    expect(published).toHaveLength(0);
  });
});
