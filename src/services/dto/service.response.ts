import { ApiProperty } from '@nestjs/swagger';
import { WeeklyAvailability } from '../availability/weekly-availability';
import { ServiceEntity, ServiceStatus } from '../service.entity';

export class ServiceResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) providerId: string;
  @ApiProperty() title: string;
  @ApiProperty() description: string;
  @ApiProperty() category: string;
  @ApiProperty({ example: 89.5 }) price: number;
  @ApiProperty({ example: 'USD' }) currency: string;
  @ApiProperty() durationMinutes: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } }) availability: WeeklyAvailability;
  @ApiProperty({ type: [String] }) images: string[];
  @ApiProperty({ example: 'UTC' }) timezone: string;
  @ApiProperty({ enum: ServiceStatus }) status: ServiceStatus;
  @ApiProperty() isActive: boolean;
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
    images: service.images,
    timezone: service.timezone,
    status: service.status,
    isActive: service.status === ServiceStatus.ACTIVE,
    createdAt: service.createdAt,
    updatedAt: service.updatedAt,
  };
}

export class CategoryResponse {
  @ApiProperty({ example: 'home_services' }) category: string;
  @ApiProperty({ example: 12 }) count: number;
}

export class SlotResponse {
  @ApiProperty({ example: '2030-01-07T08:00:00.000Z' }) start: string;
  @ApiProperty({ example: '2030-01-07T09:00:00.000Z' }) end: string;
  @ApiProperty({ example: '2030-01-07T09:00:00.000+01:00', description: 'Start in the service time zone' }) localStart: string;
  @ApiProperty({ example: '2030-01-07T10:00:00.000+01:00', description: 'End in the service time zone' }) localEnd: string;
  @ApiProperty({ example: 'Europe/Berlin' }) timezone: string;
}
