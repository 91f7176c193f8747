import type { FastifyInstance } from 'fastify';
import { env, pool } from './context';
import { problem, serviceResponse, UUID } from './responses';
import type { ServiceRow } from './rows';
import { LISTINGS, rows, SERVICE_BY_ID } from './sql';

/** Scenarios 1 and 2: a page of the public catalog, and one service by id. */
export function registerCatalogRoutes(app: FastifyInstance): void {
  const totals = new Map<string, { total: Promise<number>; expiresAt: number }>();

  app.get('/services/', async (request, reply) => {
    const query = request.query as { category?: string; limit?: string; offset?: string };
    const limit = Number(query.limit ?? 20);
    const offset = Number(query.offset ?? 0);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100 || !Number.isInteger(offset) || offset < 0) return problem(reply, 400, 'bad paging');
    const statements = query.category ? LISTINGS.category : LISTINGS.all;
    const values = query.category ? [query.category] : [];
    // The public total kept 5 s per filter from the moment its count starts, as the app keeps it.
    const key = `${statements.count.text}\n${JSON.stringify(values)}`;
    let kept = totals.get(key);
    if (!kept || kept.expiresAt <= Date.now()) {
      kept = { total: rows<{ total: number }>(pool, statements.count, values).then(([row]) => row?.total ?? 0), expiresAt: Date.now() + 5_000 };
      totals.set(key, kept);
    }
    const total = await kept.total;
    const items = total > offset ? await rows<ServiceRow>(pool, statements.page(limit, offset), values) : [];
    const links: string[] = [];
    const at = (from: number) =>
      `<${env.APP_URL}/services/?${query.category ? `category=${encodeURIComponent(query.category)}&` : ''}limit=${limit}&offset=${from}>`;
    if (offset + limit < total) links.push(`${at(offset + limit)}; rel="next"`);
    if (offset > 0) links.push(`${at(Math.max(0, offset - limit))}; rel="prev"`);
    void reply.header('x-total-count', String(total));
    if (links.length) void reply.header('link', links.join(', '));
    return items.map(serviceResponse);
  });

  app.get('/services/:id', async (request, reply) => {
    const { id } = request.params as { id: string };
    if (!UUID.test(id)) return problem(reply, 400, 'id must be a UUID');
    const [row] = await rows<ServiceRow>(pool, SERVICE_BY_ID, [id]);
    if (!row || row.status !== 'ACTIVE' || row.deleted_at || !row.provider_active) return problem(reply, 404, 'Service not found');
    return serviceResponse(row);
  });
}
