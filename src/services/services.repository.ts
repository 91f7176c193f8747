import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, ObjectLiteral, Repository, SelectQueryBuilder } from 'typeorm';
import { Interval } from './availability/slot-generator';
import { WeeklyAvailability, Weekday } from './availability/weekly-availability';
import { ServiceSort } from './dto/list-services.query';
import { ServiceEntity, ServiceStatus } from './service.entity';

/** Who is looking decides which services are in scope. */
export type ServiceScope = { kind: 'public' } | { kind: 'provider'; providerId: string } | { kind: 'admin' };

export interface ServiceFilter {
  scope: ServiceScope;
  status?: ServiceStatus;
  category?: string;
  q?: string;
  minPrice?: number;
  maxPrice?: number;
  providerId?: string;
  /** Only services with windows on this weekday (a cheap pre-filter for `availableOn`). */
  openOn?: Weekday;
}

export interface ScheduleCandidate {
  id: string;
  providerId: string;
  availability: WeeklyAvailability;
  timezone: string;
  durationMinutes: number;
}

export interface ListingQueries {
  /** One row, `total`: how many services match. */
  count: SelectQueryBuilder<ObjectLiteral>;
  /** The page of entities, in the requested order. */
  page: SelectQueryBuilder<ServiceEntity>;
}

const ORDER: Record<ServiceSort, Array<[string, 'ASC' | 'DESC']>> = {
  price: [['s.price', 'ASC'], ['s.id', 'ASC']],
  '-price': [['s.price', 'DESC'], ['s.id', 'DESC']],
  createdAt: [['s.created_at', 'ASC'], ['s.id', 'ASC']],
  '-createdAt': [['s.created_at', 'DESC'], ['s.id', 'DESC']],
  title: [['s.title', 'ASC'], ['s.id', 'ASC']],
};

/** Bookings that hold a provider's time. */
const HOLDING_STATUSES = ['PENDING', 'CONFIRMED'];

@Injectable()
export class ServicesRepository {
  constructor(@InjectRepository(ServiceEntity) private readonly services: Repository<ServiceEntity>) {}

  insert(service: Omit<ServiceEntity, 'id' | 'createdAt' | 'updatedAt' | 'deletedAt'>): Promise<ServiceEntity> {
    return this.services.save(this.services.create(service));
  }

  save(service: ServiceEntity): Promise<ServiceEntity> {
    return this.services.save(service);
  }

  /** Any service by id, deleted ones included; whether the caller may see it is the service layer's call. */
  findByIdWithDeleted(id: string): Promise<ServiceEntity | null> {
    return this.services.findOne({ where: { id }, withDeleted: true });
  }

  async isProviderActive(providerId: string): Promise<boolean> {
    const rows: unknown[] = await this.services.query('SELECT 1 FROM users WHERE id = $1 AND deleted_at IS NULL', [providerId]);
    return rows.length > 0;
  }

  async softDelete(id: string): Promise<void> {
    await this.services.softDelete({ id });
  }

  async listPage(filter: ServiceFilter, sort: ServiceSort, limit: number, offset: number): Promise<{ items: ServiceEntity[]; total: number }> {
    const { count, page } = this.listingQueries(filter, sort, limit, offset);
    const total = (await count.getRawOne<{ total: number }>())?.total ?? 0;
    const items = total > offset ? await page.getMany() : [];
    return { items, total };
  }

  /**
   * The two statements behind one page of the listing, exactly as `listPage` runs them (the EXPLAIN test
   * reads their SQL to prove the catalog stays on its indexes).
   */
  listingQueries(filter: ServiceFilter, sort: ServiceSort, limit: number, offset: number): ListingQueries {
    const count = filter.scope.kind === 'public' ? this.publicCount(filter) : this.filtered(filter).select('count(*)::int', 'total');
    const page = this.filtered(filter).limit(limit).offset(offset);
    for (const [column, direction] of ORDER[sort]) page.addOrderBy(column, direction);
    return { count, page };
  }

