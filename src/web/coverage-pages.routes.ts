import type { FastifyInstance, FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { ACCESS } from '../auth/roles.ts';
import type { EngineDeps } from '../engine/workflow.engine.ts';
import { getCoverage } from '../coverage/coverage.queries.ts';
import { getSolution } from '../solutions/solution.service.ts';
import { coveragePath, renderCoveragePage } from './coverage.blocks.ts';
import { sendHtml } from './layout.ts';
import type { StaffFrame } from './staff.layout.ts';
import { HIDDEN, pathUuid } from './staff-route.kit.ts';

/**
 * GET /verwaltung/loesungen/:id/abdeckung – who is missing in each Kreis and why, read by
 * getCoverage as the API's GET /api/v1/solutions/:id/coverage (same roles and scope).
 */

export interface CoveragePagesDeps {
  db: Kysely<Database>;
  engine: EngineDeps;
  frame: (request: FastifyRequest, reply: FastifyReply, title: string, path: string) => StaffFrame;
  formGuards: NonNullable<RouteShorthandOptions['preHandler']>;
}

export function registerCoveragePageRoutes(app: FastifyInstance, deps: CoveragePagesDeps): void {
  const { db, engine, frame } = deps;
  app.get<{ Params: { id: string } }>('/verwaltung/loesungen/:id/abdeckung', { ...HIDDEN, config: { staffRoles: ACCESS.read } }, async (request, reply) => {
    const id = pathUuid(request.params.id, 'EfA-Lösung');
    const principal = request.principal!;
    // the solution first: 404 for another ministry's before anything else is read
    const solution = await getSolution(db, principal, id);
    const coverage = await getCoverage(db, principal, id, engine.now());
    return sendHtml(
      reply,
      200,
      renderCoveragePage(frame(request, reply, `Abdeckung: ${solution.title}`, coveragePath(id)), { solution: { id, title: solution.title }, coverage }),
    );
  });
}
