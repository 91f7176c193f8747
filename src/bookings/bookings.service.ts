import { Injectable } from '@nestjs/common';
import { AuthUser } from '../common/auth/auth-user';
import { Role } from '../common/auth/role.enum';
import { UnitOfWork } from '../common/database/unit-of-work';
import { ForbiddenError, ValidationFailedError } from '../common/errors/domain.error';
import { Page } from '../common/pagination/pagination';
import { ServicesRepository } from '../services/services.repository';
import { SlotsService } from '../services/slots.service';
import { BookingEntity, BookingStatus } from './booking.entity';
import { BookingAccess } from './booking-access';
import { BookingCancellationService } from './booking-cancellation.service';
import { isExclusionViolation, SlotTakenError } from './booking-checkout.service';
import { loadBookingFacts } from './booking-facts';
import { allowedActionsFor, assertBookableTime } from './booking-schedule';
import { assertTransition, InvalidTransitionError } from './booking-state-machine';
import { BookingsRepository } from './bookings.repository';
import { BookingResponse, toBookingResponse } from './dto/booking.response';
import { ListBookingsQuery } from './dto/list-bookings.query';
import { UpdateBookingDto } from './dto/update-booking.dto';
import { BookingCompletedEvent, BookingRescheduledEvent } from './events/booking.events';

/** Reading bookings and the changes of PUT /bookings/{id}: complete, reschedule, notes. */
@Injectable()
export class BookingsService {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly bookings: BookingsRepository,
    private readonly access: BookingAccess,
    private readonly cancellation: BookingCancellationService,
    private readonly services: ServicesRepository,
    private readonly slots: SlotsService,
  ) {}

  async list(caller: AuthUser, query: ListBookingsQuery): Promise<Page<BookingResponse>> {
    const filter = {
      status: query.status,
      from: query.from ? new Date(query.from) : undefined,
      to: query.to ? new Date(query.to) : undefined,
      serviceId: query.serviceId,
    };
    const { items, total } = await this.bookings.listFor(caller, filter, query.limit, query.offset);
    return { items: items.map((booking) => toBookingResponse(booking)), total, limit: query.limit, offset: query.offset };
  }

  async get(caller: AuthUser, id: string): Promise<BookingResponse> {
    const booking = await this.access.findForParty(caller, id);
    return toBookingResponse(booking, allowedActionsFor(caller.role, booking.status, booking.customerId === caller.id, booking.providerId === caller.id));
  }

  async update(caller: AuthUser, id: string, dto: UpdateBookingDto): Promise<BookingResponse> {
    const booking = await this.access.findForParty(caller, id);
    const changes = [dto.status, dto.scheduledAt, dto.notes].filter((value) => value !== undefined).length;
    if (changes !== 1) {
      throw new ValidationFailedError([{ field: 'body', message: 'send exactly one of status, scheduledAt or notes' }]);
    }
    const isAdmin = caller.role === Role.ADMIN;
    const isCustomer = booking.customerId === caller.id;
    const isProvider = booking.providerId === caller.id;

    if (dto.status !== undefined) {
      if (dto.status === BookingStatus.CANCELLED) return this.cancellation.cancel(caller, id);
      // Only its payment confirms a booking (checkout or reconciler): through PUT it can only be completed.
      if (dto.status !== BookingStatus.COMPLETED) throw new InvalidTransitionError(booking.status, dto.status);
      if (!(isAdmin || isProvider)) throw new ForbiddenError('Only the provider or an admin can mark a booking completed.');
      return this.complete(booking);
    }
    if (!(isAdmin || isCustomer)) {
      throw new ForbiddenError(dto.scheduledAt !== undefined ? 'Only the customer or an admin can reschedule.' : 'Only the customer or an admin can edit the notes.');
    }
    if (dto.scheduledAt !== undefined) return this.reschedule(booking, new Date(dto.scheduledAt));
    const updated = await this.unitOfWork.run(async (manager) => {
      // A new row version of an open booking is checked against the exclusion constraint too.
      await this.bookings.lockSchedule(manager, booking.providerId);
      if (!(await this.bookings.updateNotes(manager, id, dto.notes as string))) {
        const now = await this.bookings.findById(id, manager);
        throw new InvalidTransitionError(now?.status ?? booking.status, now?.status ?? booking.status);
      }
      return this.bookings.findById(id, manager);
    });
    return toBookingResponse(updated as BookingEntity);
  }

  private async complete(booking: BookingEntity): Promise<BookingResponse> {
    const to = BookingStatus.COMPLETED;
    assertTransition(booking.status, to);
    const updated = await this.unitOfWork.run(async (manager, record) => {
      if (!(await this.bookings.transition(manager, booking.id, [booking.status], to))) {
        const now = await this.bookings.findById(booking.id, manager);
        throw new InvalidTransitionError(now?.status ?? booking.status, to);
      }
      record(new BookingCompletedEvent(await loadBookingFacts(manager, booking.id)));
      return this.bookings.findById(booking.id, manager);
    });
    return toBookingResponse(updated as BookingEntity);
  }

  private async reschedule(booking: BookingEntity, start: Date): Promise<BookingResponse> {
    if (booking.status !== BookingStatus.CONFIRMED) {
      throw new InvalidTransitionError(booking.status, BookingStatus.CONFIRMED);
    }
    const service = await this.services.findByIdWithDeleted(booking.serviceId);
    if (!service || service.deletedAt) throw new ForbiddenError('This service has been removed: the booking cannot be moved.', 'SERVICE_REMOVED');
    const end = assertBookableTime({ ...service, durationMinutes: booking.durationMinutes }, start, this.slots.earliestStart());
    const updated = await this.unitOfWork
      .run(async (manager, record) => {
        await this.bookings.lockSchedule(manager, booking.providerId);
        if (!(await this.bookings.reschedule(manager, booking.id, start, end))) {
          const now = await this.bookings.findById(booking.id, manager);
          throw new InvalidTransitionError(now?.status ?? booking.status, BookingStatus.CONFIRMED);
        }
        record(new BookingRescheduledEvent(await loadBookingFacts(manager, booking.id), booking.scheduledAt));
        return this.bookings.findById(booking.id, manager);
      })
      .catch((error: unknown) => {
        throw isExclusionViolation(error) ? new SlotTakenError() : error;
      });
    return toBookingResponse(updated as BookingEntity);
  }
}
