import { Global, Module } from '@nestjs/common';
import { UnitOfWork } from './unit-of-work';

/** The transaction runner every service writes through (see UnitOfWork). */
@Global()
@Module({
  providers: [UnitOfWork],
  exports: [UnitOfWork],
})
export class UnitOfWorkModule {}
