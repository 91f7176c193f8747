import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { numericTransformer } from '../common/database/numeric.transformer';

export enum BookingStatus {
  PENDING = 'PENDING',
  CONFIRMED = 'CONFIRMED',
  COMPLETED = 'COMPLETED',
  CANCELLED = 'CANCELLED',
}

@Entity({ name: 'bookings' })
export class BookingEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'customer_id', type: 'uuid' })
  customerId: string;

  @Column({ name: 'service_id', type: 'uuid' })
  serviceId: string;

  @Column({ name: 'provider_id', type: 'uuid' })
  providerId: string;

  @Column({ type: 'varchar', length: 16 })
  status: BookingStatus;

  @Column({ name: 'scheduled_at', type: 'timestamptz' })
  scheduledAt: Date;

  /** The earliest start this booking has had, once moved (null: never moved); the refund policy is judged against it. */
  @Column({ name: 'earliest_scheduled_at', type: 'timestamptz', nullable: true })
  earliestScheduledAt: Date | null;

  @Column({ name: 'ends_at', type: 'timestamptz' })
  endsAt: Date;

  @Column({ name: 'duration_minutes', type: 'int' })
  durationMinutes: number;

  @Column({ name: 'total_amount', type: 'numeric', precision: 10, scale: 2, transformer: numericTransformer })
  totalAmount: number;

  @Column({ type: 'char', length: 3 })
  currency: string;

  @Column({ type: 'text', nullable: true })
  notes: string | null;

  /** The iCalendar SEQUENCE of the booking's event: raised by each reschedule and by the cancellation. */
  @Column({ name: 'calendar_sequence', type: 'int' })
  calendarSequence: number;

  /** A request's answer is due by then (BOOKING_REQUEST_EXPIRY_HOURS, or its start if sooner); null for an instant booking. */
  @Column({ name: 'request_expires_at', type: 'timestamptz', nullable: true })
  requestExpiresAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
