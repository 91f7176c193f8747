import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsEnum, IsIn, IsNumber, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { PaginationQuery } from '../../common/pagination/pagination';
import { ISO_DATE } from '../../common/validation/iso-date';
import { ServiceStatus } from '../service.entity';
import { CATEGORY_SLUG, MAX_PRICE } from './create-service.dto';

export const SERVICE_SORTS = ['price', '-price', 'createdAt', '-createdAt', 'title'] as const;
export type ServiceSort = (typeof SERVICE_SORTS)[number];

const toBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class ListServicesQuery extends PaginationQuery {
  @ApiPropertyOptional({ example: 'home_services', pattern: CATEGORY_SLUG.source, maxLength: 64 })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  @Matches(CATEGORY_SLUG, { message: 'category must be a slug such as home_services' })
  category?: string;

  @ApiPropertyOptional({ description: 'Full-text search over title and description', example: 'deep cleaning', maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;

  @ApiPropertyOptional({ example: 10, minimum: 0, maximum: MAX_PRICE })
  @IsOptional()
  @Type(() => Number)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(MAX_PRICE)
  minPrice?: number;

  @ApiPropertyOptional({ example: 200, minimum: 0, maximum: MAX_PRICE })
  @IsOptional()
  @Type(() => Number)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(MAX_PRICE)
  maxPrice?: number;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('all', { message: 'providerId must be a UUID' })
  providerId?: string;

  @ApiPropertyOptional({ example: '2030-01-07', format: 'date', description: 'Only services with at least one free slot that day (in their time zone)' })
  @IsOptional()
  @Matches(ISO_DATE, { message: 'availableOn must be a date YYYY-MM-DD' })
  availableOn?: string;

  @ApiPropertyOptional({ enum: SERVICE_SORTS, default: '-createdAt' })
  @IsOptional()
  @IsIn(SERVICE_SORTS, { message: `sort must be one of ${SERVICE_SORTS.join(', ')}` })
  sort: ServiceSort = '-createdAt';

  @ApiPropertyOptional({ description: 'Providers: list your own services in every status' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'mine must be true or false' })
  mine?: boolean;

  @ApiPropertyOptional({ enum: ServiceStatus, description: 'Admins (or providers with mine=true): filter by status' })
  @IsOptional()
  @IsEnum(ServiceStatus, { message: 'status must be ACTIVE, INACTIVE or SUSPENDED' })
  status?: ServiceStatus;
}

export class SlotsQuery {
  @ApiPropertyOptional({ example: '2030-01-07', format: 'date', description: 'First local day (default today in the service zone)' })
  @IsOptional()
  @Matches(ISO_DATE, { message: 'from must be a date YYYY-MM-DD' })
  from?: string;

  @ApiPropertyOptional({ example: '2030-01-13', format: 'date', description: 'Last local day, inclusive (default 6 days after from); at most 31 days' })
  @IsOptional()
  @Matches(ISO_DATE, { message: 'to must be a date YYYY-MM-DD' })
  to?: string;
}
