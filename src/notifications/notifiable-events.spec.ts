import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import { Test } from '@nestjs/testing';
import { EntityManager } from 'typeorm';
import {
  BookingCancelledEvent,
  BookingCompletedEvent,
  BookingCreatedEvent,
  BookingDeclinedEvent,
  BookingExpiredEvent,
  BookingFacts,
  BookingReminderEvent,
  BookingRequestedEvent,
  BookingRescheduledEvent,
} from '../bookings/events/booking.events';
import { IN_TRANSACTION_BATCH } from '../common/database/unit-of-work';
import { inTransaction } from '../common/events/domain-event';
import { PaymentFacts, PaymentFailedEvent, PaymentRefundedEvent, PaymentSucceededEvent } from '../payments/events/payment.events';
import { PasswordChangedEvent } from '../users/events/password-changed.event';
import { NotifiableEventsListener } from './listeners/notifiable-events.listener';
import { draftNotifications, NOTIFIABLE_EVENT_NAMES, NOTIFIABLE_EVENTS, NotifiableEvent, NotifiableEventName } from './notifiable-events';
import { NotificationDelivery } from './notification-delivery.service';
import { NotificationRecorder, RecordedNotifications } from './notification-recorder.service';
import { NotificationType } from './notification-type';
import { CUSTOMER, PROVIDER, SAMPLE_BOOKING } from './templates/sample-facts.fixture';

const booking: BookingFacts = SAMPLE_BOOKING;
const payment: PaymentFacts = { ...booking, paymentId: 'p0000000-0000-4000-8000-000000000001' };

/** One of each notifiable event. A new entry in NOTIFIABLE_EVENTS without a sample here does not compile. */
const SAMPLES: { [N in NotifiableEventName]: Extract<NotifiableEvent, { name: N }> } = {
  'booking.created': new BookingCreatedEvent(booking, payment.paymentId),
  'booking.rescheduled': new BookingRescheduledEvent(booking, new Date('2030-01-06T08:00:00Z')),
  'booking.completed': new BookingCompletedEvent(booking),
  'booking.cancelled': new BookingCancelledEvent(booking, 'CUSTOMER', 0),
  'booking.reminder': new BookingReminderEvent(booking),
  'payment.succeeded': new PaymentSucceededEvent(payment, 'txn_1'),
  'payment.failed': new PaymentFailedEvent(payment, 'Card declined'),
  'payment.refunded': new PaymentRefundedEvent(payment, 'r1', 40, 40, 'Partial'),
  'user.password_changed': new PasswordChangedEvent(CUSTOMER.id, CUSTOMER.email, 'profile'),
  'booking.requested': new BookingRequestedEvent(booking, payment.paymentId, new Date('2030-01-06T08:00:00Z')),
  'booking.declined': new BookingDeclinedEvent(booking, 'PROVIDER'),
  'booking.expired': new BookingExpiredEvent(booking),
};

describe('the notifiable events table', () => {
  it('lists each event once, and gives every notification type an event', () => {
    expect(new Set(NOTIFIABLE_EVENT_NAMES).size).toBe(NOTIFIABLE_EVENTS.length);
    expect(NOTIFIABLE_EVENTS.map(({ type }) => type).sort()).toEqual(Object.values(NotificationType).sort());
  });

  it.each(NOTIFIABLE_EVENT_NAMES)('%s has a template that tells someone, with its type', (name) => {
    const event = SAMPLES[name];
    expect(event?.name).toBe(name);
    const drafts = draftNotifications(event, new Map([CUSTOMER, PROVIDER].map((user) => [user.id, user])));
    expect(drafts.length).toBeGreaterThan(0);
    const { type } = NOTIFIABLE_EVENTS.find((entry) => entry.event.eventName === name)!;
    for (const draft of drafts) {
      expect(draft.type).toBe(type);
      expect(draft.title).not.toBe('');
      expect(draft.message).not.toBe('');
    }
  });
});

describe('NotifiableEventsListener', () => {
  const recorded: RecordedNotifications = { notifications: [], emailIds: ['e1'] };
  const recorder = { record: jest.fn().mockResolvedValue(recorded) };
  const delivery = { deliver: jest.fn().mockResolvedValue(undefined) };
  let emitter: EventEmitter2;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [EventEmitterModule.forRoot()],
      providers: [NotifiableEventsListener, { provide: NotificationRecorder, useValue: recorder }, { provide: NotificationDelivery, useValue: delivery }],
    }).compile();
    await moduleRef.init();
    emitter = moduleRef.get(EventEmitter2);
  });

  it.each(NOTIFIABLE_EVENT_NAMES)('records %s in its transaction and returns the delivery of exactly those rows', async (name) => {
    recorder.record.mockClear();
    delivery.deliver.mockClear();
    expect(emitter.listeners(IN_TRANSACTION_BATCH)).toHaveLength(1);
    const manager = {} as EntityManager;
    const handed: unknown[] = await emitter.emitAsync(IN_TRANSACTION_BATCH, { events: [SAMPLES[name]], manager });
    expect(recorder.record).toHaveBeenCalledWith([SAMPLES[name]], manager);
    expect(handed).toEqual([expect.any(Function)]);
    expect(delivery.deliver).not.toHaveBeenCalled();
    await (handed[0] as () => Promise<void>)();
    expect(delivery.deliver).toHaveBeenCalledWith(name, recorded);
  });

  it("records a transaction's events together, and only the notifiable ones", async () => {
    recorder.record.mockClear();
    const manager = {} as EntityManager;
    const other = { name: 'user.deleted' };
    await emitter.emitAsync(IN_TRANSACTION_BATCH, { events: [SAMPLES['booking.created'], other, SAMPLES['payment.succeeded']], manager });
    expect(recorder.record).toHaveBeenCalledTimes(1);
    expect(recorder.record).toHaveBeenCalledWith([SAMPLES['booking.created'], SAMPLES['payment.succeeded']], manager);
  });

  it('hears nothing else', async () => {
    recorder.record.mockClear();
    const handed: unknown[] = await emitter.emitAsync(IN_TRANSACTION_BATCH, { events: [{ name: 'user.deleted' }], manager: {} });
    expect(recorder.record).not.toHaveBeenCalled();
    expect(handed).toEqual([undefined]);
    expect(emitter.listeners(inTransaction('user.deleted'))).toHaveLength(0);
  });
});
