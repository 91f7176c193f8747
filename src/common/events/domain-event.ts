/** Something that happened, named like `booking.created`. Subclasses declare `static readonly eventName`. */
export abstract class DomainEvent {
  abstract readonly name: string;
}

/** The name under which in-transaction handlers (outbox writers) hear an event, before commit. */
export const inTransaction = (eventName: string): string => `${eventName}.in-transaction`;
