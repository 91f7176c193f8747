import { readFileSync } from 'node:fs';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createOpenApiDocument } from './openapi-document';

export const REDOC_SCRIPT_PATH = '/redoc/redoc.standalone.js';

/** ReDoc's self-contained browser bundle, from the `redoc` package: the page works offline and behind strict egress. */
const redocScript = () => readFileSync(require.resolve('redoc/bundles/redoc.standalone.js'));

const REDOC_PAGE = `<!DOCTYPE html><html><head><title>Service Marketplace API - ReDoc</title><meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><redoc spec-url="/docs-json"></redoc><script src="${REDOC_SCRIPT_PATH}"></script></body></html>`;

/**
 * Everything from this origin. ReDoc styles itself with inline <style> elements and runs its search in a
 * blob: worker; it loads no fonts or images from elsewhere.
 */
const REDOC_CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; font-src 'self'; img-src 'self' data:; worker-src 'self' blob:";

/** Swagger UI at /docs, ReDoc at /redoc, the document at /docs-json and /docs-yaml: all served by this app. */
export function setUpDocs(app: NestFastifyApplication): void {
  const document = createOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    yamlDocumentUrl: 'docs-yaml',
    swaggerOptions: { persistAuthorization: true },
  });
  const script = redocScript();
  const fastify = app.getHttpAdapter().getInstance();
  fastify.get('/redoc', (_request: FastifyRequest, reply: FastifyReply) => {
    void reply.header('content-type', 'text/html; charset=utf-8').header('content-security-policy', REDOC_CSP).send(REDOC_PAGE);
  });
  fastify.get(REDOC_SCRIPT_PATH, (_request: FastifyRequest, reply: FastifyReply) => {
    void reply.header('content-type', 'text/javascript; charset=utf-8').header('cache-control', 'public, max-age=86400').send(script);
  });
}
