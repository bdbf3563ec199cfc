import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DatabaseUnavailableProblem, problemOf } from './problem.ts';
import type { FieldError } from '../errors/domain.errors.ts';
import { fieldErrorsOf, type SchemaIssue } from '../validation/field-errors.ts';

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
    .send({ type: 'about:blank', title, status, detail, requestId: request.id, ...extensions });
}

/**
 * No error body names the request's path (nor RFC 9457's `instance`): under /antwort/ the
 * path carries a link token, a credential that must not travel on in a body that a
 * client logs or shows. The requestId finds the request in the log instead. A message
 * of a library that quotes the URL loses it here.
 */
function withoutPath(text: string, request: FastifyRequest): string {
  const path = request.url.split('?', 1)[0] ?? '';
  let cleaned = text.replaceAll(request.url, '…');
  if (path) cleaned = cleaned.replaceAll(path, '…');
  return cleaned;
}

/** Fastify's schema validation errors as field errors: `/body/title`, `/querystring/limit` … */
function validationErrorsOf(error: FastifyError): FieldError[] {
  const context = (error as { validationContext?: string }).validationContext ?? 'body';
  return fieldErrorsOf((error.validation ?? []) as SchemaIssue[], `/${context}`);
}

interface KnownError {
  status: number;
  title: string;
  detail: (request: FastifyRequest) => string;
  /** The part of the request to blame, when there is one. */
  field?: string;
}

const kib = (bytes: number) => `${Math.round(bytes / 1024)} KiB`;

/**
 * Errors Fastify raises itself before a route runs (body parsing, routing), in German
 * and as problems like all others; the English originals name no field.
 */
const FRAMEWORK_ERRORS: Record<string, KnownError> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, title: 'Ungültiges JSON', detail: () => 'Der Inhalt der Anfrage ist kein gültiges JSON.', field: '/body' },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    title: 'Ungültiges JSON',
    detail: () => 'Bei Content-Type application/json darf der Inhalt nicht leer sein.',
    field: '/body',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    title: 'Anfrage zu groß',
    detail: (request) => `Der Inhalt der Anfrage ist größer als die ${kib(request.routeOptions.bodyLimit)}, die diese Funktion annimmt.`,
    field: '/body',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    title: 'Inhaltstyp nicht unterstützt',
    detail: (request) => `Content-Type „${request.headers['content-type'] ?? ''}“ nimmt diese Funktion nicht an.`,
    field: '/headers/content-type',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    title: 'Ungültige Anfrage',
    detail: () => 'Content-Length passt nicht zum Inhalt der Anfrage.',
    field: '/headers/content-length',
  },
  FST_ERR_BAD_URL: { status: 400, title: 'Ungültige Adresse', detail: () => 'Die Adresse enthält eine ungültige Prozent-Kodierung (kein UTF-8).' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, title: 'Adresse zu lang', detail: () => 'Ein Teil der Adresse ist länger als erlaubt.' },
};

/** secure-json-parse refuses `__proto__` and `constructor.prototype` with a SyntaxError. */
function isJsonSyntaxError(error: FastifyError): boolean {
  return error instanceof SyntaxError && error.statusCode === 400;
}

/** The one error handler: every error becomes application/problem+json; 5xx reveal nothing internal. */
export function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const problem = problemOf(error);
  if (problem instanceof DatabaseUnavailableProblem) {
    // Not the program's fault: a database restart shows as these, and clients try again.
    request.log.warn({ err: error }, 'Datenbank nicht erreichbar');
    reply.header('retry-after', String(problem.retryAfterSeconds));
  } else if (problem && problem.status >= 500) {
    request.log.error({ err: error }, 'Serverfehler');
  }
  if (problem) {
    return sendProblem(request, reply, problem.status, problem.title, problem.detail, problem.extensions);
  }
  if (error.validation) {
    const errors = validationErrorsOf(error);
    return sendProblem(request, reply, 422, 'Ungültige Eingabe', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });
  }
  const known = (error.code && FRAMEWORK_ERRORS[error.code]) || (isJsonSyntaxError(error) ? FRAMEWORK_ERRORS.FST_ERR_CTP_INVALID_JSON_BODY : undefined);
  if (known) {
    const detail = known.detail(request);
    return sendProblem(request, reply, known.status, known.title, detail, known.field ? { errors: [{ field: known.field, message: detail }] } : {});
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return sendProblem(request, reply, status, 'Ungültige Anfrage', withoutPath(error.message, request));
  }
  request.log.error({ err: error }, 'Unerwarteter Fehler');
  return sendProblem(request, reply, 500, 'Interner Fehler', 'Die Anfrage konnte nicht bearbeitet werden. Bitte die requestId angeben.');
}

/** Answers an unmatched request itself (the answer pages' HTML) or returns null for the problem. */
export type NotFoundFallback = (request: FastifyRequest, reply: FastifyReply) => FastifyReply | null;

/** 404 for a path no route matches; the detail names the method, never the path (see withoutPath). */
export function createNotFoundHandler(fallback?: NotFoundFallback) {
  return function handleNotFound(request: FastifyRequest, reply: FastifyReply) {
    return fallback?.(request, reply) ?? sendProblem(request, reply, 404, 'Nicht gefunden', `Unter dieser Adresse gibt es keine Funktion für ${request.method}.`);
  };
}

/** A page for people (the answer pages) instead of problem+json, with the headers it needs. */
export type HtmlErrorPage = (path: string, status: number) => { html: string; headers: Record<string, string> } | null;

/**
 * Fastify's `frameworkErrors`: a URL the router cannot even decode (bad percent-encoding,
 * a path segment beyond maxParamLength) never reaches a route or its error handler. The
 * answer pages get their HTML page, everything else the problem.
 */
export function createFrameworkErrorHandler(htmlPageFor: HtmlErrorPage) {
  return function handleFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
    const status = (error.code && FRAMEWORK_ERRORS[error.code]?.status) || 400;
    const page = htmlPageFor(request.url.split('?')[0] ?? '', status);
    if (page) return reply.code(status).headers(page.headers).type('text/html; charset=utf-8').send(page.html);
    return handleError(error, request, reply);
  };
}
