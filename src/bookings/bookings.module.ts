import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PaymentsModule } from '../payments/payments.module';
import { ServicesModule } from '../services/services.module';
import { BookingEntity } from './booking.entity';
import { BookingRecordsController } from './booking-records.controller';
import { BookingRecordsService } from './booking-records.service';
import { BookingCalendar } from './calendar/booking-calendar';
import { BookingHistoryRepository } from './history/booking-history.repository';
import { BookingAccess } from './booking-access';
import { BookingCancellationService } from './booking-cancellation.service';
import { BookingCheckoutService } from './booking-checkout.service';
import { BookingRequestService } from './booking-request.service';
import { BookingRequests } from './booking-requests';
import { BookingRefundService } from './booking-refund.service';
import { BookingsController } from './bookings.controller';
import { BookingsRepository } from './bookings.repository';
import { BookingsService } from './bookings.service';
import { PaymentReconciler } from './payment-reconciler.service';
import { BookingTimers } from './booking-timers.service';
import { PartyDeparturesListener } from './listeners/party-departures.listener';
import { PaymentRefundsController } from './payment-refunds.controller';
import { BookingPolicyClock } from './policy-clock';
import { SlotHoldsController } from './holds/slot-holds.controller';
import { SlotHoldsRepository } from './holds/slot-holds.repository';
import { SlotHoldsService } from './holds/slot-holds.service';

@Module({
  imports: [TypeOrmModule.forFeature([BookingEntity]), ServicesModule, PaymentsModule],
  controllers: [SlotHoldsController, BookingsController, BookingRecordsController, PaymentRefundsController],
  providers: [
    BookingPolicyClock,
    BookingsRepository,
    BookingHistoryRepository,
    BookingCalendar,
    BookingRecordsService,
    BookingAccess,
    BookingCheckoutService,
    BookingRequestService,
    { provide: BookingRequests, useExisting: BookingRequestService },
    BookingCancellationService,
    BookingRefundService,
    BookingsService,
    PaymentReconciler,
    BookingTimers,
    PartyDeparturesListener,
    SlotHoldsRepository,
    SlotHoldsService,
  ],
  exports: [BookingsRepository],
})
export class BookingsModule {}
