import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AuthUser } from '../../common/auth/auth-user';
import { UnitOfWork } from '../../common/database/unit-of-work';
import { NotFoundError } from '../../common/errors/domain.error';
import { AppConfig } from '../../config/app.config';
import { JobEngine } from '../../jobs/job-engine';
import { JobQueue } from '../../jobs/job-queue';
import { BookableTime } from '../../services/availability/bookable-time';
import { ServicesService } from '../../services/services.service';
import { isExclusionViolation, SlotTakenError } from '../booking-checkout.service';
import { BookingsRepository } from '../bookings.repository';
import { TooManyHoldsError } from '../booking.errors';
import { CreateSlotHoldDto } from './dto/create-slot-hold.dto';
import { SlotHoldResponse, toSlotHoldResponse } from './dto/slot-hold.response';
import { SlotHoldsRepository } from './slot-holds.repository';

/** Clears one hold at its expiry. Readers ignore an expired hold anyway; this gives its time back to the constraint. */
export const HOLD_EXPIRY_QUEUE: JobQueue<{ holdId: string }> = { name: 'bookings.hold-expiry', retryLimit: 5, retryDelaySeconds: 1, expireInSeconds: 60 };

/** Run again shortly: a job started a moment before its hold's expiry (another instance's clock). */
class HoldNotYetExpired extends Error {}

/**
 * Slot holds: a customer keeps a slot for BOOKING_HOLD_TTL_SECONDS while paying, then books it with `holdId`
 * (BookingCheckoutService) or releases it. A hold claims time exactly as a booking does (`provider_time`,
 * with the service's buffers), so the exclusion constraint keeps holds and bookings apart alike.
 */
@Injectable()
export class SlotHoldsService {
  private readonly logger = new Logger(SlotHoldsService.name);
  private readonly ttlSeconds: number;
  private readonly maxActive: number;

  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly holds: SlotHoldsRepository,
    private readonly bookings: BookingsRepository,
    private readonly services: ServicesService,
    private readonly bookableTime: BookableTime,
    private readonly jobs: JobEngine,
    config: ConfigService<AppConfig, true>,
  ) {
    const { holdTtlSeconds, maxActiveHoldsPerCustomer } = config.get('bookings', { infer: true });
    this.ttlSeconds = holdTtlSeconds;
    this.maxActive = maxActiveHoldsPerCustomer;
    jobs.register(HOLD_EXPIRY_QUEUE, async ({ holdId }) => {
      const outcome = await this.holds.deleteIfExpired(holdId);
      if (outcome === 'standing') throw new HoldNotYetExpired(`hold ${holdId} has not expired yet`);
      if (outcome === 'cleared') this.logger.debug({ holdId }, 'Expired slot hold cleared');
    });
  }

  async hold(customer: AuthUser, dto: CreateSlotHoldDto): Promise<SlotHoldResponse> {
    const service = await this.services.findBookable(dto.serviceId);
    if (!service) throw new NotFoundError('Service');
    const start = new Date(dto.scheduledAt);
    const end = this.bookableTime.assertBookable(service, start);
    const hold = await this.unitOfWork
      .run(async (manager) => {
        // The customer's lock first, then the provider's: the only path taking both, always in this order.
        await this.holds.lockCustomer(manager, customer.id);
        if ((await this.holds.countStanding(manager, customer.id)) >= this.maxActive) throw new TooManyHoldsError(this.maxActive);
        await this.bookings.lockSchedule(manager, service.providerId);
        const hold = await this.holds.insert(
          manager,
          { customerId: customer.id, serviceId: service.id, providerId: service.providerId, scheduledAt: start, endsAt: end },
          this.ttlSeconds,
        );
        await this.jobs.enqueue(manager, HOLD_EXPIRY_QUEUE, { holdId: hold.id }, { startAfter: hold.expiresAt });
        return hold;
      })
      .catch((error: unknown) => {
        throw isExclusionViolation(error) ? new SlotTakenError() : error;
      });
    return toSlotHoldResponse(hold);
  }

  /** Gives the time back at once; another customer's hold answers 404 as if absent. */
  async release(customer: AuthUser, id: string): Promise<void> {
    if (!(await this.holds.deleteOwn(customer.id, id))) throw new NotFoundError('Hold');
  }
}
