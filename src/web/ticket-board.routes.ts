import type { FastifyInstance, FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Principal } from '../auth/api-token.service.ts';
import { ACCESS, type Role } from '../auth/roles.ts';
import type { EngineDeps } from '../engine/workflow.engine.ts';
import { ConflictError, InvalidInputError, type FieldError } from '../errors/domain.errors.ts';
import { addComment, getTicket, sendTicketEventAs, updateTicket } from '../tickets/ticket.service.ts';
import { DEFAULT_TICKET_SETTINGS } from '../tickets/ticket.sla.ts';
import { listSolutions } from '../solutions/solution.service.ts';
import { PAGE_LIMIT_MAX } from '../validation/common.schemas.ts';
import { loadTicketQueue } from './ticket-filter.ts';
import { COMMENT_MAX_LENGTH } from '../tickets/ticket.routes.ts';
import { sendHtml } from './layout.ts';
import type { StaffFrame } from './staff.layout.ts';
import { BOARD_PATH, EVENT_FORMS, renderTicketBoard, renderTicketDetail, type TicketPageView } from './ticket-board.page.ts';
import { HIDDEN, isUuid } from './staff-route.kit.ts';

/**
 * The routes of the Kaz's ticket pages, registered inside the staff plugin (session,
 * CSRF, same-origin): the same services and scoping as the ticket API (a ministry sees the
 * tickets of its own solutions), the signed-in person as the actor in the history. A POST
 * answers 303 back to the ticket with a notice, or the page again with 409 (the reason)
 * or 422 (the fields).
 */

export interface TicketBoardDeps {
  db: Kysely<Database>;
  engine: EngineDeps;
  frame: (request: FastifyRequest, reply: FastifyReply, title: string, path: string) => StaffFrame;
  formGuards: NonNullable<RouteShorthandOptions['preHandler']>;
}

const TICKET_ROLES: readonly Role[] = ACCESS.tickets;
const MAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const NOTICES: Readonly<Record<string, string>> = {
  kommentar: 'Ihr Kommentar ist gespeichert.',
  zuweisung: 'Die Zuständigkeit ist gespeichert.',
  ...Object.fromEntries(Object.entries(EVENT_FORMS).map(([type, form]) => [type, `Erledigt: ${form.label}.`])),
};

const text = (value: unknown) => (typeof value === 'string' ? value.trim() : '');

