import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { ACCESS } from '../auth/roles.ts';
import { listLiveParticipations } from '../map/live-participations.queries.ts';
import { BULK_MAX_PARTICIPANTS } from '../solutions/bulk-events.service.ts';
import { listParticipantKreise, listParticipants } from '../solutions/participant.queries.ts';
import { getSolution, listSolutions } from '../solutions/solution.service.ts';
import { sendHtml } from './layout.ts';
import { solutionPagePath } from './solution-tabs.ts';
import { MAP_PATH as STATEWIDE_MAP_PATH } from './statewide.blocks.ts';
import type { StaffFrame } from './staff.layout.ts';
import { HIDDEN, pathUuid } from './staff-route.kit.ts';

/**
 * The maps: GET /verwaltung/loesungen/:id/karte – one solution's participants by stage
 * (getSolution's scoping: another ministry's solution is not found; all participants in
 * one read of listParticipants, as the participant table) – and GET /verwaltung/karte –
 * how many solutions are live at each authority, over the solutions the person may see
 * (listSolutions' scoping), in one query. Read-only pages: no forms. The pages' modules
 * (d3-geo, the outlines and their projection) are loaded with the first map requested,
 * not at start.
 */

export interface MapPagesDeps {
  db: Kysely<Database>;
  frame: (request: FastifyRequest, reply: FastifyReply, title: string, path: string) => StaffFrame;
}

/** More than any Land has authorities: the map shows them all at once. */
const ALL_PARTICIPANTS = BULK_MAX_PARTICIPANTS;
const ALL_SOLUTIONS = 1000;

export function registerMapPageRoutes(app: FastifyInstance, deps: MapPagesDeps): void {
  const { db, frame } = deps;

  app.get<{ Params: { id: string } }>('/verwaltung/loesungen/:id/karte', { ...HIDDEN, config: { staffRoles: ACCESS.read } }, async (request, reply) => {
    const id = pathUuid(request.params.id, 'EfA-Lösung');
    const principal = request.principal!;
    const solution = await getSolution(db, principal, id);
    const [page, kreise] = await Promise.all([listParticipants(db, id, { sort: 'name', limit: ALL_PARTICIPANTS, offset: 0 }), listParticipantKreise(db, id)]);
    const { renderSolutionMapPage } = await import('./solution-map.page.ts');
    return sendHtml(
      reply,
      200,
      renderSolutionMapPage(frame(request, reply, `Karte: ${solution.title}`, solutionPagePath(id, 'map')), {
        solution,
        role: principal.role,
        participants: page.items,
        kreise,
      }),
    );
  });

  app.get(STATEWIDE_MAP_PATH, { ...HIDDEN, config: { staffRoles: ACCESS.read } }, async (request, reply) => {
    const principal = request.principal!;
    const { items } = await listSolutions(db, principal, { limit: ALL_SOLUTIONS, offset: 0 });
    const live = await listLiveParticipations(db, items.map((s) => s.id));
    const { renderStatewideMapPage } = await import('./statewide-map.page.ts');
    return sendHtml(
      reply,
      200,
      renderStatewideMapPage(frame(request, reply, 'Karte: Lösungen live in Brandenburg', STATEWIDE_MAP_PATH), {
        solutions: items,
        live,
        ministryView: principal.role === 'ministry',
      }),
    );
  });
}
