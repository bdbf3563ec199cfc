import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { requirePrincipal } from '../auth/auth.hook.ts';
import { ACCESS } from '../auth/roles.ts';
import type { EngineDeps } from '../engine/workflow.engine.ts';
import { problemResponses } from '../http/response.schemas.ts';
import { Uuid } from '../validation/common.schemas.ts';
import { getCoverage } from './coverage.queries.ts';
import { CoverageView } from './coverage.views.ts';

export interface CoverageRoutesDeps {
  db: Kysely<Database>;
  engine: EngineDeps;
}

/** GET /api/v1/solutions/:id/coverage – the solution's coverage per Kreis (every reading role; a ministry its own solutions). */
export const coverageRoutes: FastifyPluginAsync<CoverageRoutesDeps> = async (instance, { db, engine }) => {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/solutions/:id/coverage',
    {
      config: { roles: [...ACCESS.read] },
      schema: {
        tags: ['Abdeckung'],
        operationId: 'getCoverage',
        summary: 'Abdeckung nach Kreis',
        description:
          'Je Landkreis und kreisfreier Stadt: zuständige Behörden, davon live, Prozent (abgerundet), flächendeckend (jede zuständige live); wo nicht flächendeckend, die fehlenden Behörden mit Stadium und dem, worauf sie warten (Bereitschaft, offene Tickets, überfällige Antwort, Ablehnung). Dazu die Summen für das Land.',
        params: Type.Object({ id: Uuid }),
        response: { 200: CoverageView, ...problemResponses({ 404: 'Lösung gibt es nicht (oder sie gehört einem anderen Ministerium)' }) },
      },
    },
    async (request) => getCoverage(db, requirePrincipal(request), request.params.id, engine.now()),
  );
};
