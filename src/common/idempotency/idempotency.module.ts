import { Global, Module } from '@nestjs/common';
import { IdempotencyKeyPruner } from './idempotency-key-pruner';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IdempotencyRepository } from './idempotency.repository';

@Global()
@Module({
  providers: [IdempotencyRepository, IdempotencyInterceptor, IdempotencyKeyPruner],
  exports: [IdempotencyRepository, IdempotencyInterceptor],
})
export class IdempotencyModule {}
