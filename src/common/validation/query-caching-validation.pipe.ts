import { ArgumentMetadata, ValidationPipe } from '@nestjs/common';

/** Distinct query strings remembered per DTO class; past this, the oldest is forgotten. */
const MAX_QUERIES = 500;

/**
 * The ValidationPipe, remembering what it made of query strings it has seen. A query DTO is a function of
 * the query's strings alone, and browsing repeats the same few queries (a category, its first page), so
 * class-transformer and class-validator run once per distinct query rather than on every request. Every
 * request gets its own copy of the DTO; bodies, and queries that fail validation, always go the full way.
 */
export class QueryCachingValidationPipe extends ValidationPipe {
  private readonly queries = new Map<unknown, Map<string, object>>();

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const { type, metatype, data } = metadata;
    if (type !== 'query' || data !== undefined || !metatype || typeof value !== 'object' || value === null) return super.transform(value, metadata);
    let known = this.queries.get(metatype);
    if (!known) this.queries.set(metatype, (known = new Map<string, object>()));
    const key = JSON.stringify(value);
    let dto = known.get(key);
    if (!dto) {
      const transformed: unknown = await super.transform(value, metadata);
      if (typeof transformed !== 'object' || transformed === null) return transformed;
      dto = transformed;
      if (known.size >= MAX_QUERIES) known.delete(known.keys().next().value as string);
      known.set(key, dto);
    }
    return Object.assign(Object.create(Object.getPrototypeOf(dto) as object | null) as object, dto);
  }
}
