import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsOptional, IsString, MaxLength } from 'class-validator';
import { Role } from '../../common/auth/role.enum';
import { PaginationQuery } from '../../common/pagination/pagination';
import { Trim } from '../../common/validation/transforms';
import { AccountStatus } from '../account-status.enum';

export class ListUsersQuery extends PaginationQuery {
  @ApiPropertyOptional({ description: 'Part of the e-mail, first, last or full name (case-insensitive)', example: 'lovelace', maxLength: 200 })
  @IsOptional()
  @Trim()
  @IsString()
  @MaxLength(200)
  q?: string;

  @ApiPropertyOptional({ enum: Role })
  @IsOptional()
  @IsEnum(Role, { message: 'role must be CUSTOMER, PROVIDER or ADMIN' })
  role?: Role;

  @ApiPropertyOptional({ enum: AccountStatus })
  @IsOptional()
  @IsEnum(AccountStatus, { message: 'status must be ACTIVE or SUSPENDED' })
  status?: AccountStatus;
}
