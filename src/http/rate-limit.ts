import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, preHandlerAsyncHookHandler } from 'fastify';
import { ProblemError } from './problem.ts';

/** Requests per minute and client (IP address; IPv6 by /64); 0: no limit. */
export interface RateLimits {
  apiPerMinute: number;
  answerPagesPerMinute: number;
}

const WINDOW_MS = 60_000;

/** The error a limiter throws; the answer pages render it as their HTML error page. */
export class TooManyRequestsError extends Error {
  readonly statusCode = 429;
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number) {
    super('Zu viele Anfragen');
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * Registers @fastify/rate-limit without a global limit and returns one limiter (an
 * onRequest hook, so a flood is turned away before any token lookup or database work)
 * for the API and one for the answer pages, each with its own count per client. The
 * plugin sets Retry-After; the thrown error is rendered by the error handler of the
 * route it hit: problem+json on the API, a German page on /antwort/*.
 */
export async function createRateLimiters(
  app: FastifyInstance,
  limits: RateLimits,
): Promise<{ api: preHandlerAsyncHookHandler | null; answerPages: preHandlerAsyncHookHandler | null }> {
  await app.register(rateLimit, { global: false });
  const limiter = (max: number, build: (retryAfterSeconds: number, max: number) => Error) =>
    max > 0
      ? app.rateLimit({ max, timeWindow: WINDOW_MS, errorResponseBuilder: (_request, context) => build(Math.ceil(context.ttl / 1000), context.max) })
      : null;
  return {
    api: limiter(
      limits.apiPerMinute,
      (retryAfterSeconds, max) =>
        new ProblemError(429, 'Zu viele Anfragen', `Mehr als ${max} Anfragen je Minute von diesem Client; wieder möglich in ${retryAfterSeconds} s.`, {
          retryAfterSeconds,
        }),
    ),
    answerPages: limiter(limits.answerPagesPerMinute, (retryAfterSeconds) => new TooManyRequestsError(retryAfterSeconds)),
  };
}
