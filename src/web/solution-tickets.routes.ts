import type { FastifyInstance, FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { ACCESS } from '../auth/roles.ts';
import type { EngineDeps } from '../engine/workflow.engine.ts';
import { getSolution } from '../solutions/solution.service.ts';
import { sendHtml } from './layout.ts';
import { solutionPagePath } from './solution-tabs.ts';
import { renderSolutionTickets } from './solution-tickets.page.ts';
import type { StaffFrame } from './staff.layout.ts';
import { loadTicketQueue } from './ticket-filter.ts';
import { HIDDEN, pathUuid } from './staff-route.kit.ts';

/**
 * The route of one solution's tickets page: the solution through getSolution (a ministry
 * reaches its own only, others are 404), its tickets through the ticket API's queue
 * service with `solutionId` fixed. Wrong filter values answer 422 with the page naming them.
 */

export interface SolutionTicketPagesDeps {
  db: Kysely<Database>;
  engine: EngineDeps;
  frame: (request: FastifyRequest, reply: FastifyReply, title: string, path: string) => StaffFrame;
  formGuards: NonNullable<RouteShorthandOptions['preHandler']>;
}

export function registerSolutionTicketPageRoutes(app: FastifyInstance, deps: SolutionTicketPagesDeps): void {
  const { db, engine, frame } = deps;

  app.get<{ Params: { id: string } }>(
    solutionPagePath(':id', 'tickets'),
    { ...HIDDEN, config: { staffRoles: ACCESS.tickets } },
    async (request, reply) => {
      const id = pathUuid(request.params.id, 'EfA-Lösung');
      const principal = request.principal!;
      const solution = await getSolution(db, principal, id);
      const queue = await loadTicketQueue(db, principal, engine.now(), request.query as Record<string, unknown>, id);
      const title = `${queue.errors.length ? 'Fehler: ' : ''}Tickets: ${solution.title}`;
      return sendHtml(reply, queue.errors.length ? 422 : 200, renderSolutionTickets(frame(request, reply, title, solutionPagePath(id, 'tickets')), solution, queue));
    },
  );
}
