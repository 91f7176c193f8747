import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { AccountStatusChangedEvent } from '../users/events/account-status-changed.event';
import { UserDeletedEvent } from '../users/events/user-deleted.event';

/** A public listing's total is reused this long (X-Total-Count may lag a write on another instance by as much). */
const TTL_MS = 5_000;
const MAX_ENTRIES = 1_000;

/**
 * The totals of public listings, kept a few seconds per filter: counting a large category reads thousands of
 * index entries, the page twenty rows. Nobody has to remember to invalidate it: the catalog's writes
 * (`ServicesRepository`'s write methods) forget it themselves, and so does a provider's deletion, whose
 * services leave the public catalog.
 */
@Injectable()
export class CatalogTotalsCache {
  private readonly totals = new Map<string, { total: Promise<number>; expiresAt: number }>();

  /**
   * The total kept under `key`, or `count()`'s. Kept from the moment the count starts: requests arriving while
   * it runs wait for it rather than each counting again (under load, dozens would, every time a popular
   * filter's total expires). A failed count is not kept.
   */
  get(key: string, count: () => Promise<number>): Promise<number> {
    const now = Date.now();
    const kept = this.totals.get(key);
    if (kept && kept.expiresAt > now) return kept.total;
    const total = count();
    if (this.totals.size >= MAX_ENTRIES) this.totals.delete(this.totals.keys().next().value as string);
    const entry = { total, expiresAt: now + TTL_MS };
    this.totals.set(key, entry);
    total.catch(() => this.totals.get(key) === entry && this.totals.delete(key));
    return total;
  }

  /** After a change to the catalog or to a provider's account (deleted, suspended, reactivated): totals are counted afresh. */
  @OnEvent(UserDeletedEvent.eventName)
  @OnEvent(AccountStatusChangedEvent.eventName)
  forget(): void {
    this.totals.clear();
  }
}
