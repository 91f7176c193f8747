import { ApiProperty } from '@nestjs/swagger';
import { DateOverrides, WeeklyAvailability } from '../availability/weekly-availability';
import { CATEGORY_SLUG, DATE_OVERRIDES_SCHEMA, OWN_RULE_SCHEMAS, WINDOWS_SCHEMA } from './create-service.dto';
import { ServiceEntity, ServiceStatus } from '../service.entity';

export class ServiceResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) providerId: string;
  @ApiProperty({ maxLength: 120 }) title: string;
  @ApiProperty({ maxLength: 5000 }) description: string;
  @ApiProperty({ pattern: CATEGORY_SLUG.source, maxLength: 64 }) category: string;
  @ApiProperty({ example: 89.5 }) price: number;
  @ApiProperty({ example: 'USD', pattern: '^[A-Z]{3}$', maxLength: 3 }) currency: string;
  @ApiProperty() durationMinutes: number;
  @ApiProperty({
    type: 'object',
    maxProperties: 7,
    additionalProperties: WINDOWS_SCHEMA,
  })
  availability: WeeklyAvailability;
  @ApiProperty({ ...DATE_OVERRIDES_SCHEMA, description: 'Local dates with windows of their own ([]: closed); {} when none' })
  dateOverrides: DateOverrides;
  @ApiProperty({ ...OWN_RULE_SCHEMAS.minimumNoticeMinutes, description: "The service's own minimum notice; null: the platform's" })
  minimumNoticeMinutes: number | null;
  @ApiProperty({ ...OWN_RULE_SCHEMAS.bookingHorizonDays, description: "The service's own booking horizon; null: the platform's" })
  bookingHorizonDays: number | null;
  @ApiProperty({ ...OWN_RULE_SCHEMAS.slotIntervalMinutes, description: "The service's own slot interval; null: the platform's" })
  slotIntervalMinutes: number | null;
  @ApiProperty({ type: 'array', maxItems: 10, items: { type: 'string', format: 'uri', maxLength: 2048 } }) images: string[];
  @ApiProperty({ example: 'UTC', maxLength: 64 }) timezone: string;
  @ApiProperty({ example: 0, minimum: 0, maximum: 1440, description: 'Minutes kept free before each booking' }) bufferBeforeMinutes: number;
  @ApiProperty({ example: 0, minimum: 0, maximum: 1440, description: 'Minutes kept free after each booking' }) bufferAfterMinutes: number;
  @ApiProperty({ enum: ServiceStatus }) status: ServiceStatus;
  @ApiProperty() isActive: boolean;
  @ApiProperty({ example: true, description: 'false: bookings are requests the provider accepts or declines' }) instantBooking: boolean;
  @ApiProperty() createdAt: Date;
  @ApiProperty() updatedAt: Date;
}

export function toServiceResponse(service: ServiceEntity): ServiceResponse {
  return {
    id: service.id,
    providerId: service.providerId,
    title: service.title,
    description: service.description,
    category: service.category,
    price: Number(service.price),
    currency: service.currency,
    durationMinutes: service.durationMinutes,
    availability: service.availability,
    dateOverrides: service.dateOverrides ?? {},
    minimumNoticeMinutes: service.minimumNoticeMinutes ?? null,
    bookingHorizonDays: service.bookingHorizonDays ?? null,
    slotIntervalMinutes: service.slotIntervalMinutes ?? null,
    images: service.images,
    timezone: service.timezone,
    bufferBeforeMinutes: service.bufferBeforeMinutes,
    bufferAfterMinutes: service.bufferAfterMinutes,
    status: service.status,
    isActive: service.status === ServiceStatus.ACTIVE,
    instantBooking: service.instantBooking,
    createdAt: service.createdAt,
    updatedAt: service.updatedAt,
  };
}

/** The categories list is not paged; this bounds it (far more categories than a catalog has), in alphabetical order. */
export const MAX_CATEGORIES = 10_000;

export class CategoryResponse {
  @ApiProperty({ example: 'home_services', pattern: CATEGORY_SLUG.source, maxLength: 64 }) category: string;
  @ApiProperty({ example: 12 }) count: number;
}

export class SlotResponse {
  @ApiProperty({ example: '2030-01-07T08:00:00.000Z', format: 'date-time' }) start: string;
  @ApiProperty({ example: '2030-01-07T09:00:00.000Z', format: 'date-time' }) end: string;
  @ApiProperty({ example: '2030-01-07T09:00:00.000+01:00', format: 'date-time', description: 'Start in the service time zone' }) localStart: string;
  @ApiProperty({ example: '2030-01-07T10:00:00.000+01:00', format: 'date-time', description: 'End in the service time zone' }) localEnd: string;
  @ApiProperty({ example: 'Europe/Berlin', maxLength: 64 }) timezone: string;
}
