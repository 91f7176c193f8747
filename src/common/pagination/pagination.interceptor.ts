import { applyDecorators, CallHandler, ExecutionContext, Injectable, NestInterceptor, Type, UseInterceptors } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiExtraModels, ApiOkResponse, getSchemaPath } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { map, Observable } from 'rxjs';
import { AppConfig } from '../../config/app.config';
import { MAX_LIMIT, Page } from './pagination';

/** The `Link` header value (RFC 8288) with `next`/`prev`, keeping the request's other query parameters. */
export function pageLinks(page: Page<unknown>, baseUrl: string, requestUrl: string): string {
  const url = new URL(requestUrl, 'http://placeholder');
  const at = (offset: number) => {
    url.searchParams.set('offset', String(offset));
    url.searchParams.set('limit', String(page.limit));
    return `<${baseUrl}${url.pathname}${url.search}>`;
  };
  const links: string[] = [];
  if (page.offset + page.limit < page.total) links.push(`${at(page.offset + page.limit)}; rel="next"`);
  if (page.offset > 0) links.push(`${at(Math.max(0, page.offset - page.limit))}; rel="prev"`);
  return links.join(', ');
}

/** Turns a returned `Page` into a JSON array body with `X-Total-Count` and `Link` headers. */
@Injectable()
export class PaginationInterceptor implements NestInterceptor {
  private readonly baseUrl: string;

  constructor(config: ConfigService<AppConfig, true>) {
    this.baseUrl = config.get('http', { infer: true }).appUrl;
  }

  intercept(context: ExecutionContext, next: CallHandler<Page<unknown>>): Observable<unknown[]> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    return next.handle().pipe(
      map((page) => {
        void reply.header('x-total-count', String(page.total));
        const links = pageLinks(page, this.baseUrl, request.url);
        if (links) void reply.header('link', links);
        return page.items;
      }),
    );
  }
}

/** For list routes returning a `Page<T>`: documents and produces the array body and paging headers. */
export function Paginated(itemType: Type<unknown>) {
  return applyDecorators(
    UseInterceptors(PaginationInterceptor),
    ApiExtraModels(itemType),
    ApiOkResponse({
      schema: { type: 'array', maxItems: MAX_LIMIT, items: { $ref: getSchemaPath(itemType) } },
      headers: {
        'X-Total-Count': { description: 'Total number of matching items', schema: { type: 'integer', format: 'int64', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } },
        Link: { description: 'RFC 8288 links to the next and previous pages', schema: { type: 'string', maxLength: 4096 } },
      },
    }),
  );
}