export function registerTicketBoardRoutes(app: FastifyInstance, deps: TicketBoardDeps): void {
  const { db, engine, frame, formGuards } = deps;
  const settings = () => engine.tickets ?? DEFAULT_TICKET_SETTINGS;
  const config = { staffRoles: TICKET_ROLES };

  app.get(BOARD_PATH, { ...HIDDEN, config }, async (request, reply) => {
    const principal = request.principal!;
    const [queue, solutions] = await Promise.all([
      loadTicketQueue(db, principal, engine.now(), request.query as Record<string, unknown>),
      listSolutions(db, principal, { limit: PAGE_LIMIT_MAX, offset: 0 }),
    ]);
    const page = renderTicketBoard(frame(request, reply, queue.errors.length ? 'Fehler: Tickets' : 'Tickets', BOARD_PATH), {
      ...queue,
      solutions: solutions.items.map((s) => ({ id: s.id, title: s.title })),
    });
    return sendHtml(reply, queue.errors.length ? 422 : 200, page);
  });

  async function ticketPage(request: FastifyRequest, reply: FastifyReply, status: number, id: string, view: Omit<TicketPageView, 'csrf' | 'canWork'>) {
    const principal: Principal = request.principal!;
    const ticket = await getTicket(db, principal, id, engine.now(), settings());
    const page = renderTicketDetail(frame(request, reply, `Ticket ${ticket.number}: ${ticket.title}`, `${BOARD_PATH}/${id}`), ticket, {
      ...view,
      csrf: reply.generateCsrf(),
      canWork: true,
    });
    return sendHtml(reply, status, page);
  }

  const idOf = (request: FastifyRequest): string | null => {
    const id = (request.params as { id: string }).id;
    return isUuid(id) ? id : null;
  };

  app.get(`${BOARD_PATH}/:id`, { ...HIDDEN, config }, async (request, reply) => {
    const id = idOf(request);
    if (!id) return reply.callNotFound();
    const done = (request.query as Record<string, unknown>).erledigt;
    const notice = typeof done === 'string' ? NOTICES[done] : undefined;
    return ticketPage(request, reply, 200, id, notice ? { notice } : {});
  });

  /** Runs a change; 303 back with a notice, or the page again with the 409 reason or the 422 fields. */
  async function answer(request: FastifyRequest, reply: FastifyReply, id: string, form: string, values: Record<string, string>, change: () => Promise<unknown>, done: string) {
    try {
      await change();
    } catch (error) {
      if (error instanceof ConflictError) return ticketPage(request, reply, 409, id, { conflict: error.detail });
      if (error instanceof InvalidInputError) {
        const errors: FieldError[] = error.errors.map((e) => ({ field: e.field.replace(/^\/(event\/)?/, ''), message: e.message }));
        return ticketPage(request, reply, 422, id, { errors, form, values });
      }
      throw error;
    }
    return reply.redirect(`${BOARD_PATH}/${id}?erledigt=${encodeURIComponent(done)}`, 303);
  }

  app.post(`${BOARD_PATH}/:id/ereignis`, { ...HIDDEN, config, preHandler: formGuards }, async (request, reply) => {
    const id = idOf(request);
    if (!id) return reply.callNotFound();
    const body = (request.body ?? {}) as Record<string, unknown>;
    const type = text(body.type);
    const form = EVENT_FORMS[type];
    if (!form) return ticketPage(request, reply, 409, id, { conflict: 'Diese Statusänderung gibt es nicht. Bitte wählen Sie eine der Schaltflächen.' });
    const values: Record<string, string> = {};
    const errors: FieldError[] = [];
    for (const field of form.fields) {
      values[field.name] = text(body[field.name]);
      if (!values[field.name]) errors.push({ field: field.name, message: `Bitte füllen Sie „${field.label}“ aus.` });
    }
    if (errors.length) return ticketPage(request, reply, 422, id, { errors, form: type, values });
    return answer(request, reply, id, type, values, () => sendTicketEventAs(engine, request.principal!, id, { type, ...values }), type);
  });

  app.post(`${BOARD_PATH}/:id/kommentar`, { ...HIDDEN, config, preHandler: formGuards }, async (request, reply) => {
    const id = idOf(request);
    if (!id) return reply.callNotFound();
    const body = (request.body ?? {}) as Record<string, unknown>;
    const values = { text: text(body.text), visibility: body.visibility === 'oeffentlich' ? 'oeffentlich' : 'intern' } as const;
    const errors: FieldError[] = [];
    if (!values.text) errors.push({ field: 'text', message: 'Bitte schreiben Sie einen Kommentar.' });
    else if (values.text.length > COMMENT_MAX_LENGTH) errors.push({ field: 'text', message: `Der Kommentar darf höchstens ${COMMENT_MAX_LENGTH} Zeichen lang sein.` });
    if (errors.length) return ticketPage(request, reply, 422, id, { errors, form: 'kommentar', values });
    return answer(request, reply, id, 'kommentar', values, () => addComment(engine, request.principal!, id, values), 'kommentar');
  });

  app.post(`${BOARD_PATH}/:id/zuweisung`, { ...HIDDEN, config, preHandler: formGuards }, async (request, reply) => {
    const id = idOf(request);
    if (!id) return reply.callNotFound();
    const assignee = text(((request.body ?? {}) as Record<string, unknown>).assignee);
    if (assignee && (!MAIL.test(assignee) || assignee.length > 254)) {
      return ticketPage(request, reply, 422, id, { errors: [{ field: 'assignee', message: 'Bitte geben Sie eine gültige E-Mail-Adresse an oder lassen Sie das Feld leer.' }], form: 'zuweisen', values: { assignee } });
    }
    return answer(request, reply, id, 'zuweisen', { assignee }, () => updateTicket(engine, request.principal!, id, { assignee: assignee || null }), 'zuweisung');
  });
}

