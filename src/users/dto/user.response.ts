import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Role } from '../../common/auth/role.enum';
import { AccountStatus } from '../account-status.enum';
import { UserEntity } from '../user.entity';

export class ProfileResponse {
  @ApiProperty({ maxLength: 100 }) firstName: string;
  @ApiProperty({ maxLength: 100 }) lastName: string;
  @ApiProperty({ type: String, maxLength: 32, nullable: true }) phone: string | null;
  @ApiProperty({ type: String, maxLength: 500, nullable: true }) address: string | null;
}

export class UserResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'email', maxLength: 254 }) email: string;
  @ApiProperty({ description: 'The owner used a link e-mailed to this address (accounts from before the check count as verified)' })
  emailVerified: boolean;
  @ApiPropertyOptional({
    format: 'email',
    maxLength: 254,
    description: 'An address the account moves to once its owner opens the link e-mailed there (present only while one waits)',
  })
  pendingEmail?: string;
  @ApiProperty({ enum: Role }) role: Role;
  @ApiPropertyOptional({ enum: AccountStatus, description: 'ACTIVE, or SUSPENDED by an admin (always sent; optional for clients written before it)' })
  status?: AccountStatus;
  @ApiProperty({ type: ProfileResponse }) profile: ProfileResponse;
  @ApiProperty() createdAt: Date;
  @ApiProperty() updatedAt: Date;
}

export function toUserResponse(user: UserEntity, pendingEmail: string | null = null): UserResponse {
  return {
    id: user.id,
    email: user.email,
    emailVerified: user.emailVerified,
    ...(pendingEmail ? { pendingEmail } : {}),
    role: user.role,
    status: user.status,
    profile: { firstName: user.firstName, lastName: user.lastName, phone: user.phone, address: user.address },
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
  };
}
