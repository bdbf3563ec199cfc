import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database, ResponseLink } from '../db/schema.ts';
import { linkSecretOnce } from '../links/link.service.ts';
import { isLinkValid, type LinkProblem } from '../links/link.verify.ts';
import { loadLinkContext, type LinkContext, type RecordedAnswer } from '../responses/response.service.ts';
import { sendHtml } from './layout.ts';
import {
  renderAlreadyAnsweredPage,
  renderClosedQuestionPage,
  renderExpiredLinkPage,
  renderSupersededLinkPage,
  renderUnfittingAnswerPage,
  renderUnknownLinkPage,
} from './link-problem.pages.ts';

/**
 * What every page behind an authority's link shares: HTML answers, the Origin check,
 * the link key, the context a page shows (with the "Problem melden" link while the link
 * is valid) and the pages for a link that cannot be used. One kit for the answer pages,
 * the pilot page and the ticket pages, so that their checks cannot drift apart.
 */

export const FORM_TYPE = 'application/x-www-form-urlencoded';

/** Request logs without the token: it is a credential. */
export const redactedRequest = (request: FastifyRequest) => ({
  method: request.method,
  url: '/antwort/[verborgen]',
  host: request.host,
  remoteAddress: request.ip,
});

/** Hidden from the OpenAPI document; the token stays out of the request log. */
export const LINK_ROUTE_OPTIONS = { schema: { hide: true }, logSerializers: { req: redactedRequest } };

/**
 * Relative hrefs keep working behind a path prefix: a page `depth` segments below
 * /antwort/:token reaches another link's path through as many `../`.
 */
export function linkPath(depth: number, token: string, rest = ''): string {
  return `${'../'.repeat(depth)}${token}${rest}`;
}

export interface LinkPageKit {
  linkSecret(): Promise<Buffer>;
  isCrossSite(request: FastifyRequest): boolean;
  isForm(request: FastifyRequest): boolean;
  /** The context of a page `depth` segments below /antwort/:token. */
  contextFor(link: ResponseLink, token: string, depth: number): Promise<LinkContext>;
  sendLinkProblem(reply: FastifyReply, problem: LinkProblem, token: string, depth: number): Promise<FastifyReply>;
}

export function createLinkPageKit(options: { db: Kysely<Database>; publicBaseUrl?: string; now: () => Date }): LinkPageKit {
  const { db, now } = options;
  const publicOrigin = options.publicBaseUrl ? new URL(options.publicBaseUrl).origin : null;

  const linkSecret = linkSecretOnce(db);

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

  const isForm = (request: FastifyRequest) => Boolean(request.headers['content-type']?.toLowerCase().startsWith(FORM_TYPE));

  async function contextFor(link: ResponseLink, token: string, depth: number): Promise<LinkContext> {
    const ctx = await loadLinkContext(db, link, now());
    // any valid link takes problem reports – also one already answered
    return isLinkValid(link, now()) ? { ...ctx, reportHref: linkPath(depth, token, '/problem') } : ctx;
  }

  async function sendLinkProblem(reply: FastifyReply, problem: LinkProblem, token: string, depth: number) {
    const ctx = problem.link ? await contextFor(problem.link, token, depth) : null;
    switch (problem.kind) {
      case 'unbekannt':
        return sendHtml(reply, 404, renderUnknownLinkPage());
      case 'ersetzt':
        return sendHtml(reply, 410, renderSupersededLinkPage(ctx));
      case 'abgelaufen': {
        const link = problem.link;
        const answered = link?.used_at ? { at: link.used_at, recorded: link.answer as RecordedAnswer | null } : null;
        return sendHtml(reply, 410, renderExpiredLinkPage(ctx, answered));
      }
      case 'beantwortet':
        return ctx ? sendHtml(reply, 409, renderAlreadyAnsweredPage(ctx, problem.recorded)) : sendHtml(reply, 404, renderUnknownLinkPage());
      case 'unpassend':
        return ctx ? sendHtml(reply, 409, renderUnfittingAnswerPage(ctx, problem.stage)) : sendHtml(reply, 404, renderUnknownLinkPage());
      case 'nicht-offen': {
        const answerability = problem.answerability;
        if (!ctx || !answerability || answerability.state === 'offen') return sendHtml(reply, 404, renderUnknownLinkPage());
        return sendHtml(reply, answerability.state === 'beendet' ? 410 : 409, renderClosedQuestionPage(ctx, answerability));
      }
    }
  }

  return { linkSecret, isCrossSite, isForm, contextFor, sendLinkProblem };
}
