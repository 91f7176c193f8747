import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource, EntityManager } from 'typeorm';
import { SqlState } from '../database/sqlstate';
import { DomainEvent, inTransaction } from './domain-event';

const MAX_ATTEMPTS = 3;
const RETRYABLE_SQLSTATES = new Set<string>([SqlState.DEADLOCK_DETECTED, SqlState.SERIALIZATION_FAILURE]);

function isRetryable(error: unknown): boolean {
  return RETRYABLE_SQLSTATES.has((error as { driverError?: { code?: string } } | null)?.driverError?.code ?? '');
}

/** What an in-transaction handler receives: the event and the transaction's manager, to write with it. */
export interface TransactionalEvent<E extends DomainEvent = DomainEvent> {
  event: E;
  manager: EntityManager;
}

/**
 * Runs multi-row writes in one transaction and publishes the events they record. Before commit, handlers
 * of `<name>.in-transaction` run inside the same transaction (an outbox: their rows commit or roll back
 * with the change); after commit, listeners of `<name>` are told (e-mail, live push), never before.
 */
@Injectable()
export class UnitOfWork {
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
        const result = await this.dataSource.transaction(async (manager) => {
          const value = await work(manager, (event) => events.push(event));
          for (const event of events) {
            await this.emitter.emitAsync(inTransaction(event.name), { event, manager } satisfies TransactionalEvent);
          }
          return value;
        });
        this.publish(events);
        return result;
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS || !isRetryable(error)) throw error;
      }
    }
  }

  /** Tells after-commit listeners; each catches its own errors, so this never fails the caller. */
  publish(events: DomainEvent[]): void {
    for (const event of events) this.emitter.emit(event.name, event);
  }
}
