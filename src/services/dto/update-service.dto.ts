import { ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { IsEnum } from 'class-validator';
import { ServiceStatus } from '../service.entity';
import { CreateServiceDto, IsOmittable } from './create-service.dto';

/** Every field optional; none can be cleared, so a null is refused (400) rather than reaching the database. */
export class UpdateServiceDto extends PartialType(CreateServiceDto, { skipNullProperties: false }) {
  @ApiPropertyOptional({ enum: ServiceStatus, description: 'Admins only (suspend or lift a suspension)' })
  @IsOmittable()
  @IsEnum(ServiceStatus, { message: 'status must be ACTIVE, INACTIVE or SUSPENDED' })
  status?: ServiceStatus;
}
