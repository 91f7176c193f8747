import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AppConfig } from '../config/app.config';
import { PolicyClock } from './booking-policy';

/** The booking policy's view of now, with the configured time limits (the table itself stays free of configuration). */
@Injectable()
export class BookingPolicyClock {
  private readonly rescheduleMinNoticeHours: number;

  constructor(config: ConfigService<AppConfig, true>) {
    this.rescheduleMinNoticeHours = config.get('bookings', { infer: true }).rescheduleMinNoticeHours;
  }

  now(now = new Date()): PolicyClock {
    return { now, rescheduleMinNoticeHours: this.rescheduleMinNoticeHours };
  }
}
