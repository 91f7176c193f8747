import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsISO4217CurrencyCode,
  IsNumber,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { MaxDecimalPlaces } from '../../common/validation/decimal-places';
import { Trim } from '../../common/validation/transforms';
import { IsDateOverrides, IsIanaTimeZone, IsWeeklyAvailability } from '../availability/availability.validators';
import {
  DateOverrides,
  MAX_DATE_OVERRIDES,
  MAX_WINDOWS_PER_DAY,
  normalizeAvailability,
  normalizeDateOverrides,
  WeeklyAvailability,
} from '../availability/weekly-availability';

export const CATEGORY_SLUG = /^[a-z0-9]+(?:[_-][a-z0-9]+)*$/;
export const MAX_PRICE = 999_999.99;

/** Absent means "the default" (on update "unchanged"); unlike `@IsOptional()`, a null is validated, and refused, rather than stored. */
export const IsOmittable = () => ValidateIf((_: object, value: unknown) => value !== undefined);
/** Absent means "the default" (on update "unchanged"), and null is a value: "the platform's". */
const IsNullable = () => ValidateIf((_: object, value: unknown) => value !== undefined && value !== null);

/** Local "HH:MM-HH:MM" windows, as the weekly availability's and the date overrides' days take them. */
export const WINDOWS_SCHEMA = {
  type: 'array',
  maxItems: MAX_WINDOWS_PER_DAY,
  items: { type: 'string', pattern: '^\\d{2}:\\d{2}-\\d{2}:\\d{2}$', maxLength: 11 },
} as const;
export const DATE_OVERRIDES_SCHEMA = {
  type: 'object',
  maxProperties: MAX_DATE_OVERRIDES,
  additionalProperties: WINDOWS_SCHEMA,
  example: { '2026-12-24': [], '2026-12-31': ['09:00-12:00'] },
} as const;
export const MAX_NOTICE_MINUTES = 60 * 24 * 365;
export const MAX_HORIZON_DAYS = 3650;
/** The schemas of a service's own rules, for its request and its response alike. */
export const OWN_RULE_SCHEMAS = {
  minimumNoticeMinutes: { type: 'integer', format: 'int32', nullable: true, minimum: 0, maximum: MAX_NOTICE_MINUTES, example: 120 },
  bookingHorizonDays: { type: 'integer', format: 'int32', nullable: true, minimum: 1, maximum: MAX_HORIZON_DAYS, example: 60 },
  slotIntervalMinutes: { type: 'integer', format: 'int32', nullable: true, minimum: 5, maximum: 1440, example: 15 },
} as const;

const upperCase = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toUpperCase() : value);
/** Lower-cases weekday keys and sorts windows when the value is valid; invalid input is left for the validator to name. */
const normalizedAvailability = ({ value }: { value: unknown }) => {
  const { value: normalized, problems } = normalizeAvailability(value);
  return problems.length ? value : normalized;
};
const normalizedDateOverrides = ({ value }: { value: unknown }) => {
  const { value: normalized, problems } = normalizeDateOverrides(value);
  return problems.length ? value : normalized;
};

export class CreateServiceDto {
  @ApiProperty({ example: 'Deep home cleaning', minLength: 3, maxLength: 120 })
  @Trim()
  @IsString()
  @MinLength(3)
  @MaxLength(120)
  title: string;

  @ApiPropertyOptional({ example: 'Two cleaners, all rooms, eco products.', maxLength: 5000 })
  @IsOmittable()
  @Trim()
  @IsString()
  @MaxLength(5000)
  description?: string;

  @ApiProperty({
    example: 'home_services',
    description: 'A slug: lower-case letters and digits separated by _ or -',
    pattern: CATEGORY_SLUG.source,
    maxLength: 64,
  })
  @Trim()
  @IsString()
  @MaxLength(64)
  @Matches(CATEGORY_SLUG, { message: 'category must be a slug such as home_services' })
  category: string;

