import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AppConfig } from '../../config/app.config';
import { BookableTime } from './bookable-time';

/** Provides `BookableTime` with the configured rules, to the catalog, slots, booking and rescheduling. */
@Module({
  providers: [
    {
      provide: BookableTime,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>) => new BookableTime(config.get('bookableTime', { infer: true })),
    },
  ],
  exports: [BookableTime],
})
export class BookableTimeModule {}
