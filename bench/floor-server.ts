/**
 * The floor: what scenarios 1, 2 and 4 cost with nothing between HTTP and PostgreSQL but bare Fastify and
 * `pg` (no Nest, no ORM, no validation library, no logging). It issues the same SQL statements as the app, in
 * the same order and transactions (the bench checks this on the wire), reuses the app's pure domain functions
 * (availability check, notification texts, SSE frames) so that the domain work is the same, does the same
 * after-commit work (Redis publishes and e-mail files from the outbox) and sends the same response headers
 * (helmet's policy is about 700 bytes of a 1.6 KB answer by id: the client parses them too).
 *
 * Environment: FLOOR_PORT, DATABASE_URL, REDIS_URL (optional), JWT_SECRET_KEY, EMAIL_OUTPUT_DIR.
 * The pieces, in bench/floor/: the statements (sql.ts), the rows it reads (rows.ts), authentication (auth.ts),
 * the notification outbox (notifications.ts) and e-mail sender (mail.ts), and the routes (*.routes.ts).
 */
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { securityHeaders } from '../src/common/http/security-headers';
import { registerBookingRoutes } from './floor/booking.routes';
import { registerCatalogRoutes } from './floor/catalog.routes';
import { env, pool, redis } from './floor/context';
import { boss } from './floor/jobs';
import { startMailWorkers } from './floor/mail';

const app = Fastify({ routerOptions: { ignoreTrailingSlash: true } });
// The app's response headers (a request id, helmet's policy), so that both send the same bytes.
const security = securityHeaders();
app.addHook('onRequest', (_request, reply, done) => {
  void reply.header('x-request-id', randomUUID()).headers(security);
  done();
});

app.get('/health', () => ({ status: 'ok' }));
registerCatalogRoutes(app);
registerBookingRoutes(app);

startMailWorkers()
  .then(() => app.listen({ port: Number(env.FLOOR_PORT), host: '127.0.0.1' }))
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
process.once('SIGTERM', () => {
  void app.close().then(async () => {
    await boss.stop({ graceful: true, timeout: 10_000 });
    await pool.end();
    redis?.disconnect();
    process.exit(0);
  });
});
