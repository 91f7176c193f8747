import { Column, CreateDateColumn, DeleteDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { numericTransformer } from '../common/database/numeric.transformer';
import { DateOverrides, WeeklyAvailability } from './availability/weekly-availability';

export enum ServiceStatus {
  ACTIVE = 'ACTIVE',
  INACTIVE = 'INACTIVE',
  SUSPENDED = 'SUSPENDED',
}

@Entity({ name: 'services' })
export class ServiceEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'provider_id', type: 'uuid' })
  providerId: string;

  @Column({ type: 'varchar', length: 120 })
  title: string;

  @Column({ type: 'text' })
  description: string;

  @Column({ type: 'varchar', length: 64 })
  category: string;

  /** NUMERIC(8,2): exact, below 1,000,000. */
  @Column({ type: 'numeric', precision: 8, scale: 2, transformer: numericTransformer })
  price: number;

  @Column({ type: 'char', length: 3 })
  currency: string;

  @Column({ name: 'duration_minutes', type: 'int' })
  durationMinutes: number;

  @Column({ type: 'jsonb' })
  availability: WeeklyAvailability;

  /** Local dates with windows of their own (`[]`: closed), replacing the weekday's; kept as rows in `service_date_windows` by triggers. */
  @Column({ name: 'date_overrides', type: 'jsonb', default: () => "'{}'" })
  dateOverrides: DateOverrides;

  /** The service's own minimum notice, horizon and slot interval; null: the platform's (`bookableTime`). */
  @Column({ name: 'minimum_notice_minutes', type: 'int', nullable: true })
  minimumNoticeMinutes: number | null;

  @Column({ name: 'booking_horizon_days', type: 'int', nullable: true })
  bookingHorizonDays: number | null;

  @Column({ name: 'slot_interval_minutes', type: 'int', nullable: true })
  slotIntervalMinutes: number | null;

  /** Whether the row has rules or date overrides of its own (what `availableOn` reads first); computed by PostgreSQL. */
  @Column({
    name: 'own_time',
    type: 'boolean',
    nullable: true,
    generatedType: 'STORED',
    asExpression:
      "minimum_notice_minutes IS NOT NULL OR booking_horizon_days IS NOT NULL OR slot_interval_minutes IS NOT NULL OR date_overrides <> '{}'::jsonb",
    select: false,
    insert: false,
    update: false,
  })
  ownTime?: boolean;

  @Column({ type: 'jsonb' })
  images: string[];

  @Column({ type: 'varchar', length: 64 })
  timezone: string;

  @Column({ type: 'varchar', length: 16 })
  status: ServiceStatus;

  /** Minutes kept free before each booking of this service (copied into the booking's claim on `provider_time`). */
  @Column({ name: 'buffer_before_minutes', type: 'int', default: 0 })
  bufferBeforeMinutes: number;

  /** Minutes kept free after each booking of this service. */
  @Column({ name: 'buffer_after_minutes', type: 'int', default: 0 })
  bufferAfterMinutes: number;
  /** True: a booking is confirmed when paid. False: a booking is a request the provider accepts or declines (funds held meanwhile). */
  @Column({ name: 'instant_booking', type: 'boolean', default: true })
  instantBooking: boolean;

  /**
   * Full-text search vector, computed by PostgreSQL (weights: title A, description B). Declared so the
   * schema diff (`npm run migration:generate`) knows it; never selected, inserted or updated by TypeORM.
   */
  @Column({
    type: 'tsvector',
    nullable: true,
    generatedType: 'STORED',
    asExpression: `setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', description), 'B')`,
    select: false,
    insert: false,
    update: false,
  })
  search?: unknown;

  /** Whether the provider's account is deleted (kept by triggers, 1764740000000-catalog-at-scale): such services are not listed. */
  @Column({ name: 'provider_deleted', type: 'boolean', default: false, select: false, insert: false, update: false })
  providerDeleted?: boolean;

  /** The weekly windows as minutes of the week, computed by PostgreSQL (what `availableOn` reads). Never selected or written. */
  @Column({
    name: 'week_windows',
    type: 'int4range',
    array: true,
    nullable: true,
    generatedType: 'STORED',
    asExpression: 'service_week_windows(availability)',
    select: false,
    insert: false,
    update: false,
  })
  weekWindows?: unknown;

  /** A bit per weekday (Monday = 1) whose windows hold one booking on a day without a clock change; computed by PostgreSQL. */
  @Column({
    name: 'open_days',
    type: 'smallint',
    nullable: true,
    generatedType: 'STORED',
    asExpression: 'service_open_days(availability, duration_minutes)',
    select: false,
    insert: false,
    update: false,
  })
  openDays?: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @DeleteDateColumn({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt: Date | null;
}
