import { ApiProperty } from '@nestjs/swagger';

export class JobQueueResponse {
  @ApiProperty({ example: 'email.send', maxLength: 100 })
  name: string;

  @ApiProperty({ description: 'Waiting to run: new, or failed and due for another attempt', minimum: 0, format: 'int32' })
  queued: number;

  @ApiProperty({ description: 'Running now on some instance', minimum: 0, format: 'int32' })
  active: number;

  @ApiProperty({ description: 'Done (kept for a day)', minimum: 0, format: 'int32' })
  completed: number;

  @ApiProperty({ description: 'Out of attempts (kept for a week); `POST /admin/jobs/{queue}/retry` runs them again', minimum: 0, format: 'int32' })
  failed: number;

  @ApiProperty({ description: 'Jobs in this queue’s dead-letter queue', minimum: 0, format: 'int32' })
  deadLettered: number;
}

export class JobQueuesResponse {
  @ApiProperty({ type: [JobQueueResponse], maxItems: 100 })
  queues: JobQueueResponse[];
}

export class JobRetryResponse {
  @ApiProperty({ example: 'email.send', maxLength: 100 })
  queue: string;

  @ApiProperty({ description: 'Failed jobs put back to run again', minimum: 0, format: 'int32' })
  retried: number;
}
