import { STATUS_CODES } from 'node:http';
import { FieldError } from './domain.error';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';
/**
 * Some messages quote the request (Nest's "Cannot GET /..." names the URL, unknown fields are named back):
 * a problem stays small whatever was sent.
 */
export const MAX_DETAIL_LENGTH = 1000;
export const MAX_FIELD_ERRORS = 100;
export const MAX_FIELD_LENGTH = 200;
export const MAX_FIELD_MESSAGE_LENGTH = 500;

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** RFC 9457 problem details, as every error of this API is answered. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  requestId: string;
  errors?: FieldError[];
}

const CODE_BY_STATUS: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  402: 'PAYMENT_REQUIRED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE_ENTITY',
  429: 'RATE_LIMITED',
  431: 'HEADERS_TOO_LARGE',
  500: 'INTERNAL_ERROR',
  503: 'SERVICE_UNAVAILABLE',
};

export function defaultCode(status: number): string {
  return CODE_BY_STATUS[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST');
}

export function buildProblem(input: { status: number; detail: string; requestId: string; code?: string; errors?: FieldError[] }): Problem {
  const code = input.code ?? defaultCode(input.status);
  const problem: Problem = {
    type: `/problems/${code.toLowerCase().replace(/_/g, '-')}`,
    title: STATUS_CODES[input.status] ?? 'Error',
    status: input.status,
    detail: clip(input.detail, MAX_DETAIL_LENGTH),
    code,
    requestId: input.requestId,
  };
  if (input.errors?.length) {
    problem.errors = input.errors
      .slice(0, MAX_FIELD_ERRORS)
      .map(({ field, message }) => ({ field: clip(field, MAX_FIELD_LENGTH), message: clip(message, MAX_FIELD_MESSAGE_LENGTH) }));
  }
  return problem;
}
