import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { AppConfig } from '../../config/app.config';
import { answerClientError, answerFrameworkError } from './client-errors';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The Fastify server: body limit, proxies, routing, errors before any hook, and request ids (a caller's own when well-formed). */
export function createFastifyAdapter(http: AppConfig['http']): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: http.bodyLimitBytes,
    trustProxy: http.trustProxy,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
    requestIdHeader: false,
    genReqId: (request: IncomingMessage) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
  });
}