  @ApiProperty({ example: 89.5, description: 'Greater than 0, at most 2 decimals, below 1,000,000', minimum: 0.01, maximum: MAX_PRICE })
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'price must be a number with at most 2 decimals' })
  @MaxDecimalPlaces(2, { message: 'price must be a number with at most 2 decimals' })
  @Min(0.01, { message: 'price must be greater than 0' })
  @Max(MAX_PRICE, { message: 'price must be below 1,000,000' })
  price: number;

  @ApiProperty({ example: 'USD', description: 'ISO 4217 code', pattern: '^[A-Za-z]{3}$', minLength: 3, maxLength: 3 })
  @Transform(upperCase)
  @IsString()
  @IsISO4217CurrencyCode({ message: 'currency must be an ISO 4217 code such as USD' })
  currency: string;

  @ApiProperty({ example: 120, minimum: 5, maximum: 1440 })
  @IsInt()
  @Min(5)
  @Max(1440)
  durationMinutes: number;

  @ApiProperty({
    example: { monday: ['09:00-12:00', '13:00-17:00'], saturday: ['10:00-14:00'] },
    description: 'Weekday (any case) to local "HH:MM-HH:MM" windows in the service time zone',
    type: 'object',
    maxProperties: 7,
    additionalProperties: WINDOWS_SCHEMA,
  })
  @Transform(normalizedAvailability)
  @IsWeeklyAvailability()
  availability: WeeklyAvailability;

  @ApiPropertyOptional({
    example: ['https://images.example.com/cleaning.jpg'],
    maxItems: 10,
    type: 'array',
    items: { type: 'string', format: 'uri', maxLength: 2048 },
  })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(10)
  @IsUrl({ protocols: ['https'], require_protocol: true }, { each: true, message: 'images must be https URLs' })
  @MaxLength(2048, { each: true })
  images?: string[];

  @ApiPropertyOptional({ example: true, default: true })
  @IsOmittable()
  @IsBoolean()
  isActive?: boolean;

  @ApiPropertyOptional({
    example: true,
    default: true,
    description:
      'true: a booking is confirmed once paid. false: a booking is a request, its amount held (not taken) until the provider accepts (PUT /bookings/{id} {"status": "CONFIRMED"}) or declines (DELETE /bookings/{id}); unanswered, it expires (BOOKING_REQUEST_EXPIRY_HOURS)',
  })
  @IsOmittable()
  @IsBoolean()
  instantBooking?: boolean;

  @ApiPropertyOptional({ example: 'Europe/Berlin', default: 'UTC', description: 'An IANA time zone name', maxLength: 64 })
  @IsOmittable()
  @IsIanaTimeZone()
  timezone?: string;

  @ApiPropertyOptional({ example: 15, default: 0, minimum: 0, maximum: 1440, description: 'Minutes kept free before each booking' })
  @IsOmittable()
  @IsInt()
  @Min(0)
  @Max(1440)
  bufferBeforeMinutes?: number;

  @ApiPropertyOptional({ example: 10, default: 0, minimum: 0, maximum: 1440, description: 'Minutes kept free after each booking' })
  @IsOmittable()
  @IsInt()
  @Min(0)
  @Max(1440)
  bufferAfterMinutes?: number;

  @ApiPropertyOptional({
    ...DATE_OVERRIDES_SCHEMA,
    default: {},
    description:
      "Local dates (YYYY-MM-DD, in the service time zone) with windows of their own, replacing that weekday's availability; [] closes the date. " +
      'Replaced as a whole on update ({} removes every override).',
  })
  @IsOmittable()
  @Transform(normalizedDateOverrides)
  @IsDateOverrides()
  dateOverrides?: DateOverrides;

  @ApiPropertyOptional({
    ...OWN_RULE_SCHEMAS.minimumNoticeMinutes,
    description: "No booking starts sooner than this after now; null (default): the platform's MIN_BOOKING_NOTICE_MINUTES",
  })
  @IsNullable()
  @IsInt()
  @Min(0)
  @Max(MAX_NOTICE_MINUTES)
  minimumNoticeMinutes?: number | null;

  @ApiPropertyOptional({
    ...OWN_RULE_SCHEMAS.bookingHorizonDays,
    description: "No booking starts later than this many days after now; null (default): the platform's BOOKING_HORIZON_DAYS",
  })
  @IsNullable()
  @IsInt()
  @Min(1)
  @Max(MAX_HORIZON_DAYS)
  bookingHorizonDays?: number | null;

  @ApiPropertyOptional({
    ...OWN_RULE_SCHEMAS.slotIntervalMinutes,
    description: "Slots start every min(this, durationMinutes) minutes of a window; null (default): the platform's SLOT_INTERVAL_MINUTES",
  })
  @IsNullable()
  @IsInt()
  @Min(5)
  @Max(1440)
  slotIntervalMinutes?: number | null;
}
