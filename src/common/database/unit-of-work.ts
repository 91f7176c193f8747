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
 * What a batch handler receives: every event of the transaction not yet given to it, once their per-event
 * handlers have run, so that it can write for all of them at once (one statement for several rows).
 */
export interface TransactionalEvents {
  events: DomainEvent[];
  manager: EntityManager;
  record: (event: DomainEvent) => void;
}

/** The name under which batch handlers hear a transaction's events, after the per-event handlers, before commit. */
export const IN_TRANSACTION_BATCH = 'unit-of-work.in-transaction-batch';

/**
 * What an in-transaction handler may return: the work to do with what it wrote once the transaction has
 * committed (push it, send it). Run off the caller's path; never run for a transaction that rolled back.
 */
export type AfterCommit = () => void | Promise<void>;

/**
 * Runs multi-row writes in one transaction and publishes the events they record. Before commit, handlers
 * of `<name>.in-transaction` run inside the same transaction (an outbox: their rows commit or roll back
 * with the change), then handlers of IN_TRANSACTION_BATCH with all the events at once (a writer for
 * several events in one statement), and what they return is their after-commit work; after commit, that work runs and
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
          const steps = (handed: unknown[]) => handed.filter((result): result is AfterCommit => typeof result === 'function');
          // Events recorded by a handler join the list and are handled in turn: each by its own handlers, then
          // those not yet batched by the batch handlers together. A batch's after-commit steps (the pushes of
          // the notifications it wrote) go before its events' own (a stream closing), as one event's would.
          for (let batched = 0; batched < events.length;) {
            const own: AfterCommit[] = [];
            for (let handled = batched; handled < events.length; handled++) {
              const event = events[handled];
              own.push(...steps(await this.emitter.emitAsync(inTransaction(event.name), { event, manager, record } satisfies TransactionalEvent)));
            }
            const batch = events.slice(batched);
            batched = batch.length + batched;
            afterCommit.push(
              ...steps(await this.emitter.emitAsync(IN_TRANSACTION_BATCH, { events: batch, manager, record } satisfies TransactionalEvents)),
              ...own,
            );
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
