import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Role } from '../common/auth/role.enum';
import { Roles } from '../common/decorators/roles.decorator';
import { NotFoundError } from '../common/errors/domain.error';
import { ApiProblems } from '../common/openapi/problem.response';
import { JobQueueResponse, JobQueuesResponse, JobRetryResponse } from './dto/job-queue.response';
import { JobEngine } from './job-engine';

@ApiTags('admin')
@Roles(Role.ADMIN)
@Controller('admin/jobs')
export class JobsController {
  constructor(private readonly engine: JobEngine) {}

  @Get()
  @ApiOperation({ operationId: 'listJobQueues', summary: 'Background job queues with their counts (admin)' })
  @ApiOkResponse({ type: JobQueuesResponse })
  async list(): Promise<JobQueuesResponse> {
    const queues: JobQueueResponse[] = await this.engine.queues();
    return { queues };
  }

  @Post(':queue/retry')
  @HttpCode(200)
  @ApiOperation({ operationId: 'retryFailedJobs', summary: 'Runs a queue’s failed jobs again (admin)' })
  @ApiParam({ name: 'queue', example: 'email.send', schema: { type: 'string', maxLength: 100 } })
  @ApiOkResponse({ type: JobRetryResponse })
  @ApiProblems(new NotFoundError('Job queue'))
  async retry(@Param('queue') queue: string): Promise<JobRetryResponse> {
    return { queue, retried: await this.engine.retryFailed(queue) };
  }
}
