import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { MAX_DETAIL_LENGTH, MAX_FIELD_ERRORS, MAX_FIELD_LENGTH, MAX_FIELD_MESSAGE_LENGTH, PROBLEM_CONTENT_TYPE } from '../errors/problem';

export class FieldErrorResponse {
  @ApiProperty({ example: 'profile.firstName', maxLength: MAX_FIELD_LENGTH, description: 'Dotted path of the field (long names are cut)' }) field: string;
  @ApiProperty({ example: 'firstName should not be empty', maxLength: MAX_FIELD_MESSAGE_LENGTH }) message: string;
}

/** RFC 9457 problem details, as every error of this API is answered (see `Problem`). */
export class ProblemResponse {
  @ApiProperty({ example: '/problems/validation-failed', format: 'uri-reference', maxLength: 100 }) type: string;
  @ApiProperty({ example: 'Bad Request', maxLength: 100 }) title: string;
  @ApiProperty({ example: 400, type: 'integer', format: 'int32', minimum: 400, maximum: 599 }) status: number;
  @ApiProperty({ example: 'The request has invalid fields.', maxLength: MAX_DETAIL_LENGTH }) detail: string;
  @ApiProperty({ example: 'VALIDATION_FAILED', pattern: '^[A-Z][A-Z0-9_]*$', maxLength: 64, description: 'Stable machine-readable code' }) code: string;
  @ApiProperty({ example: '6f1c2d3e-4b5a-4c6d-8e7f-8091a2b3c4d5', pattern: '^[A-Za-z0-9._:-]{1,128}$', maxLength: 128, description: 'Also in X-Request-Id' })
  requestId: string;
  @ApiPropertyOptional({ type: [FieldErrorResponse], maxItems: MAX_FIELD_ERRORS, description: 'The invalid fields (validation failures only; the first 100)' })
  errors?: FieldErrorResponse[];
}

export const PROBLEM_MEDIA_TYPE = PROBLEM_CONTENT_TYPE.split(';')[0];

/** The `application/problem+json` content of an error response. */
export const problemContent = () => ({ [PROBLEM_MEDIA_TYPE]: { schema: { $ref: getSchemaPath(ProblemResponse) } } });

/** Documents an error answer of a route as a problem document. */
export const ApiProblemResponse = (status: number, description: string) =>
  applyDecorators(ApiExtraModels(ProblemResponse), ApiResponse({ status, description, content: problemContent() }));
