import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ResponseLink } from '../db/schema.ts';
import type { EngineDeps } from '../engine/workflow.engine.ts';
import { ConflictError, NotFoundError, InvalidInputError } from '../errors/domain.errors.ts';
import {
  getAuthorityTicket,
  listAuthorityTickets,
  parseTicketNumber,
  ReopenRefused,
  ReplyLimitReached,
  replyOnTicket,
  reportProblem,
  TicketMovedOn,
  TooManyOpenReports,
} from '../tickets/authority-tickets.service.ts';
import {
  renderProblemForm,
  renderProblemReportedPage,
  renderRolloutEndedPage,
  renderTicketListPage,
  renderTicketPage,
  renderTooManyReportsPage,
  TICKET_STAGE_WORDS,
} from './ticket.pages.ts';
import { germanDateTime } from '../time/berlin.clock.ts';
import { deriveCsrfToken, verifyCsrfToken } from '../links/link.service.ts';
import type { FormFields } from '../responses/response.service.ts';
import { LinkProblem, openValidLink } from '../links/link.verify.ts';
import { renderErrorPage, renderFormRejectedPage } from './error.pages.ts';
import { refuseDamagedFields } from './form-body.ts';
import { sendHtml } from './layout.ts';
import { LINK_ROUTE_OPTIONS, linkPath, type LinkPageKit } from './link-page.kit.ts';
import { renderUnknownLinkPage } from './link-problem.pages.ts';

/**
 * The authority's ticket pages under its links (registered inside responseRoutes, so
 * they share its headers, form parser, error page and rate limit): the problem report
 * from any valid link (`/antwort/:token/problem`), and under the `ticket` link its
 * tickets of the solution and each ticket's page with the reply form
 * (`/antwort/:token/tickets/:number`). The ticket link is never used up.
 */

export interface TicketPageRoutesOptions {
  kit: LinkPageKit;
  engine: EngineDeps;
  now: () => Date;
  /** The service's public URL: the ticket link is issued for it, as in the mails. */
  publicBaseUrl: string;
  ticketLinkTtlDays?: number;
}

interface ProblemParams {
  token: string;
}
interface TicketParams {
  token: string;
  number: string;
}

/** Depths below /antwort/:token of the pages here, for their relative hrefs. */
const PROBLEM_DEPTH = 1;
const TICKET_DEPTH = 2;

