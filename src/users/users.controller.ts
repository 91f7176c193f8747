import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Put } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AuthUser } from '../common/auth/auth-user';
import { Client, ClientContext } from '../common/decorators/client-context.decorator';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { ConflictError, ForbiddenError, ValidationFailedError } from '../common/errors/domain.error';
import { ApiProblems } from '../common/openapi/problem.response';
import { Public } from '../common/decorators/public.decorator';
import { AnyRole } from '../common/decorators/roles.decorator';
import { CreateUserDto } from './dto/create-user.dto';
import { UpdateUserDto } from './dto/update-user.dto';
import { UserResponse } from './dto/user.response';
import { UsersService } from './users.service';

const EMAIL_TAKEN = new ConflictError('EMAIL_TAKEN', 'An account with this e-mail already exists.');
const NOT_YOURS = new ForbiddenError('You can only access your own account.');

@ApiTags('users')
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Public()
  @Post()
  @ApiOperation({ operationId: 'registerUser', summary: 'Register a customer or provider account' })
  @ApiCreatedResponse({ type: UserResponse })
  @ApiProblems(EMAIL_TAKEN)
  register(@Body() dto: CreateUserDto): Promise<UserResponse> {
    return this.users.register(dto);
  }

  @AnyRole()
  @Get('me')
  @ApiOperation({ operationId: 'getCurrentUser', summary: 'The signed-in account' })
  @ApiOkResponse({ type: UserResponse })
  me(@CurrentUser() user: AuthUser): Promise<UserResponse> {
    return this.users.getMe(user);
  }

  @AnyRole()
  @Get(':id')
  @ApiOperation({ operationId: 'getUser', summary: 'An account (yourself, or anyone for an admin)' })
  @ApiOkResponse({ type: UserResponse })
  @ApiProblems(NOT_YOURS)
  @ApiParam({ name: 'id', format: 'uuid' })
  findOne(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<UserResponse> {
    return this.users.getById(user, id);
  }

  @AnyRole()
  @Put(':id')
  @ApiOperation({
    operationId: 'updateUser',
    summary: 'Update profile, e-mail or password (your own: with the current one) or, for admins, role',
    description:
      'Your own new `email` needs `currentPassword` and applies only once you open the link e-mailed to the new address ' +
      '(`POST /users/email-change/confirm`); until then the answer shows it as `pendingEmail`, and the old address is told ' +
      "once it applies, with a link that reverts it. An admin's change of someone else's e-mail applies at once.",
  })
  @ApiOkResponse({ type: UserResponse })
  @ApiProblems(
    NOT_YOURS,
    new ForbiddenError('Only an admin can change a role.', 'ROLE_CHANGE_FORBIDDEN'),
    EMAIL_TAKEN,
    new ValidationFailedError([{ field: 'currentPassword', message: 'currentPassword is incorrect' }]),
  )
  @ApiParam({ name: 'id', format: 'uuid' })
  update(
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateUserDto,
    @Client() client: ClientContext,
  ): Promise<UserResponse> {
    return this.users.update(user, id, dto, client);
  }

  @AnyRole()
  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteUser', summary: 'Delete an account (soft): it can no longer sign in and its tokens stop working' })
  @ApiNoContentResponse()
  @ApiProblems(NOT_YOURS)
  @ApiParam({ name: 'id', format: 'uuid' })
  remove(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.users.remove(user, id);
  }
}
