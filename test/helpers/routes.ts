import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { HTTPMethods } from 'fastify';

export interface ServedRoute {
  /** `METHOD /path` in Fastify's syntax, e.g. `GET /users/:id`. */
  name: string;
  method: HTTPMethods;
  path: string;
}

const TREE_LINE = /^((?:│ {3}| {4})*)(?:├── |└── )(.*?)(?: \(([A-Z, ]+)\))?$/;

/**
 * Every route Fastify serves, read from its router (not from Nest's metadata), so a route added any way at
 * all (a controller, a plugin, `fastify.get`) shows up. HEAD routes Fastify adds beside each GET are left
 * out: they run the GET's handler and guards. Each route found is checked against `hasRoute`, so a change
 * in the printed tree's format fails loudly instead of hiding routes.
 */
export function servedRoutes(app: NestFastifyApplication): ServedRoute[] {
  const fastify = app.getHttpAdapter().getInstance();
  const found: ServedRoute[] = [];
  const pathAtDepth: string[] = [];
  for (const line of fastify.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = TREE_LINE.exec(line);
    if (!match) continue;
    const depth = match[1].length / 4;
    const parent = depth ? pathAtDepth[depth - 1] : '';
    // The tree prints a wildcard without the slash before it (`/docs` > `*` is `/docs/*`).
    const path = parent + (match[2] === '*' && !parent.endsWith('/') ? '/*' : match[2]);
    pathAtDepth.length = depth;
    pathAtDepth.push(path);
    for (const method of match[3]?.split(', ') ?? []) found.push({ name: `${method} ${path}`, method, path });
  }
  const unserved = found.filter((route) => !fastify.hasRoute({ method: route.method, url: route.path }));
  if (unserved.length || !found.length) {
    throw new Error(`Could not read the router's routes (${found.length} found, not served: ${unserved.map((route) => route.name).join(', ')})`);
  }
  const names = new Set(found.map((route) => route.name));
  return found
    .filter((route) => !(route.method === 'HEAD' && names.has(`GET ${route.path}`)))
    .sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}
