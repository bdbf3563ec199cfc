import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/** Routes a load balancer or monitoring calls every few seconds. */
const PROBE_ROUTES = new Set(['/health']);

const isProbe = (request: FastifyRequest) => PROBE_ROUTES.has(request.routeOptions.url ?? '');

/**
 * Fastify's request log ("incoming request", "request completed" at info), except for
 * readiness probes: a probe every 10 s would write two INFO lines each, 17,000 a day,
 * burying what matters. Their lines go to debug; a probe that fails (503) is still
 * logged at info, and the route itself logs the cause as an error.
 */
export class RequestLogController extends LogController {
  override incomingRequest(request: FastifyRequest, reply: FastifyReply, metadata?: Record<string, unknown>): void {
    if (!isProbe(request)) return super.incomingRequest(request, reply, metadata);
    if (!this.isLogDisabled(request)) request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply, metadata?: Record<string, unknown>): void {
    if (error || !isProbe(request) || reply.statusCode >= 400) return super.requestCompleted(error, request, reply, metadata);
    if (!this.isLogDisabled(request)) reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}
