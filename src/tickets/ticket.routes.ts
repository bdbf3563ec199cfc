import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { requirePrincipal } from '../auth/auth.hook.ts';
import { ACCESS } from '../auth/roles.ts';
import type { EngineDeps } from '../engine/workflow.engine.ts';
import { TicketEventBody, ticketEventBodySchemas } from './ticket-event.schemas.ts';
import { problemResponses } from '../http/response.schemas.ts';
import { Ars, CsvOf, MailAddress, NonBlankLine, OneOf, Paging, Text, Uuid } from '../validation/common.schemas.ts';
import { TICKET_STAGES } from '../../workflows/index.ts';
import { addComment, countTickets, createTicket, getTicket, listTickets, sendTicketEventAs, updateTicket, type QueueFilter } from './ticket.service.ts';
import { SLA_STATES } from './ticket.sla.ts';
import {
  CommentView,
  TICKET_CATEGORIES,
  TICKET_PRIORITIES,
  TicketCounts,
  TicketDetailView,
  TicketEventApplied,
  TicketPage,
} from './ticket.views.ts';

export interface TicketRoutesDeps {
  db: Kysely<Database>;
  engine: EngineDeps;
}

const TICKETS = { roles: [...ACCESS.tickets] };

/** A Kaz staff member's label or name. */
// An address, because the assignee is told of the assignment and of the authority's replies by mail.
const Assignee = MailAddress('zuständige Person der Kaz: ihre E-Mail-Adresse');
export const COMMENT_MAX_LENGTH = 5000;

const TicketParams = Type.Object({ ticketId: Uuid });
const CreateBody = Type.Object(
  {
    solutionId: Uuid,
    ars: Ars,
    category: OneOf(TICKET_CATEGORIES, 'Kategorie'),
    priority: Type.Optional(OneOf(TICKET_PRIORITIES, 'Priorität (Standard normal)')),
    title: NonBlankLine('Betreff', 200),
    description: Text('Beschreibung des Problems', COMMENT_MAX_LENGTH),
    blocking: Type.Optional(Type.Boolean({ description: 'hält den Live-Gang der Behörde auf (Standard nein)' })),
    assignee: Type.Optional(Assignee),
  },
  { additionalProperties: false },
);
const CommentBody = Type.Object(
  {
    text: Text('Kommentar', COMMENT_MAX_LENGTH),
    visibility: OneOf(['oeffentlich', 'intern'], 'oeffentlich: für die Behörde sichtbar; intern: nur Kaz und Ministerium'),
  },
  { additionalProperties: false },
);
const PatchBody = Type.Object(
  {
    assignee: Type.Optional(Type.Union([Assignee, Type.Null()], { description: 'zuständige Person; null nimmt die Zuweisung zurück' })),
    priority: Type.Optional(OneOf(TICKET_PRIORITIES, 'Priorität; setzt die SLA-Fristen neu')),
    blocking: Type.Optional(Type.Boolean({ description: 'blockiert den Live-Gang' })),
  },
  { additionalProperties: false, minProperties: 1 },
);
const QueueQuery = Type.Object({
  status: Type.Optional(CsvOf(TICKET_STAGES, 'Status')),
  category: Type.Optional(CsvOf(TICKET_CATEGORIES, 'Kategorien')),
  priority: Type.Optional(CsvOf(TICKET_PRIORITIES, 'Prioritäten')),
  landkreis: Type.Optional({ ...Ars, description: 'Landkreis der Behörde (ARS des Kreises)' }),
  solutionId: Type.Optional(Uuid),
  assignee: Type.Optional(MailAddress('zuständige Person (E-Mail-Adresse)')),
  assigned: Type.Optional(Type.Boolean({ description: 'true: nur Tickets mit zuständiger Person; false: nur die niemandem zugewiesenen' })),
  blocking: Type.Optional(Type.Boolean({ description: 'true: nur Tickets, die den Live-Gang blockieren; false: nur die anderen' })),
  sla: Type.Optional(CsvOf(SLA_STATES, 'SLA-Zustände')),
});
type Query = {
  status?: string;
  category?: string;
  priority?: string;
  landkreis?: string;
  solutionId?: string;
  assignee?: string;
  assigned?: boolean;
  blocking?: boolean;
  sla?: string;
};

const split = (value: string | undefined) => value?.split(',').filter(Boolean);
const filterOf = (query: Query): QueueFilter => ({
  status: split(query.status),
  category: split(query.category),
  priority: split(query.priority),
  kreisArs: query.landkreis,
  solutionId: query.solutionId,
  assignee: query.assignee,
  assigned: query.assigned,
  blocking: query.blocking,
  sla: split(query.sla),
});

