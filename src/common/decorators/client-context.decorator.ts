import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/** Who is calling, as far as the transport tells: recorded with sessions, audit entries and security events. */
export interface ClientContext {
  /** The client address (after TRUST_PROXY). */
  ip: string;
  /** The request id, also in the request line and in every problem body. */
  requestId: string;
  userAgent: string | null;
}

export function clientContextOf(request: FastifyRequest): ClientContext {
  const userAgent = request.headers['user-agent'];
  return { ip: request.ip, requestId: String(request.id), userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 500) : null };
}

/** `@Client() client: ClientContext` in a controller: the caller's address, request id and user agent. */
export const Client = createParamDecorator((_: unknown, context: ExecutionContext): ClientContext => {
  return clientContextOf(context.switchToHttp().getRequest<FastifyRequest>());
});
