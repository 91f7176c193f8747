import type { DateOverrides, WeeklyAvailability } from '../../src/services/availability/weekly-availability';

/**
 * The rows the floor reads, as `pg` returns them: declared here rather than imported from the app's
 * repositories, so that production code carries nothing for the bench.
 */
export interface ServiceRow {
  id: string;
  provider_id: string;
  title: string;
  description: string;
  category: string;
  price: string;
  currency: string;
  duration_minutes: number;
  availability: WeeklyAvailability;
  date_overrides: DateOverrides;
  minimum_notice_minutes: number | null;
  booking_horizon_days: number | null;
  slot_interval_minutes: number | null;
  images: string[];
  timezone: string;
  buffer_before_minutes: number;
  buffer_after_minutes: number;
  // The status as text: the enum lives in the entity's module, which would load TypeORM.
  status: string;
  instant_booking: boolean;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
  provider_active?: boolean;
}

/** A booking as the confirming compare-and-swap answers it: its row, the status it moved from, and its facts. */
export interface MovedRow {
  id: string;
  customer_id: string;
  service_id: string;
  provider_id: string;
  status: string;
  scheduled_at: Date;
  duration_minutes: number;
  total_amount: string;
  currency: string;
  notes: string | null;
  calendar_sequence: number;
  created_at: Date;
  updated_at: Date;
  from_status: string;
  title: string;
  timezone: string;
  customer_name: string;
  customer_phone: string | null;
  customer_address: string | null;
}

export interface NotificationRow {
  id: string;
  user_id: string;
  seq: string;
  type: string;
  title: string;
  message: string;
  data: Record<string, unknown>;
  read_at: Date | null;
  created_at: Date;
}

export interface Account {
  id: string;
  email: string;
  role: string;
}
