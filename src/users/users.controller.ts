import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Put, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AuthUser } from '../common/auth/auth-user';
import { Role } from '../common/auth/role.enum';
import { Client, ClientContext } from '../common/decorators/client-context.decorator';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { ConflictError, ForbiddenError, ValidationFailedError } from '../common/errors/domain.error';
import { ApiProblems, platformProblem } from '../common/openapi/problem.response';
import { Public } from '../common/decorators/public.decorator';
import { AnyRole, Roles } from '../common/decorators/roles.decorator';
import { Page, PaginationQuery } from '../common/pagination/pagination';
import { Paginated } from '../common/pagination/paginated';
import { AccountAdministration } from './account-administration.service';
import { CannotSuspendSelfError, StatusChangeForbiddenError } from './account.errors';
import { AccountAuditResponse } from './dto/account-audit.response';
import { CreateUserDto } from './dto/create-user.dto';
import { ListUsersQuery } from './dto/list-users.query';
import { UpdateUserDto } from './dto/update-user.dto';
import { UserResponse } from './dto/user.response';
import { UsersService } from './users.service';

const EMAIL_TAKEN = new ConflictError('EMAIL_TAKEN', 'An account with this e-mail already exists.');
const NOT_YOURS = new ForbiddenError('You can only access your own account.');

@ApiTags('users')
@Controller('users')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly administration: AccountAdministration,
  ) {}

  @Public()
  @Post()
  @ApiOperation({ operationId: 'registerUser', summary: 'Register a customer or provider account' })
  @ApiCreatedResponse({ type: UserResponse })
  @ApiProblems(EMAIL_TAKEN)
  register(@Body() dto: CreateUserDto): Promise<UserResponse> {
    return this.users.register(dto);
  }

  @Roles(Role.ADMIN)
  @Get()
  @ApiOperation({ operationId: 'listUsers', summary: 'Accounts (admins): search e-mail and names, filter by role and status; newest first' })
  @Paginated(UserResponse)
  list(@Query() query: ListUsersQuery): Promise<Page<UserResponse>> {
    return this.administration.list(query);
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
    summary: 'Update profile, e-mail, password (with the current one) or, for admins, role and status (suspend or reactivate)',
  })
  @ApiOkResponse({ type: UserResponse })
  @ApiProblems(
    NOT_YOURS,
    new ForbiddenError('Only an admin can change a role.', 'ROLE_CHANGE_FORBIDDEN'),
    new StatusChangeForbiddenError(),
    new CannotSuspendSelfError(),
    EMAIL_TAKEN,
    new ValidationFailedError([{ field: 'currentPassword', message: 'currentPassword is incorrect' }]),
    platformProblem(429, 'RATE_LIMITED', 'Too many wrong current passwords: try again after the time in Retry-After.'),
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
  remove(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string, @Client() client: ClientContext): Promise<void> {
    return this.users.remove(user, id, client);
  }

  @Roles(Role.ADMIN)
  @Get(':id/audit')
  @ApiOperation({ operationId: 'listUserAudit', summary: "What admins did to an account (admins), newest first, with each change's request id" })
  @Paginated(AccountAuditResponse)
  @ApiParam({ name: 'id', format: 'uuid' })
  audit(@Param('id', ParseUUIDPipe) id: string, @Query() query: PaginationQuery): Promise<Page<AccountAuditResponse>> {
    return this.administration.auditOf(id, query.limit, query.offset);
  }
}
