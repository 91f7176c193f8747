import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '../common/decorators/public.decorator';
import { ApiProblems, platformProblem } from '../common/openapi/problem.response';
import { JobEngineHealthIndicator } from '../jobs/job-engine.health';
import { RedisHealthIndicator } from './redis.health';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly jobs: JobEngineHealthIndicator,
  ) {}

  @Get()
  @ApiOperation({ operationId: 'checkLiveness', summary: 'Liveness: the process answers' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  // Above @HealthCheck(), whose own 503 it replaces: the filter answers a failed check as a problem document.
  @ApiProblems(platformProblem(503, 'SERVICE_UNAVAILABLE', 'Not ready: redis unavailable.'))
  @HealthCheck()
  @ApiOperation({
    operationId: 'checkReadiness',
    summary:
      'Readiness: the database and the job engine answer (503 when one does not, and while the instance shuts down); a configured Redis that does not answer makes the status `degraded`, still 200',
  })
  ready(): Promise<HealthCheckResult> {
    const database = () => this.database.pingCheck('database').withTimeout(1500);
    const jobs = () => this.jobs.check('jobs');
    return this.health.check(this.redis.configured ? [database, jobs, () => this.redis.ping('redis')] : [database, jobs]);
  }
}
