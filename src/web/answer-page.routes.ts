import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { EngineDeps } from '../engine/workflow.engine.ts';
import { InvalidInputError } from '../errors/domain.errors.ts';
import { httpStatusOf } from '../http/problem.ts';
import { deriveCsrfToken, verifyCsrfToken } from '../links/link.service.ts';
import { answerOptionsOf, recordAnswer, type FormFields } from '../responses/response.service.ts';
import { LinkProblem, openResponseLink } from '../links/link.verify.ts';
import { renderAnswerForm, renderThanksPage } from './answer.pages.ts';
import { renderErrorPage, renderFormRejectedPage, renderInvalidInputPage } from './error.pages.ts';
import { formFieldLabel, parseFormBody, refuseDamagedFields } from './form-body.ts';
import { SECURITY_HEADERS, sendHtml } from './layout.ts';
import { createLinkPageKit, FORM_TYPE, LINK_ROUTE_OPTIONS } from './link-page.kit.ts';
import { createPilotPageHandler } from './pilot-page.handler.ts';
import { sendTicketListPage, ticketPageRoutes } from './ticket-page.routes.ts';

/**
 * The pages behind the signed links in the authorities' mails. Public on purpose:
 * the token in the URL is the authorisation, and it can do one thing only. Every
 * answer is HTML, never problem+json: the reader is a person in a browser.
 */

export interface ResponseRoutesOptions {
  db: Kysely<Database>;
  engine: EngineDeps;
  /** The service's public URL (as in the mails); a POST from this origin is accepted behind a proxy. */
  publicBaseUrl?: string;
  now?: () => Date;
  /** Validity of a ticket link issued with a problem report (default 120 days, as LINK_TTL_DAYS). */
  ticketLinkTtlDays?: number;
}

const DEFAULT_PUBLIC_BASE_URL = 'http://127.0.0.1:3000';

const FORM_BODY_LIMIT = 64 * 1024;

interface TokenParams {
  token: string;
}

/** `/params/token` → „Adresse der Seite“: what the input guard refuses before a route (a form's fields never get there, see form-body.ts). */
function fieldLabel(pointer: string): string {
  const match = /^\/body\/([^/]+)/.exec(pointer);
  if (!match) return pointer.startsWith('/params') || pointer.startsWith('/querystring') ? 'Adresse der Seite' : pointer;
  return formFieldLabel(match[1]!);
}

export const responseRoutes: FastifyPluginAsync<ResponseRoutesOptions> = async (app, options) => {
  const { db, engine } = options;
  const now = options.now ?? engine.now;
  const kit = createLinkPageKit({ db, publicBaseUrl: options.publicBaseUrl, now });
  const { linkSecret, isCrossSite } = kit;

  app.addContentTypeParser(FORM_TYPE, { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT }, (_request, body, done) => {
    try {
      done(null, parseFormBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  app.addHook('onSend', async (_request, reply, payload) => {
    reply.headers(SECURITY_HEADERS);
    return payload;
  });

  app.setErrorHandler((error: { statusCode?: number; retryAfterSeconds?: number }, request, reply) => {
    // NUL bytes or broken Unicode in the page's address, refused by the input guard (app.ts) before any route
    if (error instanceof InvalidInputError) {
      return sendHtml(reply, 422, renderInvalidInputPage([...new Set(error.errors.map((e) => fieldLabel(e.field)))]));
    }
    const found = httpStatusOf(error);
    const status = found >= 400 && found < 500 ? found : 500;
    if (status >= 500) request.log.error({ err: error }, 'Antwortseite: unerwarteter Fehler');
    // 429 from the rate limit (app.ts): the page says how long to wait, as Retry-After does.
    return sendHtml(reply, status, renderErrorPage(status, error.retryAfterSeconds));
  });

  const sendLinkProblem = (reply: FastifyReply, problem: LinkProblem, token: string) => kit.sendLinkProblem(reply, problem, token, 0);

  // The form posts to its own URL: relative, so it works behind a path prefix too.
  const actionOf = (token: string) => token;
  const routeOptions = LINK_ROUTE_OPTIONS;

  await app.register(ticketPageRoutes, {
    kit,
    engine,
    now,
    publicBaseUrl: options.publicBaseUrl ?? DEFAULT_PUBLIC_BASE_URL,
    ...(options.ticketLinkTtlDays ? { ticketLinkTtlDays: options.ticketLinkTtlDays } : {}),
  });

  const answerPilotPage = createPilotPageHandler({ db, engine, now, kit });

  app.get<{ Params: TokenParams }>('/antwort/:token', routeOptions, async (request, reply) => {
    const { token } = request.params;
    try {
      const link = await openResponseLink(db, token, now());
      const csrf = deriveCsrfToken(await linkSecret(), link.token_hash);
      if (link.purpose === 'pilotbetrieb') return await answerPilotPage(reply, link, token, csrf);
      if (link.purpose === 'ticket') return await sendTicketListPage(reply, kit, engine, link, token);
      const { options } = await answerOptionsOf(db, link);
      const ctx = await kit.contextFor(link, token, 0);
      return sendHtml(reply, 200, renderAnswerForm(ctx, { action: actionOf(token), csrf, options }));
    } catch (error) {
      if (error instanceof LinkProblem) return sendLinkProblem(reply, error, token);
      throw error;
    }
  });

  app.post<{ Params: TokenParams; Body: FormFields }>('/antwort/:token', routeOptions, async (request, reply) => {
    const { token } = request.params;
    if (isCrossSite(request)) return sendHtml(reply, 403, renderFormRejectedPage());
    if (!kit.isForm(request)) return sendHtml(reply, 415, renderErrorPage(415));
    const fields = request.body ?? {};
    try {
      const link = await openResponseLink(db, token, now());
      const key = await linkSecret();
      if (!verifyCsrfToken(key, link.token_hash, fields.csrf)) return sendHtml(reply, 403, renderFormRejectedPage());
      if (link.purpose === 'pilotbetrieb') return await answerPilotPage(reply, link, token, deriveCsrfToken(key, link.token_hash), fields);
      // the ticket link's own page has no form; its forms are on the ticket pages
      if (link.purpose === 'ticket') return sendHtml(reply, 405, renderErrorPage(405));
      try {
        refuseDamagedFields(fields);
        const { link: used, recorded } = await recordAnswer({ db, engine, now }, { token, answer: fields });
        return sendHtml(reply, 200, renderThanksPage(await kit.contextFor(used, token, 0), recorded));
      } catch (error) {
        if (!(error instanceof InvalidInputError)) throw error;
        const { options } = await answerOptionsOf(db, link);
        const ctx = await kit.contextFor(link, token, 0);
        const csrf = deriveCsrfToken(key, link.token_hash);
        return sendHtml(reply, 422, renderAnswerForm(ctx, { action: actionOf(token), csrf, values: fields, errors: error.errors, options }));
      }
    } catch (error) {
      if (error instanceof LinkProblem) return sendLinkProblem(reply, error, token);
      throw error;
    }
  });
};