export const ticketPageRoutes: FastifyPluginAsync<TicketPageRoutesOptions> = async (app, options) => {
  const { kit, engine, now } = options;
  const db = engine.db;

  async function withLink(reply: FastifyReply, token: string, depth: number, work: (link: ResponseLink) => Promise<FastifyReply>) {
    try {
      return await work(await openValidLink(db, token, now()));
    } catch (error) {
      if (error instanceof LinkProblem) return kit.sendLinkProblem(reply, error, token, depth);
      throw error;
    }
  }

  // ---------------------------------------------------------------------------
  // Problem melden: from every valid link, also one already answered

  async function problemPage(reply: FastifyReply, link: ResponseLink, token: string, fields?: FormFields) {
    const key = await kit.linkSecret();
    const csrf = deriveCsrfToken(key, link.token_hash);
    const ctx = await kit.contextFor(link, token, PROBLEM_DEPTH);
    const view = { action: 'problem', csrf };
    if (!fields) return sendHtml(reply, 200, renderProblemForm(ctx, view));
    try {
      refuseDamagedFields(fields);
      const reported = await reportProblem({ engine, now, secret: key, baseUrl: options.publicBaseUrl, ticketLinkTtlDays: options.ticketLinkTtlDays }, link, fields);
      const href = linkPath(PROBLEM_DEPTH, reported.ticketToken, `/tickets/${reported.number}`);
      return sendHtml(reply, 200, renderProblemReportedPage(ctx, { number: reported.number, href }));
    } catch (error) {
      if (error instanceof InvalidInputError) return sendHtml(reply, 422, renderProblemForm(ctx, { ...view, values: fields, errors: error.errors }));
      if (error instanceof TooManyOpenReports) {
        const listHref = link.purpose === 'ticket' ? linkPath(PROBLEM_DEPTH, token) : null;
        return sendHtml(reply, 409, renderTooManyReportsPage(ctx, listHref));
      }
      if (error instanceof ConflictError) return sendHtml(reply, 409, renderRolloutEndedPage(ctx));
      if (error instanceof NotFoundError) return sendHtml(reply, 404, renderUnknownLinkPage());
      throw error;
    }
  }

  app.get<{ Params: ProblemParams }>('/antwort/:token/problem', LINK_ROUTE_OPTIONS, async (request, reply) => {
    const { token } = request.params;
    return withLink(reply, token, PROBLEM_DEPTH, (link) => problemPage(reply, link, token));
  });

  app.post<{ Params: ProblemParams; Body: FormFields }>('/antwort/:token/problem', LINK_ROUTE_OPTIONS, async (request, reply) => {
    const { token } = request.params;
    if (kit.isCrossSite(request)) return sendHtml(reply, 403, renderFormRejectedPage());
    if (!kit.isForm(request)) return sendHtml(reply, 415, renderErrorPage(415));
    const fields = request.body ?? {};
    return withLink(reply, token, PROBLEM_DEPTH, async (link) => {
      if (!verifyCsrfToken(await kit.linkSecret(), link.token_hash, fields.csrf)) return sendHtml(reply, 403, renderFormRejectedPage());
      return problemPage(reply, link, token, fields);
    });
  });

  // ---------------------------------------------------------------------------
  // The ticket link: its tickets and each ticket's page

  async function ticketPage(reply: FastifyReply, link: ResponseLink, token: string, rawNumber: string, fields?: FormFields) {
    const number = parseTicketNumber(rawNumber);
    // another authority's ticket, another solution's, or no ticket at all: the same page as a wrong link
    if (link.purpose !== 'ticket' || !number) return sendHtml(reply, 404, renderUnknownLinkPage());
    const ctx = await kit.contextFor(link, token, TICKET_DEPTH);
    const csrf = deriveCsrfToken(await kit.linkSecret(), link.token_hash);
    const base = { action: number, csrf, listHref: linkPath(TICKET_DEPTH, token), now: now() };
    const page = async (status: number, extra: { values?: FormFields; errors?: InvalidInputError['errors']; notice?: string } = {}) => {
      const ticket = await getAuthorityTicket(engine, link, number);
      if (!ticket) return sendHtml(reply, 404, renderUnknownLinkPage());
      return sendHtml(reply, status, renderTicketPage(ctx, ticket, { ...base, now: now(), ...extra }));
    };
    if (!fields) return page(200);
    try {
      refuseDamagedFields(fields);
      const { reopened } = await replyOnTicket(engine, link, number, fields);
      return page(200, { notice: reopened ? 'Ihre Meldung ist wiedereröffnet. Das Kaz kümmert sich darum.' : 'Ihre Antwort ist beim Kaz eingegangen.' });
    } catch (error) {
      if (error instanceof InvalidInputError) return page(422, { values: fields, errors: error.errors });
      if (error instanceof ReplyLimitReached) {
        reply.header('retry-after', String(Math.max(1, Math.ceil((error.nextAt.getTime() - now().getTime()) / 1000))));
        return page(429, {
          values: fields,
          notice: `Zu dieser Meldung sind in den letzten 24 Stunden schon ${error.limit} Nachrichten Ihrer Behörde eingegangen – mehr nimmt diese Seite nicht an. Es wurde nichts gespeichert. Ab ${germanDateTime(error.nextAt)} können Sie hier wieder schreiben; das Kaz hat Ihre bisherigen Nachrichten erhalten. Ist es dringend, rufen Sie bitte das Kaz an.`,
        });
      }
      if (error instanceof ReopenRefused) {
        return page(409, { notice: 'Die Frist zum Wiedereröffnen dieser Meldung ist abgelaufen. Es wurde nichts gespeichert. Bitte melden Sie das Problem über „Problem melden“ neu.' });
      }
      if (error instanceof TicketMovedOn) {
        return page(409, {
          values: fields,
          notice: `Der Stand der Meldung hat sich inzwischen geändert (jetzt: ${TICKET_STAGE_WORDS[error.stage] ?? error.stage}). Es wurde nichts gespeichert. Bitte prüfen Sie den Verlauf und senden Sie Ihre Nachricht gegebenenfalls noch einmal.`,
        });
      }
      if (error instanceof NotFoundError) return sendHtml(reply, 404, renderUnknownLinkPage());
      throw error;
    }
  }

  app.get<{ Params: TicketParams }>('/antwort/:token/tickets/:number', LINK_ROUTE_OPTIONS, async (request, reply) => {
    const { token, number } = request.params;
    return withLink(reply, token, TICKET_DEPTH, (link) => ticketPage(reply, link, token, number));
  });

  app.post<{ Params: TicketParams; Body: FormFields }>('/antwort/:token/tickets/:number', LINK_ROUTE_OPTIONS, async (request, reply) => {
    const { token, number } = request.params;
    if (kit.isCrossSite(request)) return sendHtml(reply, 403, renderFormRejectedPage());
    if (!kit.isForm(request)) return sendHtml(reply, 415, renderErrorPage(415));
    const fields = request.body ?? {};
    return withLink(reply, token, TICKET_DEPTH, async (link) => {
      if (link.purpose !== 'ticket') return sendHtml(reply, 404, renderUnknownLinkPage());
      if (!verifyCsrfToken(await kit.linkSecret(), link.token_hash, fields.csrf)) return sendHtml(reply, 403, renderFormRejectedPage());
      return ticketPage(reply, link, token, number, fields);
    });
  });
};

/** The ticket link's own page (`GET /antwort/:token` of a `ticket` link): the authority's tickets of the solution. */
export async function sendTicketListPage(reply: FastifyReply, kit: LinkPageKit, engine: EngineDeps, link: ResponseLink, token: string) {
  const [ctx, tickets] = await Promise.all([kit.contextFor(link, token, 0), listAuthorityTickets(engine.db, link)]);
  return sendHtml(reply, 200, renderTicketListPage(ctx, tickets, (number) => linkPath(0, token, `/tickets/${number}`)));
}
