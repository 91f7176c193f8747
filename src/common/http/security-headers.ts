import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';

/**
 * Helmet's headers, worked out once. They depend on nothing in the request (no nonces), so every response
 * gets a copy through Fastify's own headers: running the middleware per request set each of them on the raw
 * response, validated one by one (about a seventh of the CPU of a read by id).
 */
export function securityHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const collector = {
    setHeader: (name: string, value: string) => void (headers[name.toLowerCase()] = value),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'https:'],
        workerSrc: ["'self'", 'blob:'],
        // Helmet's default would make browsers fetch /docs' scripts and styles over https whenever the
        // page is served over plain http by any host but localhost (a container, a LAN address): a blank page.
        // TLS, where there is any, ends at the proxy in front, which can add it.
        upgradeInsecureRequests: null,
      },
    },
  })({} as IncomingMessage, collector as unknown as ServerResponse, () => undefined);
  return headers;
}
