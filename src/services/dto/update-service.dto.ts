import { ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { IsEnum, IsOptional } from 'class-validator';
import { ServiceStatus } from '../service.entity';
import { CreateServiceDto } from './create-service.dto';

export class UpdateServiceDto extends PartialType(CreateServiceDto) {
  @ApiPropertyOptional({ enum: ServiceStatus, description: 'Admins only (suspend or lift a suspension)' })
  @IsOptional() @IsEnum(ServiceStatus, { message: 'status must be ACTIVE, INACTIVE or SUSPENDED' })
  status?: ServiceStatus;
}
