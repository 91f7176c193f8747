import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource, EntityManager } from 'typeorm';
import { SqlState } from './sqlstate';
import { DomainEvent, inTransaction } from '../events/domain-event';

const MAX_ATTEMPTS = 3;
const RETRYABLE_SQLSTATES = new Set<string>([SqlState.DEADLOCK_DETECTED, SqlState.SERIALIZATION_FAILURE]);

function isRetryable(error: unknown): boolean {
  return RETRYABLE_SQLSTATES.has((error as { driverError?: { code?: string } } | null)?.driverError?.code ?? '');
}

/**
 * What an in-transaction handler receives: the event, the transaction's manager to write with, and `record`
 * for the events its own writes cause (their in-transaction handlers run next, in the same transaction).
 */
export interface TransactionalEvent<E extends DomainEvent = DomainEvent> {
  event: E;
  manager: EntityManager;
  record: (event: DomainEvent) => void;
}

/**
 * What an in-transaction handler may return: the work to do with what it wrote once the transaction has
 * committed (push it, send it). Run off the caller's path; never run for a transaction that rolled back.
 */
export type AfterCommit = () => void | Promise<void>;

/**
 * Runs multi-row writes in one transaction and publishes the events they record. Before commit, handlers
 * of `<name>.in-transaction` run inside the same transaction (an outbox: their rows commit or roll back
 * with the change), and what they return is their after-commit work; after commit, that work runs and
 * listeners of `<name>` are told, never before.
 */
@Injectable()
export class UnitOfWork {
  private readonly logger = new Logger(UnitOfWork.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly emitter: EventEmitter2,
  ) {}

  /**
   * A transaction PostgreSQL aborted to break a deadlock or a serialization conflict is run again from the
   * start (it changed nothing), a few times, before the error surfaces.
   */
  async run<T>(work: (manager: EntityManager, record: (event: DomainEvent) => void) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const events: DomainEvent[] = [];
      try {
        const { value, afterCommit } = await this.dataSource.transaction(async (manager) => {
          const record = (event: DomainEvent) => void events.push(event);
          const value = await work(manager, record);
          const afterCommit: AfterCommit[] = [];
          // Events recorded by a handler join the list and are handled in turn.
          for (const event of events) {
            const handed: unknown[] = await this.emitter.emitAsync(inTransaction(event.name), { event, manager, record } satisfies TransactionalEvent);
            afterCommit.push(...handed.filter((result): result is AfterCommit => typeof result === 'function'));
          }
          return { value, afterCommit };
        });
        this.runAfterCommit(afterCommit);
        this.publish(events);
        return value;
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS || !isRetryable(error)) throw error;
      }
    }
  }

  /** Tells after-commit listeners; each catches its own errors, so this never fails the caller. */
  publish(events: DomainEvent[]): void {
    for (const event of events) this.emitter.emit(event.name, event);
  }

  /** On the next turn of the event loop, all started together (a commit's e-mails go out in one batch); never fails the caller. */
  private runAfterCommit(work: AfterCommit[]): void {
    if (work.length === 0) return;
    setImmediate(() => {
      for (const step of work) {
        Promise.resolve()
          .then(step)
          .catch((error: unknown) => this.logger.error({ err: error }, 'After-commit work failed'));
      }
    });
  }
}
