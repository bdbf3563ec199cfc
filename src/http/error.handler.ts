import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ProblemError, type FieldError } from './problem.ts';

const PROBLEM_TYPE = 'application/problem+json';

function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  title: string,
  detail: string,
  extensions: Record<string, unknown> = {},
) {
  return reply
    .code(status)
    .type(PROBLEM_TYPE)
    .send({ type: 'about:blank', title, status, detail, instance: request.url, requestId: request.id, ...extensions });
}

/** Fastify's schema validation errors as field errors: `/body/title`, `/querystring/limit` … */
function fieldErrorsOf(error: FastifyError): FieldError[] {
  const context = (error as { validationContext?: string }).validationContext ?? 'body';
  return (error.validation ?? []).map((issue) => {
    const missing = (issue.params as { missingProperty?: string } | undefined)?.missingProperty;
    const additional = (issue.params as { additionalProperty?: string } | undefined)?.additionalProperty;
    const path = issue.instancePath + (missing ? `/${missing}` : additional ? `/${additional}` : '');
    return { field: `/${context}${path}`, message: issue.message ?? 'ungültig' };
  });
}

/** The one error handler: every error becomes application/problem+json; 5xx reveal nothing internal. */
export function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof ProblemError) {
    if (error.status >= 500) request.log.error({ err: error }, 'Serverfehler');
    return sendProblem(request, reply, error.status, error.title, error.detail, error.extensions);
  }
  if (error.validation) {
    const errors = fieldErrorsOf(error);
    return sendProblem(request, reply, 422, 'Ungültige Eingabe', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return sendProblem(request, reply, status, 'Ungültige Anfrage', error.message);
  }
  request.log.error({ err: error }, 'Unerwarteter Fehler');
  return sendProblem(request, reply, 500, 'Interner Fehler', 'Die Anfrage konnte nicht bearbeitet werden. Bitte die requestId angeben.');
}

export function handleNotFound(request: FastifyRequest, reply: FastifyReply) {
  return sendProblem(request, reply, 404, 'Nicht gefunden', `Keine Route für ${request.method} ${request.url.split('?')[0]}`);
}
