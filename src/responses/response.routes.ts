import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { ConflictProblem, ValidationProblem } from '../http/problem.ts';
import type { ResponseLink } from '../db/schema.ts';
import { renderNotAPilotPage, renderPilotPage } from '../pilots/pilot-page.render.ts';
import {
  GoLiveRefused,
  isPilotPageOpen,
  pilotChecklistOf,
  pilotStageOf,
  reportGoLiveFromPage,
  saveChecklistFromPage,
} from '../pilots/pilot-page.service.ts';
import type { EngineDeps } from '../engine/workflow.engine.ts';
import { deriveCsrfToken, getLinkSecret, verifyCsrfToken } from './response-link.service.ts';
import { LinkProblem, loadLinkContext, openResponseLink, recordAnswer, type FormFields } from './response.service.ts';
import {
  PAGE_STYLE_HASH,
  renderAlreadyAnsweredPage,
  renderAnswerForm,
  renderErrorPage,
  renderExpiredLinkPage,
  renderSupersededLinkPage,
  renderFormRejectedPage,
  renderThanksPage,
  renderUnfittingAnswerPage,
  renderUnknownLinkPage,
} from './response.pages.ts';

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
}

const FORM_TYPE = 'application/x-www-form-urlencoded';
const FORM_BODY_LIMIT = 64 * 1024;

