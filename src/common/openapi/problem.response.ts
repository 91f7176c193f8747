import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiResponse, DECORATORS, ExampleObject, getSchemaPath, ResponseObject } from '@nestjs/swagger';
import { STATUS_CODES } from 'node:http';
import { DomainError } from '../errors/domain.error';
import {
  buildProblem,
  MAX_DETAIL_LENGTH,
  MAX_FIELD_ERRORS,
  MAX_FIELD_LENGTH,
  MAX_FIELD_MESSAGE_LENGTH,
  Problem,
  PROBLEM_CONTENT_TYPE,
} from '../errors/problem';

export class FieldErrorResponse {
  @ApiProperty({ example: 'payment.amount', maxLength: MAX_FIELD_LENGTH, description: 'Dotted path of the field (long names are cut)' }) field: string;
  @ApiProperty({ example: 'payment.amount must be a number with at most 2 decimals', maxLength: MAX_FIELD_MESSAGE_LENGTH }) message: string;
}

/** RFC 9457 problem details, as every error of this API is answered (see `Problem`). */
export class ProblemResponse {
  @ApiProperty({ example: '/problems/not-found', format: 'uri-reference', maxLength: 100 }) type: string;
  @ApiProperty({ example: 'Not Found', maxLength: 100 }) title: string;
  @ApiProperty({ example: 404, type: 'integer', format: 'int32', minimum: 400, maximum: 599 }) status: number;
  @ApiProperty({ example: 'Booking not found.', maxLength: MAX_DETAIL_LENGTH }) detail: string;
  @ApiProperty({ example: 'NOT_FOUND', pattern: '^[A-Z][A-Z0-9_]*$', maxLength: 64, description: 'Stable machine-readable code' }) code: string;
  @ApiProperty({ example: '6f1c2d3e-4b5a-4c6d-8e7f-8091a2b3c4d5', pattern: '^[A-Za-z0-9._:-]{1,128}$', maxLength: 128, description: 'Also in X-Request-Id' })
  requestId: string;
  @ApiPropertyOptional({ type: [FieldErrorResponse], maxItems: MAX_FIELD_ERRORS, description: 'The invalid fields (validation failures only; the first 100)' })
  errors?: FieldErrorResponse[];
}

export const PROBLEM_MEDIA_TYPE = PROBLEM_CONTENT_TYPE.split(';')[0];

/**
 * A problem an operation answers, as the app builds it: a domain error as services throw it
 * (`new SlotTakenError()`), or the status, code and detail of one the platform answers (a rate limit).
 */
export type ProblemSource = Pick<DomainError, 'status' | 'code' | 'message'> & Partial<Pick<DomainError, 'errors'>>;

const EXAMPLE_REQUEST_ID = '6f1c2d3e-4b5a-4c6d-8e7f-8091a2b3c4d5';

/** The problem document the app answers for `source`, as the problem filter builds it. */
export const problemExample = (source: ProblemSource): Problem =>
  buildProblem({ status: source.status, code: source.code, detail: source.message, errors: source.errors, requestId: EXAMPLE_REQUEST_ID });

/** A problem the platform answers (no domain error class throws it): `platformProblem(429, 'RATE_LIMITED', '...')`. */
export const platformProblem = (status: number, code: string, message: string, errors?: ProblemSource['errors']): ProblemSource => ({
  status,
  code,
  message,
  errors,
});

/**
 * The response of one error status: problem documents whose `code` is one of `problems`' codes (an enum a
 * client can switch on), each with its own example, and a description that lists them.
 */
export function problemResponse(problems: Problem[]): ResponseObject {
  const byCode = new Map<string, Problem>();
  for (const problem of problems) if (!byCode.has(problem.code)) byCode.set(problem.code, problem);
  const codes = [...byCode.keys()];
  const status = problems[0].status;
  const examples: Record<string, ExampleObject> = {};
  for (const [code, problem] of byCode)
    examples[code] = { summary: problem.detail.length > 80 ? `${code}: ${problem.detail.slice(0, 77)}...` : `${code}: ${problem.detail}`, value: problem };
  return {
    description: `${STATUS_CODES[status] ?? 'Error'}: ${codes.map((code) => `\`${code}\``).join(', ')}`,
    content: {
      [PROBLEM_MEDIA_TYPE]: {
        schema: {
          allOf: [
            { $ref: getSchemaPath(ProblemResponse) },
            {
              type: 'object',
              properties: {
                status: { type: 'integer', format: 'int32', minimum: status, maximum: status, enum: [status] },
                code: { type: 'string', maxLength: 64, enum: codes },
              },
            },
          ],
        },
        examples,
      },
    },
  };
}

/** The problems a response documents already (its examples), so that more can be added to them. */
export function documentedProblems(response: ResponseObject | undefined): Problem[] {
  const examples = response?.content?.[PROBLEM_MEDIA_TYPE]?.examples ?? {};
  return Object.values(examples).flatMap((example) => ('value' in example && example.value ? [example.value as Problem] : []));
}

/** The problems documented on a handler so far, by status: several `@ApiProblems` (and `@Roles`, `@RateLimit`) add up. */
const PROBLEMS_KEY = 'openapi:problems';

/**
 * Documents the errors an operation answers, from the errors themselves: `@ApiProblems(new SlotTakenError(),
 * new NotFoundError('Service'))`. Each status gets one response listing its codes as an enum, with an
 * example per code, as the problem filter would answer it. Applied more than once, the problems add up
 * (on a class: for its operations that do not document that status themselves).
 */
export const ApiProblems = (...sources: ProblemSource[]) =>
  ((target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const holder = (descriptor ? descriptor.value : target) as object;
    const all: Problem[] = [...((Reflect.getMetadata(PROBLEMS_KEY, holder) as Problem[] | undefined) ?? []), ...sources.map(problemExample)];
    Reflect.defineMetadata(PROBLEMS_KEY, all, holder);
    const statuses = [...new Set(sources.map((source) => source.status))];
    // ApiResponse would append to the description of a status documented already: start those afresh.
    const responses = { ...((Reflect.getMetadata(DECORATORS.API_RESPONSE, holder) as Record<string, unknown> | undefined) ?? {}) };
    for (const status of statuses) delete responses[status];
    Reflect.defineMetadata(DECORATORS.API_RESPONSE, responses, holder);
    const decorators = statuses.map((status) => {
      const { description, content } = problemResponse(all.filter((problem) => problem.status === status));
      return ApiResponse({ status, description, content });
    });
    applyDecorators(ApiExtraModels(ProblemResponse), ...decorators)(target, key as string | symbol, descriptor as PropertyDescriptor);
  }) as ClassDecorator & MethodDecorator;
