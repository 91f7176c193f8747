import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { UserDeletedEvent } from '../../users/events/user-deleted.event';
import { ServicesRepository } from '../services.repository';

/** A deleted provider's services leave the public catalog: the totals kept for listings are counted afresh. */
@Injectable()
export class CatalogTotalsListener {
  constructor(private readonly services: ServicesRepository) {}

  @OnEvent(UserDeletedEvent.eventName)
  onUserDeleted(): void {
    this.services.forgetTotals();
  }
}
