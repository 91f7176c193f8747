import { DateTime } from 'luxon';
import { WeeklyAvailability } from '../../services/availability/weekly-availability';

const weekdays = (windows: string[]): WeeklyAvailability => ({
  monday: windows,
  tuesday: windows,
  wednesday: windows,
  thursday: windows,
  friday: windows,
});

export interface SampleService {
  /** Fixed, so that the API docs' examples name a service that exists wherever the samples were seeded. */
  id: string;
  /** Index into the seeded providers. */
  provider: 0 | 1;
  title: string;
  description: string;
  category: string;
  price: number;
  currency: string;
  durationMinutes: number;
  timezone: string;
  availability: WeeklyAvailability;
}

/** Ten sample listings across four categories, offered by the two sample providers. */
export const SAMPLE_SERVICES: SampleService[] = [
  {
    id: '5eed0000-0000-4000-8000-000000000001',
    provider: 0,
    title: 'Deep home cleaning',
    description: 'Two cleaners, every room, eco-friendly products.',
    category: 'home_services',
    price: 120,
    currency: 'USD',
    durationMinutes: 180,
    timezone: 'America/New_York',
    availability: weekdays(['08:00-12:00', '13:00-18:00']),
  },
  {
    id: '5eed0000-0000-4000-8000-000000000002',
    provider: 0,
    title: 'Leaky faucet repair',
    description: 'Diagnose and fix dripping taps and faucets, parts included.',
    category: 'repairs',
    price: 75.5,
    currency: 'USD',
    durationMinutes: 60,
    timezone: 'America/New_York',
    availability: weekdays(['09:00-17:00']),
  },
  {
    id: '5eed0000-0000-4000-8000-000000000003',
    provider: 0,
    title: 'Window cleaning',
    description: 'Inside and outside windows for homes up to three floors.',
    category: 'home_services',
    price: 60,
    currency: 'USD',
    durationMinutes: 90,
    timezone: 'America/New_York',
    availability: { saturday: ['09:00-15:00'], sunday: ['10:00-14:00'] },
  },
  {
    id: '5eed0000-0000-4000-8000-000000000004',
    provider: 0,
    title: 'Furniture assembly',
    description: 'Flat-pack furniture assembled and placed where you want it.',
    category: 'repairs',
    price: 45,
    currency: 'USD',
    durationMinutes: 120,
    timezone: 'America/New_York',
    availability: weekdays(['10:00-19:00']),
  },
  {
    id: '5eed0000-0000-4000-8000-000000000005',
    provider: 0,
    title: 'Garden tidy-up',
    description: 'Mowing, weeding and hedge trimming for small gardens.',
    category: 'outdoor',
    price: 55,
    currency: 'USD',
    durationMinutes: 120,
    timezone: 'America/New_York',
    availability: { saturday: ['08:00-16:00'] },
  },
  {
    id: '5eed0000-0000-4000-8000-000000000006',
    provider: 1,
    title: 'Algebra tutoring',
    description: 'One-to-one algebra lessons for high-school students.',
    category: 'tutoring',
    price: 40,
    currency: 'EUR',
    durationMinutes: 60,
    timezone: 'Europe/Berlin',
    availability: weekdays(['15:00-20:00']),
  },
  {
    id: '5eed0000-0000-4000-8000-000000000007',
    provider: 1,
    title: 'Piano lessons for beginners',
    description: 'Learn to read music and play your first pieces.',
    category: 'tutoring',
    price: 35,
    currency: 'EUR',
    durationMinutes: 45,
    timezone: 'Europe/Berlin',
    availability: { ...weekdays(['16:00-19:00']), saturday: ['10:00-13:00'] },
  },
  {
    id: '5eed0000-0000-4000-8000-000000000008',
    provider: 1,
    title: 'English conversation practice',
    description: 'Relaxed conversation practice to build fluency and confidence.',
    category: 'tutoring',
    price: 25,
    currency: 'EUR',
    durationMinutes: 30,
    timezone: 'Europe/Berlin',
    availability: weekdays(['08:00-10:00', '18:00-21:00']),
  },
  {
    id: '5eed0000-0000-4000-8000-000000000009',
    provider: 1,
    title: 'Balcony plant care',
    description: 'Repotting, pruning and a care plan for balcony plants.',
    category: 'outdoor',
    price: 30,
    currency: 'EUR',
    durationMinutes: 60,
    timezone: 'Europe/Berlin',
    availability: { saturday: ['09:00-12:00'] },
  },
  {
    id: '5eed0000-0000-4000-8000-000000000010',
    provider: 1,
    title: 'Laptop tune-up',
    description: 'Clean-up, updates and a speed check for slow laptops.',
    category: 'repairs',
    price: 50,
    currency: 'EUR',
    durationMinutes: 90,
    timezone: 'Europe/Berlin',
    availability: weekdays(['10:00-16:00']),
  },
];

/** The sample service the API docs' examples book: Leaky faucet repair, weekdays 09:00-17:00 in New York. */
export const EXAMPLE_SERVICE = SAMPLE_SERVICES[1];
/**
 * A start inside its availability and within the booking horizon: 09:00 in New York on the Monday two to three
 * weeks from when the document is built (a fixed date would fall out of the horizon, or into the past).
 */
export const EXAMPLE_BOOKING_START = DateTime.now()
  .setZone(EXAMPLE_SERVICE.timezone)
  .startOf('week')
  .plus({ weeks: 3 })
  .set({ hour: 9 })
  .toUTC()
  .toISO({ suppressMilliseconds: true }) as string;