export const ticketRoutes: FastifyPluginAsync<TicketRoutesDeps> = async (fastify, { db, engine }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['Tickets (Kaz)'];
  for (const schema of ticketEventBodySchemas) app.addSchema(schema);

  app.post(
    '/tickets',
    {
      config: TICKETS,
      schema: {
        tags,
        operationId: 'createTicket',
        summary: 'Ticket anlegen',
        description: 'Ein Ministerium für Teilnehmende seiner Lösungen, die Kaz für alle. Die SLA-Fristen gelten ab jetzt in Brandenburger Arbeitszeit.',
        body: CreateBody,
        response: {
          201: { ...TicketDetailView, headers: { location: Type.String({ description: 'URL des Tickets' }) } },
          ...problemResponses({ 404: 'Lösung oder Teilnehmerin gibt es nicht (oder nicht für dieses Ministerium)' }),
        },
      },
    },
    async (request, reply) => {
      const ticket = await createTicket(engine, requirePrincipal(request), request.body);
      return reply.code(201).header('location', `/api/v1/tickets/${ticket.id}`).send(ticket);
    },
  );

  app.get(
    '/tickets',
    {
      config: TICKETS,
      schema: {
        tags,
        operationId: 'listTickets',
        summary: 'Warteschlange der Kaz, nach Dringlichkeit',
        description: 'Offene zuerst, dann nach der nächsten SLA-Frist, dann nach Priorität.',
        querystring: Type.Object({ ...QueueQuery.properties, ...Paging(50) }, { additionalProperties: false }),
        response: { 200: TicketPage },
      },
    },
    async (request) => {
      const { limit = 50, offset = 0, ...query } = request.query;
      return listTickets(db, requirePrincipal(request), engine.now(), filterOf(query), { limit, offset });
    },
  );

  app.get(
    '/tickets/counts',
    {
      config: TICKETS,
      schema: { tags, operationId: 'countTickets', summary: 'Tickets je SLA-Zustand und Status', querystring: QueueQuery, response: { 200: TicketCounts } },
    },
    async (request) => countTickets(db, requirePrincipal(request), engine.now(), filterOf(request.query)),
  );

  app.get(
    '/tickets/:ticketId',
    {
      config: TICKETS,
      schema: { tags, operationId: 'getTicket', summary: 'Ein Ticket mit Verlauf und Kommentaren', params: TicketParams, response: { 200: TicketDetailView } },
    },
    async (request) => getTicket(db, requirePrincipal(request), request.params.ticketId, engine.now(), engine.tickets),
  );

  app.post(
    '/tickets/:ticketId/events',
    {
      config: TICKETS,
      schema: {
        tags,
        operationId: 'sendTicketEvent',
        summary: 'Status des Tickets ändern',
        params: TicketParams,
        body: TicketEventBody,
        response: {
          200: TicketEventApplied,
          ...problemResponses({ 409: 'im Status nicht möglich, oder Wiedereröffnung nach Ablauf der Frist; allowedEvents nennt die möglichen' }),
        },
      },
    },
    async (request) => sendTicketEventAs(engine, requirePrincipal(request), request.params.ticketId, request.body),
  );

  app.post(
    '/tickets/:ticketId/comments',
    {
      config: TICKETS,
      schema: {
        tags,
        operationId: 'addTicketComment',
        summary: 'Kommentar schreiben (öffentlich oder intern)',
        description: 'Ein öffentlicher Kommentar ist eine Antwort an die Behörde und zählt als erste Reaktion.',
        params: TicketParams,
        body: CommentBody,
        response: { 201: { ...CommentView, headers: { location: Type.String({ description: 'URL des Tickets, in dessen Verlauf der Kommentar steht' }) } } },
      },
    },
    async (request, reply) => {
      const comment = await addComment(engine, requirePrincipal(request), request.params.ticketId, request.body);
      return reply.code(201).header('location', `/api/v1/tickets/${request.params.ticketId}`).send(comment);
    },
  );

  app.patch(
    '/tickets/:ticketId',
    {
      config: TICKETS,
      schema: {
        tags,
        operationId: 'updateTicket',
        summary: 'Zuweisen, Priorität oder Blockierung ändern',
        params: TicketParams,
        body: PatchBody,
        response: { 200: TicketDetailView, ...problemResponses({ 409: 'gelöstes oder geschlossenes Ticket kann nicht blockierend werden' }) },
      },
    },
    async (request) => updateTicket(engine, requirePrincipal(request), request.params.ticketId, request.body),
  );
};
