import type { WeeklyAvailability } from '../../src/services/availability/weekly-availability';

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
  images: string[];
  timezone: string;
  // The status as text: the enum lives in the entity's module, which would load TypeORM.
  status: string;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
  provider_active?: boolean;
}

/** What the events of a booking say about it, as one row. */
export interface FactsRow {
  id: string;
  service_id: string;
  title: string;
  timezone: string;
  customer_id: string;
  provider_id: string;
  scheduled_at: Date;
  duration_minutes: number;
  total_amount: string;
  currency: string;
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