  /**
   * The public total without reading the table. Checking each row's provider needs its `provider_id`, so a
   * plain count visits every listed row in the heap, and the planner then prefers a sequential scan. Instead:
   * the listed rows matching the filter, counted from a partial index alone (an index-only scan), minus
   * those still held by deleted providers, found from those (few) accounts through `services_provider_idx`.
   */
  private publicCount(filter: ServiceFilter): SelectQueryBuilder<ObjectLiteral> {
    const listed = this.filtered(filter, { providerCheck: false }).select('count(*)');
    const ofDeletedProvider = this.filtered(filter, { providerCheck: false }).select('count(*)').andWhere('s.provider_id = u.id');
    return this.services.manager
      .createQueryBuilder()
      .select(`((${listed.getQuery()}) - COALESCE(SUM((${ofDeletedProvider.getQuery()})), 0))::int`, 'total')
      .from('users', 'u')
      .withDeleted() // those are the accounts wanted here
      .where('u.deleted_at IS NOT NULL')
      .setParameters(listed.getParameters());
  }

  /** The scheduling fields of every matching service, in listing order (for the `availableOn` filter). */
  async listScheduleCandidates(filter: ServiceFilter, sort: ServiceSort): Promise<ScheduleCandidate[]> {
    const query = this.filtered(filter).select(['s.id', 's.providerId', 's.availability', 's.timezone', 's.durationMinutes']);
    for (const [column, direction] of ORDER[sort]) query.addOrderBy(column, direction);
    return query.getMany();
  }

  async findByIdsInOrder(ids: string[]): Promise<ServiceEntity[]> {
    if (!ids.length) return [];
    const rows = await this.services.find({ where: { id: In(ids) } });
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id)).filter((row): row is ServiceEntity => row !== undefined);
  }

  async categoriesInUse(): Promise<Array<{ category: string; count: number }>> {
    const rows = await this.filtered({ scope: { kind: 'public' } })
      .select('s.category', 'category')
      .addSelect('count(*)::int', 'count')
      .groupBy('s.category')
      .orderBy('s.category', 'ASC')
      .getRawMany<{ category: string; count: number }>();
    return rows;
  }

  /** The PENDING/CONFIRMED bookings of these providers overlapping [from, to), on any of their services. */
  async busyIntervals(providerIds: string[], from: Date, to: Date): Promise<Map<string, Interval[]>> {
    const busy = new Map<string, Interval[]>();
    if (!providerIds.length) return busy;
    const rows = await this.services.query<Array<{ provider_id: string; scheduled_at: Date; ends_at: Date }>>(
      `SELECT provider_id, scheduled_at, ends_at FROM bookings
        WHERE provider_id = ANY($1::uuid[]) AND status = ANY($2::varchar[])
          AND scheduled_at < $4 AND ends_at > $3`,
      [providerIds, HOLDING_STATUSES, from, to],
    );
    for (const row of rows) {
      const list = busy.get(row.provider_id) ?? [];
      list.push({ start: row.scheduled_at, end: row.ends_at });
      busy.set(row.provider_id, list);
    }
    return busy;
  }

  /** `providerCheck: false` leaves out the public scope's "provider not deleted" (for `publicCount`, which subtracts them). */
  private filtered(filter: ServiceFilter, { providerCheck = true } = {}): SelectQueryBuilder<ServiceEntity> {
    const query = this.services.createQueryBuilder('s');
    const { scope } = filter;
    if (scope.kind === 'public') {
      // A literal, not a parameter, so the planner can match the partial indexes' predicate.
      query.where(`s.status = '${ServiceStatus.ACTIVE}'`);
      if (providerCheck) query.andWhere('EXISTS (SELECT 1 FROM users u WHERE u.id = s.provider_id AND u.deleted_at IS NULL)');
    } else if (scope.kind === 'provider') {
      query.where('s.provider_id = :owner', { owner: scope.providerId });
    }
    if (filter.status) query.andWhere('s.status = :status', { status: filter.status });
    if (filter.category) query.andWhere('s.category = :category', { category: filter.category });
    if (filter.providerId) query.andWhere('s.provider_id = :providerId', { providerId: filter.providerId });
    if (filter.minPrice !== undefined) query.andWhere('s.price >= :minPrice', { minPrice: filter.minPrice });
    if (filter.maxPrice !== undefined) query.andWhere('s.price <= :maxPrice', { maxPrice: filter.maxPrice });
    if (filter.q) query.andWhere(`s.search @@ websearch_to_tsquery('english', :q)`, { q: filter.q });
    if (filter.openOn) {
      query.andWhere(`jsonb_array_length(COALESCE(s.availability -> :weekday, '[]'::jsonb)) > 0`, { weekday: filter.openOn });
    }
    return query;
  }
}
