import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Put, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { AuthUser } from '../common/auth/auth-user';
import { Role } from '../common/auth/role.enum';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { ForbiddenError, UnauthorizedError, ValidationFailedError } from '../common/errors/domain.error';
import { ApiProblems } from '../common/openapi/problem.response';
import { EXAMPLE_SERVICE } from '../database/seeds/sample-services';
import { Public } from '../common/decorators/public.decorator';
import { Roles } from '../common/decorators/roles.decorator';
import { Page } from '../common/pagination/pagination';
import { Paginated } from '../common/pagination/paginated';
import { RateLimit } from '../common/rate-limit/rate-limit.decorator';
import { CreateServiceDto } from './dto/create-service.dto';
import { ListServicesQuery, SlotsQuery } from './dto/list-services.query';
import { CategoryResponse, MAX_CATEGORIES, ServiceResponse, SlotResponse } from './dto/service.response';
import { UpdateServiceDto } from './dto/update-service.dto';
import { ServiceCatalogService } from './service-catalog.service';
import { RequireVerifiedEmail } from '../users/verified-email.guard';
import { ServicesService } from './services.service';
import { MAX_SLOTS, SlotsService } from './slots.service';

const NOT_THE_PROVIDER = new ForbiddenError('Only the provider who offers this service (or an admin) can change it.');
/** A seeded sample service: "Try it out" finds it wherever the samples were seeded. */
const SERVICE_ID = { name: 'id', format: 'uuid', example: EXAMPLE_SERVICE.id } as const;

@ApiTags('services')
@Controller('services')
export class ServicesController {
  constructor(
    private readonly services: ServicesService,
    private readonly catalog: ServiceCatalogService,
    private readonly slots: SlotsService,
  ) {}

  @Roles(Role.PROVIDER)
  @RequireVerifiedEmail()
  @Post()
  @ApiOperation({ operationId: 'createService', summary: 'Offer a new service (providers)' })
  @ApiCreatedResponse({ type: ServiceResponse })
  create(@CurrentUser() user: AuthUser, @Body() dto: CreateServiceDto): Promise<ServiceResponse> {
    return this.services.create(user, dto);
  }

  @Public()
  @RateLimit({ policy: 'browse', by: 'ip' })
  @Get()
  @ApiBearerAuth('bearer')
  @ApiOperation({ operationId: 'listServices', summary: 'Browse the catalog (public; providers may add mine=true, admins status=)' })
  @Paginated(ServiceResponse)
  @ApiProblems(
    new UnauthorizedError('Sign in to list your own services.'),
    new ForbiddenError('Only admins (or providers with mine=true) can filter by status.'),
    new ValidationFailedError([{ field: 'maxPrice', message: 'maxPrice must not be below minPrice' }]),
  )
  list(@CurrentUser() user: AuthUser | undefined, @Query() query: ListServicesQuery): Promise<Page<ServiceResponse>> {
    return this.catalog.list(user, query);
  }

  @Public()
  @RateLimit({ policy: 'browse', by: 'ip' })
  @Get('categories')
  @ApiOperation({ operationId: 'listCategories', summary: 'Categories in use, with their number of active services' })
  @ApiExtraModels(CategoryResponse)
  @ApiOkResponse({ schema: { type: 'array', maxItems: MAX_CATEGORIES, items: { $ref: getSchemaPath(CategoryResponse) } } })
  categories(): Promise<CategoryResponse[]> {
    return this.catalog.categories();
  }

  @Public()
  @RateLimit({ policy: 'browse', by: 'ip' })
  @Get(':id')
  @ApiBearerAuth('bearer')
  @ApiOperation({ operationId: 'getService', summary: 'One service (inactive, suspended and deleted ones only for their provider and admins)' })
  @ApiOkResponse({ type: ServiceResponse })
  @ApiParam(SERVICE_ID)
  findOne(@CurrentUser() user: AuthUser | undefined, @Param('id', ParseUUIDPipe) id: string): Promise<ServiceResponse> {
    return this.services.get(user, id);
  }

  @Public()
  @RateLimit({ policy: 'browse', by: 'ip' })
  @Get(':id/slots')
  @ApiBearerAuth('bearer')
  @ApiOperation({ operationId: 'listSlots', summary: 'Bookable start times between two local dates (default the next 7 days, at most 31)' })
  @ApiExtraModels(SlotResponse)
  @ApiOkResponse({ schema: { type: 'array', maxItems: MAX_SLOTS, items: { $ref: getSchemaPath(SlotResponse) } } })
  @ApiParam(SERVICE_ID)
  @ApiProblems(new ValidationFailedError([{ field: 'to', message: 'to must not be before from' }]))
  async slotsOf(@CurrentUser() user: AuthUser | undefined, @Param('id', ParseUUIDPipe) id: string, @Query() query: SlotsQuery): Promise<SlotResponse[]> {
    return this.slots.listSlots(await this.services.findVisible(user, id), query.from, query.to);
  }

  @Roles(Role.PROVIDER, Role.ADMIN)
  @Put(':id')
  @ApiOperation({ operationId: 'updateService', summary: 'Change a service (its provider or an admin; only admins set status)' })
  @ApiOkResponse({ type: ServiceResponse })
  @ApiProblems(
    NOT_THE_PROVIDER,
    new ForbiddenError('Only an admin can set a service status; use isActive.', 'STATUS_CHANGE_FORBIDDEN'),
    new ForbiddenError('This service is suspended; only an admin can lift the suspension.', 'SERVICE_SUSPENDED'),
  )
  @ApiParam({ name: 'id', format: 'uuid' })
  update(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdateServiceDto): Promise<ServiceResponse> {
    return this.services.update(user, id, dto);
  }

  @Roles(Role.PROVIDER, Role.ADMIN)
  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteService', summary: 'Remove a service from the catalog (soft delete; existing bookings keep working)' })
  @ApiNoContentResponse()
  @ApiProblems(NOT_THE_PROVIDER)
  @ApiParam({ name: 'id', format: 'uuid' })
  remove(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.services.remove(user, id);
  }
}
