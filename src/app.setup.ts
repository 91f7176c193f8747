import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger, Params, PARAMS_PROVIDER_TOKEN } from 'nestjs-pino';
import { AppModule, AppModuleOptions } from './app.module';
import { createFastifyAdapter } from './common/http/fastify-adapter';
import { registerJsonBodyParser } from './common/http/json-body';
import { corsOptions, registerResponseHeaders } from './common/http/response-headers';
import { QuietStartupLogger } from './common/logging/quiet-startup-logger';
import { registerRequestLogging } from './common/logging/request-logging';
import { setUpDocs } from './common/openapi/docs';
import { registerPagination } from './common/pagination/paginated';
import { validationPipe } from './common/validation/validation.pipe';
import { buildAppConfig } from './config/app.config';

/**
 * Builds the application exactly as it serves: main.ts and the e2e tests both call this, so tests
 * exercise the same platform, parsers, security headers, pipes, filters and docs.
 */
export async function createApp(options: AppModuleOptions): Promise<NestFastifyApplication> {
  const { http } = buildAppConfig(options.env);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(options), createFastifyAdapter(http), { bufferLogs: true });
  app.useLogger(new QuietStartupLogger(app.get(Logger)));
  app.flushLogs();

  const fastify = app.getHttpAdapter().getInstance();
  registerJsonBodyParser(app, http.bodyLimitBytes);
  registerResponseHeaders(fastify);
  registerRequestLogging(fastify, app.get<Params>(PARAMS_PROVIDER_TOKEN));
  registerPagination(fastify, http.appUrl);
  app.enableCors(corsOptions(http));
  app.useGlobalPipes(validationPipe);
  // Off in production unless API_DOCS_ENABLED=true: the routes are then not registered at all (404).
  if (http.apiDocsEnabled) setUpDocs(app);
  return app;
}
