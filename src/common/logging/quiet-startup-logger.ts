import type { LoggerService } from '@nestjs/common';

/**
 * Nest's own start-up chatter: one line per module initialised and per route mapped (about seventy lines
 * before the first request). Useful when debugging the wiring, noise otherwise: logged at `debug`.
 */
const STARTUP_CONTEXTS = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication']);

/** The app's logger, with Nest's start-up lines moved down to `debug` (LOG_LEVEL=debug shows them again). */
export class QuietStartupLogger implements LoggerService {
  constructor(private readonly logger: LoggerService & { debug(message: unknown, ...params: unknown[]): void }) {}

  log(message: unknown, ...params: unknown[]): void {
    const context = params.at(-1);
    if (typeof context === 'string' && STARTUP_CONTEXTS.has(context)) this.logger.debug(message, ...params);
    else this.logger.log(message, ...params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.logger.error(message, ...params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.logger.warn(message, ...params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.logger.debug(message, ...params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.logger.verbose?.(message, ...params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    (this.logger.fatal ?? this.logger.error).call(this.logger, message, ...params);
  }
}