/** Also sent with the pages for requests the router could not decode (src/app.ts). */
export const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  // The token is in the URL: it must not travel on in a Referer header to another
  // site. Not no-referrer: under that policy a browser posts the form with
  // `Origin: null`, and the Origin check could not tell it from a forged one.
  'referrer-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': `default-src 'none'; style-src ${PAGE_STYLE_HASH}; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
};

/** Repeated keys (checkboxes) become arrays. */
export function parseFormBody(body: string): FormFields {
  const fields: FormFields = Object.create(null);
  for (const [key, value] of new URLSearchParams(body)) {
    const existing = fields[key];
    fields[key] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return fields;
}

/** Request logs without the token: it is a credential. */
const redactedRequest = (request: FastifyRequest) => ({
  method: request.method,
  url: '/antwort/[verborgen]',
  host: request.host,
  remoteAddress: request.ip,
});

interface TokenParams {
  token: string;
}

export const responseRoutes: FastifyPluginAsync<ResponseRoutesOptions> = async (app, options) => {
  const { db, engine } = options;
  const now = options.now ?? engine.now;
  const publicOrigin = options.publicBaseUrl ? new URL(options.publicBaseUrl).origin : null;

  let secret: Promise<Buffer> | null = null;
  const linkSecret = () =>
    (secret ??= getLinkSecret(db).catch((error: unknown) => {
      secret = null;
      throw error;
    }));

  app.addContentTypeParser(FORM_TYPE, { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT }, (_request, body, done) => {
    done(null, parseFormBody(body as string));
  });

  app.addHook('onSend', async (_request, reply, payload) => {
    reply.headers(SECURITY_HEADERS);
    return payload;
  });

  app.setErrorHandler((error: { statusCode?: number; retryAfterSeconds?: number }, request, reply) => {
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'Antwortseite: unerwarteter Fehler');
    // 429 from the rate limit (app.ts): the page says how long to wait, as Retry-After does.
    return sendHtml(reply, status, renderErrorPage(status, error.retryAfterSeconds));
  });

  function sendHtml(reply: FastifyReply, status: number, html: string) {
    return reply.code(status).type('text/html; charset=utf-8').send(html);
  }

  async function sendLinkProblem(reply: FastifyReply, problem: LinkProblem) {
    const ctx = problem.link ? await loadLinkContext(db, problem.link) : null;
    switch (problem.kind) {
      case 'unbekannt':
        return sendHtml(reply, 404, renderUnknownLinkPage());
      case 'ersetzt':
        return sendHtml(reply, 410, renderSupersededLinkPage(ctx));
      case 'abgelaufen':
        return sendHtml(reply, 410, renderExpiredLinkPage(ctx));
      case 'beantwortet':
        return ctx ? sendHtml(reply, 409, renderAlreadyAnsweredPage(ctx, problem.recorded)) : sendHtml(reply, 404, renderUnknownLinkPage());
      case 'unpassend':
        return ctx ? sendHtml(reply, 409, renderUnfittingAnswerPage(ctx, problem.stage)) : sendHtml(reply, 404, renderUnknownLinkPage());
    }
  }

  /**
   * Browsers send Origin with every POST; one from another site is a forged form.
   * A missing Origin (old browsers) is left to the CSRF value. `Origin: null` comes
   * from a sandboxed frame or a redirect across sites, but also from our own form
   * when a browser setting or extension enforces no-referrer: accepted only when the
   * browser itself vouches that the form came from this origin (Sec-Fetch-Site,
   * which no page can set).
   */
  function isCrossSite(request: FastifyRequest): boolean {
    const fetchSite = request.headers['sec-fetch-site'];
    if (fetchSite === 'cross-site') return true;
    const origin = request.headers.origin;
    if (origin === undefined) return false;
    if (origin === 'null') return fetchSite !== 'same-origin';
    return origin !== `${request.protocol}://${request.host}` && origin !== publicOrigin;
  }

  // The form posts to its own URL: relative, so it works behind a path prefix too.
  const actionOf = (token: string) => token;
  const routeOptions = { schema: { hide: true }, logSerializers: { req: redactedRequest } };

  /**
   * A confirmed pilot's own page (`pilotbetrieb`): the checklist form, taken again and
   * again, and the go-live form, which uses the link up. Same checks as every answer
   * (Origin, CSRF, link open) before this is reached.
   */
  async function answerPilotPage(reply: FastifyReply, link: ResponseLink, token: string, csrf: string, fields?: FormFields) {
    const ctx = await loadLinkContext(db, link);
    const stage = await pilotStageOf(db, link);
    if (!isPilotPageOpen(stage)) return sendHtml(reply, 409, renderNotAPilotPage(ctx, stage));
    const view = { action: actionOf(token), csrf };
    const page = async (status: number, extra: Partial<Parameters<typeof renderPilotPage>[1]> = {}) =>
      sendHtml(reply, status, renderPilotPage(ctx, { ...view, items: await pilotChecklistOf(db, link), ...extra }));
    if (!fields) return page(200);
    const aktion = Array.isArray(fields.aktion) ? fields.aktion[0] : fields.aktion;
    const deps = { db, engine, now };
    try {
      if (aktion === 'checkliste') {
        const { changed } = await saveChecklistFromPage(deps, link, fields);
        return page(200, { saved: changed });
      }
      if (aktion === 'live') {
        const recorded = await reportGoLiveFromPage(deps, link, fields);
        return sendHtml(reply, 200, renderThanksPage(await loadLinkContext(db, { ...link, used_at: now() }), recorded));
      }
      return page(422, { errors: [{ field: 'aktion', message: 'Bitte senden Sie eines der Formulare dieser Seite ab.' }] });
    } catch (error) {
      const form = aktion === 'live' ? 'live' : 'checkliste';
      if (error instanceof ValidationProblem) return page(422, { errors: error.errors, values: fields, form });
      if (error instanceof GoLiveRefused) return page(409, { openItems: error.openItems, values: fields, form });
      // the pilot moved on meanwhile (went live, was excluded)
      if (error instanceof ConflictProblem) return sendHtml(reply, 409, renderNotAPilotPage(ctx, await pilotStageOf(db, link)));
      throw error;
    }
  }

  app.get<{ Params: TokenParams }>('/antwort/:token', routeOptions, async (request, reply) => {
    const { token } = request.params;
    try {
      const link = await openResponseLink(db, token, now());
      const csrf = deriveCsrfToken(await linkSecret(), link.token_hash);
      if (link.purpose === 'pilotbetrieb') return await answerPilotPage(reply, link, token, csrf);
      const ctx = await loadLinkContext(db, link);
      return sendHtml(reply, 200, renderAnswerForm(ctx, { action: actionOf(token), csrf }));
    } catch (error) {
      if (error instanceof LinkProblem) return sendLinkProblem(reply, error);
      throw error;
    }
  });

  app.post<{ Params: TokenParams; Body: FormFields }>('/antwort/:token', routeOptions, async (request, reply) => {
    const { token } = request.params;
    if (isCrossSite(request)) return sendHtml(reply, 403, renderFormRejectedPage());
    if (!request.headers['content-type']?.toLowerCase().startsWith(FORM_TYPE)) return sendHtml(reply, 415, renderErrorPage(415));
    const fields = request.body ?? {};
    try {
      const link = await openResponseLink(db, token, now());
      const key = await linkSecret();
      if (!verifyCsrfToken(key, link.token_hash, fields.csrf)) return sendHtml(reply, 403, renderFormRejectedPage());
      if (link.purpose === 'pilotbetrieb') return await answerPilotPage(reply, link, token, deriveCsrfToken(key, link.token_hash), fields);
      try {
        const { link: used, recorded } = await recordAnswer({ db, engine, now }, { token, answer: fields });
        return sendHtml(reply, 200, renderThanksPage(await loadLinkContext(db, used), recorded));
      } catch (error) {
        if (!(error instanceof ValidationProblem)) throw error;
        const ctx = await loadLinkContext(db, link);
        const csrf = deriveCsrfToken(key, link.token_hash);
        return sendHtml(reply, 422, renderAnswerForm(ctx, { action: actionOf(token), csrf, values: fields, errors: error.errors }));
      }
    } catch (error) {
      if (error instanceof LinkProblem) return sendLinkProblem(reply, error);
      throw error;
    }
  });
};
