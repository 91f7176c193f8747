import { Injectable } from '@nestjs/common';
import { AuthUser } from '../common/auth/auth-user';
import { UnitOfWork } from '../common/database/unit-of-work';
import { ForbiddenError, ValidationFailedError } from '../common/errors/domain.error';
import { Page } from '../common/pagination/pagination';
import { BookableTime } from '../services/availability/bookable-time';
import { ServicesRepository } from '../services/services.repository';
import { BookingEntity, BookingStatus } from './booking.entity';
import { BookingAccess } from './booking-access';
import { BookingCancellationService } from './booking-cancellation.service';
import { isExclusionViolation, SlotTakenError } from './booking-checkout.service';
import { allowedActions, assertAllowed } from './booking-policy';
import { BookingChangedError } from './booking.errors';
import { BookingPolicyClock } from './policy-clock';
import { InvalidTransitionError } from './booking-state-machine';
import { BOOKINGS_KEYSET, BookingsRepository } from './bookings.repository';
import { BookingResponse, toBookingResponse } from './dto/booking.response';
import { ListBookingsQuery } from './dto/list-bookings.query';
import { UpdateBookingDto } from './dto/update-booking.dto';
import { BookingCompletedEvent, BookingRescheduledEvent } from './events/booking.events';
import { BookingChange, changeBy } from './history/booking-change';
import { ClientContext } from '../common/decorators/client-context.decorator';
import { BookingRequestService } from './booking-request.service';

/** Reading bookings and the changes of PUT /bookings/{id}: complete, reschedule, notes. */
@Injectable()
export class BookingsService {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly bookings: BookingsRepository,
    private readonly access: BookingAccess,
    private readonly cancellation: BookingCancellationService,
    private readonly services: ServicesRepository,
    private readonly bookableTime: BookableTime,
    private readonly clock: BookingPolicyClock,
    private readonly requests: BookingRequestService,
  ) {}

  async list(caller: AuthUser, query: ListBookingsQuery): Promise<Page<BookingResponse>> {
    const filter = {
      status: query.status,
      from: query.from ? new Date(query.from) : undefined,
      to: query.to ? new Date(query.to) : undefined,
      serviceId: query.serviceId,
    };
    const page = await this.bookings.listFor(caller, filter, query.limit, query.offset, BOOKINGS_KEYSET.position(query));
    return { ...page, items: page.items.map((booking) => toBookingResponse(booking)), limit: query.limit, offset: query.offset };
  }

  async get(caller: AuthUser, id: string): Promise<BookingResponse> {
    const { booking, party } = await this.access.findForParty(caller, id);
    return toBookingResponse(booking, allowedActions(party, booking, this.clock.now()));
  }

  async update(caller: AuthUser, id: string, dto: UpdateBookingDto, client: ClientContext | null = null): Promise<BookingResponse> {
    const { booking, party } = await this.access.findForParty(caller, id);
    const change = changeBy(caller, client);
    const changes = [dto.status, dto.scheduledAt, dto.notes].filter((value) => value !== undefined).length;
    if (changes !== 1) {
      throw new ValidationFailedError([{ field: 'body', message: 'send exactly one of status, scheduledAt or notes' }]);
    }
    if (dto.status !== undefined) {
      if (dto.status === BookingStatus.CANCELLED) return this.cancellation.cancel(caller, id, client);
      // A request is confirmed by its provider's accept (the held funds captured).
      if (dto.status === BookingStatus.CONFIRMED && booking.requestExpiresAt) return this.requests.accept(caller, id, client);
      // Otherwise only its payment confirms a booking (checkout or reconciler): through PUT it can only be completed.
      if (dto.status !== BookingStatus.COMPLETED) throw new InvalidTransitionError(booking.status, dto.status);
      assertAllowed(party, 'complete', booking, this.clock.now());
      return this.complete(booking, change);
    }
    if (dto.scheduledAt !== undefined) {
      assertAllowed(party, 'reschedule', booking, this.clock.now());
      return this.reschedule(booking, new Date(dto.scheduledAt), change);
    }
    assertAllowed(party, 'edit_notes', booking, this.clock.now());
    const updated = await this.unitOfWork.run(async (manager) => {
      // A new row version of an open booking is checked against the exclusion constraint too.
      await this.bookings.lockSchedule(manager, booking.providerId);
      if (!(await this.bookings.updateNotes(manager, id, dto.notes as string, change))) {
        const now = await this.bookings.findById(id, manager);
        throw new InvalidTransitionError(now?.status ?? booking.status, now?.status ?? booking.status);
      }
      return this.bookings.findById(id, manager);
    });
    return toBookingResponse(updated as BookingEntity);
  }

  private async complete(booking: BookingEntity, change: BookingChange): Promise<BookingResponse> {
    const to = BookingStatus.COMPLETED;
    const updated = await this.unitOfWork.run(async (manager, record) => {
      const moved = await this.bookings.transition(manager, booking.id, [booking.status], to, change);
      if (!moved) {
        const now = await this.bookings.findById(booking.id, manager);
        throw new InvalidTransitionError(now?.status ?? booking.status, to);
      }
      record(new BookingCompletedEvent(moved.facts));
      return moved.booking;
    });
    return toBookingResponse(updated);
  }

  private async reschedule(booking: BookingEntity, start: Date, change: BookingChange): Promise<BookingResponse> {
    const service = await this.services.findByIdWithDeleted(booking.serviceId);
    if (!service || service.deletedAt) throw new ForbiddenError('This service has been removed: the booking cannot be moved.', 'SERVICE_REMOVED');
    const end = this.bookableTime.assertBookable({ ...service, durationMinutes: booking.durationMinutes }, start);
    const updated = await this.unitOfWork
      .run(async (manager, record) => {
        await this.bookings.lockSchedule(manager, booking.providerId);
        // Compare-and-swap on the start this request read: a parallel move got there first -> 409, and the
        // event's previous time is the one the row really had.
        if (!(await this.bookings.reschedule(manager, booking.id, booking.scheduledAt, start, end, change))) {
          const now = await this.bookings.findById(booking.id, manager);
          if (now?.status !== BookingStatus.CONFIRMED) throw new InvalidTransitionError(now?.status ?? booking.status, BookingStatus.CONFIRMED);
          throw new BookingChangedError();
        }
        record(new BookingRescheduledEvent(await this.bookings.findFacts(manager, booking.id), booking.scheduledAt));
        return this.bookings.findById(booking.id, manager);
      })
      .catch((error: unknown) => {
        throw isExclusionViolation(error) ? new SlotTakenError() : error;
      });
    return toBookingResponse(updated as BookingEntity);
  }
}
