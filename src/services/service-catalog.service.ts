import { Injectable } from '@nestjs/common';
import { DateTime } from 'luxon';
import { AuthUser } from '../common/auth/auth-user';
import { Role } from '../common/auth/role.enum';
import { ForbiddenError, UnauthorizedError, ValidationFailedError } from '../common/errors/domain.error';
import { Page } from '../common/pagination/pagination';
import { BookableTime } from './availability/bookable-time';
import { ListServicesQuery } from './dto/list-services.query';
import { CategoryResponse, MAX_CATEGORIES, ServiceResponse, toServiceResponse } from './dto/service.response';
import { SERVICE_KEYSETS, ServiceFilter, ServiceScope, ServicesRepository } from './services.repository';

/** Browsing the catalog: listing with filters, sorting and paging, and the categories in use. */
@Injectable()
export class ServiceCatalogService {
  constructor(
    private readonly services: ServicesRepository,
    private readonly bookableTime: BookableTime,
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
    if (query.availableOn) {
      const date = query.availableOn;
      if (!DateTime.fromISO(date, { zone: 'UTC' }).isValid) {
        throw new ValidationFailedError([{ field: 'availableOn', message: 'availableOn is not a real date' }]);
      }
      // Answered in PostgreSQL, by the rule /slots applies (BookableTime), for the services of the page only.
      const zones = await this.services.timeZonesInUse();
      const now = new Date();
      filter.freeOn = (columns, param) => this.bookableTime.freeOnDaySql(date, zones, columns, param, now);
    }
    const keyset = SERVICE_KEYSETS[query.sort];
    const position = keyset.position(query);
    const { items, total } = await this.services.listPage(filter, query.sort, limit, offset, position.after);
    // After a cursor the page has one row more when a next one exists; by offset, the total says so.
    const page = position.after
      ? keyset.page(items, limit, position)
      : { items, nextCursor: items.length && offset + items.length < total ? keyset.cursorAfter(items[items.length - 1], position) : null };
    return { items: page.items.map(toServiceResponse), total, limit, offset, nextCursor: page.nextCursor };
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
