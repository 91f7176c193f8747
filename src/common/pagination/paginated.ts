import { applyDecorators, Type } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiExtraModels, ApiOkResponse, getSchemaPath } from '@nestjs/swagger';
import type { FastifyInstance } from 'fastify';
import { ValidationFailedError } from '../errors/domain.error';
import { ApiProblems } from '../openapi/problem.response';
import { MAX_LIMIT, OFFSET_BEYOND_CAP, Page } from './pagination';

/**
 * The `Link` header value (RFC 8288), keeping the request's other query parameters: `next` carries the cursor
 * of a keyset list (offset lists: the next offset); `prev`, for a page asked for by offset, the previous
 * offset (a page asked for by cursor has none: keyset paging goes forward).
 */
export function pageLinks(page: Page<unknown>, baseUrl: string, requestUrl: string): string {
  const url = new URL(requestUrl, 'http://placeholder');
  const byCursor = url.searchParams.has('cursor');
  const at = (position: { offset: number } | { cursor: string }) => {
    url.searchParams.delete('offset');
    url.searchParams.delete('cursor');
    if ('cursor' in position) url.searchParams.set('cursor', position.cursor);
    else url.searchParams.set('offset', String(position.offset));
    url.searchParams.set('limit', String(page.limit));
    return `<${baseUrl}${url.pathname}${url.search}>`;
  };
  const links: string[] = [];
  if (page.nextCursor) links.push(`${at({ cursor: page.nextCursor })}; rel="next"`);
  else if (page.nextCursor === undefined && page.offset + page.limit < page.total) links.push(`${at({ offset: page.offset + page.limit })}; rel="next"`);
  if (!byCursor && page.offset > 0) links.push(`${at({ offset: Math.max(0, page.offset - page.limit) })}; rel="prev"`);
  return links.join(', ');
}

/** Fastify route config of the routes that return a `Page<T>`. */
interface PaginatedRouteConfig {
  paginated?: boolean;
}

/**
 * For list routes returning a `Page<T>`: documents the array body and its paging headers, and marks the route
 * for `registerPagination`, which produces them.
 */
export function Paginated(itemType: Type<unknown>) {
  return applyDecorators(
    RouteConfig({ paginated: true } satisfies PaginatedRouteConfig),
    ApiExtraModels(itemType),
    // Beyond the offset cap, or a cursor this list did not give out (another list, sort or filter; altered).
    ApiProblems(new ValidationFailedError([{ field: 'offset', message: OFFSET_BEYOND_CAP }])),
    ApiOkResponse({
      schema: { type: 'array', maxItems: MAX_LIMIT, items: { $ref: getSchemaPath(itemType) } },
      headers: {
        'X-Total-Count': {
          description: 'Total number of matching items (with X-Total-Count-Capped: at least this many)',
          schema: { type: 'integer', format: 'int64', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
        },
        'X-Total-Count-Capped': {
          description: 'Present (true) when counting stopped at a cap: X-Total-Count is then a lower bound, not the exact total',
          schema: { type: 'string', enum: ['true'] },
        },
        Link: {
          description:
            'RFC 8288 links: rel="next" carries the opaque `cursor` of the next page (absent on the last page); rel="prev" (pages asked for by offset) the previous offset',
          schema: { type: 'string', maxLength: 4096 },
        },
      },
    }),
  );
}

/**
 * Turns the `Page` a `@Paginated` route returns into a JSON array body with `X-Total-Count` and `Link`
 * headers, just before Fastify serializes it. A Nest interceptor did this through an RxJS pipeline per
 * request, about 3% of the CPU of a catalog page (`npm run bench`).
 */
export function registerPagination(fastify: FastifyInstance, baseUrl: string): void {
  fastify.addHook('preSerialization', (request, reply, payload: unknown, done) => {
    if (!(request.routeOptions.config as PaginatedRouteConfig).paginated || reply.statusCode >= 300) return done(null, payload);
    const page = payload as Page<unknown>;
    void reply.header('x-total-count', String(page.total));
    if (page.totalCapped) void reply.header('x-total-count-capped', 'true');
    const links = pageLinks(page, baseUrl, request.url);
    if (links) void reply.header('link', links);
    done(null, page.items);
  });
}
