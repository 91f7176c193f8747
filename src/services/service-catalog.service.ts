import { Injectable } from '@nestjs/common';
import { DateTime } from 'luxon';
import { AuthUser } from '../common/auth/auth-user';
import { Role } from '../common/auth/role.enum';
import { ForbiddenError, UnauthorizedError, ValidationFailedError } from '../common/errors/domain.error';
import { Page } from '../common/pagination/pagination';
import { WEEKDAYS } from './availability/weekly-availability';
import { ListServicesQuery } from './dto/list-services.query';
import { CategoryResponse, MAX_CATEGORIES, ServiceResponse, toServiceResponse } from './dto/service.response';
import { ServiceFilter, ServiceScope, ServicesRepository } from './services.repository';
import { SlotsService } from './slots.service';

/** Browsing the catalog: listing with filters, sorting and paging, and the categories in use. */
@Injectable()
export class ServiceCatalogService {
  constructor(
    private readonly services: ServicesRepository,
    private readonly slots: SlotsService,
  ) {}

  async list(caller: AuthUser | undefined, query: ListServicesQuery): Promise<Page<ServiceResponse>> {
    const filter: ServiceFilter = {
      scope: this.scopeFor(caller, query),
      status: query.status,
      category: query.category,
      q: query.q?.trim() || undefined,
      minPrice: query.minPrice,
      maxPrice: query.maxPrice,
      providerId: query.providerId,
    };
    if (query.minPrice !== undefined && query.maxPrice !== undefined && query.minPrice > query.maxPrice) {
      throw new ValidationFailedError([{ field: 'maxPrice', message: 'maxPrice must not be below minPrice' }]);
    }
    const { limit, offset } = query;
    if (!query.availableOn) {
      const { items, total } = await this.services.listPage(filter, query.sort, limit, offset);
      return { items: items.map(toServiceResponse), total, limit, offset };
    }
    const day = DateTime.fromISO(query.availableOn, { zone: 'UTC' });
    if (!day.isValid) throw new ValidationFailedError([{ field: 'availableOn', message: 'availableOn is not a real date' }]);
    const candidates = await this.services.listScheduleCandidates({ ...filter, openOn: WEEKDAYS[day.weekday - 1] }, query.sort);
    const free = await this.slots.withFreeSlotOn(candidates, query.availableOn);
    const matching = candidates.filter((c) => free.has(c.id)).map((c) => c.id);
    const items = await this.services.findByIdsInOrder(matching.slice(offset, offset + limit));
    return { items: items.map(toServiceResponse), total: matching.length, limit, offset };
  }

  categories(): Promise<CategoryResponse[]> {
    return this.services.categoriesInUse(MAX_CATEGORIES);
  }

  private scopeFor(caller: AuthUser | undefined, query: ListServicesQuery): ServiceScope {
    if (query.mine) {
      if (!caller) throw new UnauthorizedError('Sign in to list your own services.');
      if (caller.role !== Role.PROVIDER) throw new ForbiddenError('Only providers have services of their own.');
      return { kind: 'provider', providerId: caller.id };
    }
    if (caller?.role === Role.ADMIN) return { kind: 'admin' };
    if (query.status) throw new ForbiddenError('Only admins (or providers with mine=true) can filter by status.');
    return { kind: 'public' };
  }
}
