import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { requirePrincipal } from '../auth/auth.hook.ts';
import { ACCESS } from '../auth/roles.ts';
import type { EngineDeps } from '../engine/workflow.engine.ts';
import { getStatewideOverview } from './statewide.queries.ts';
import { StatewideOverviewView } from './statewide.views.ts';

/** GET /api/v1/overview: the Lagebild as JSON – the numbers of /verwaltung/lagebild, scoped alike. */
export const overviewRoutes: FastifyPluginAsync<{ db: Kysely<Database>; engine: EngineDeps }> = async (instance, { db, engine }) => {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/overview',
    {
      config: { roles: [...ACCESS.read] },
      schema: {
        tags: ['Lagebild'],
        operationId: 'getStatewideOverview',
        summary: 'Lagebild: alle Rollouts auf einen Blick',
        description:
          'Lösungen je Stadium und je Lösung ihr Stand (zuständig, live, Kreise flächendeckend), Behörden nach Zahl der Lösungen live, Paare je Kreis, und wo Rollouts stocken: ' +
          'überfällige Antworten, überschrittene SLAs, Gründe „nicht bereit“, offene blockierende Tickets. Ein Ministerium sieht nur seine eigenen Lösungen; Tickets mit Nummer und Titel nur die Rollen mit Zugang zu Tickets. ' +
          'Dieselben Zahlen als Seite: /verwaltung/lagebild.',
        response: { 200: StatewideOverviewView },
      },
    },
    async (request) => getStatewideOverview(db, requirePrincipal(request), engine.now()),
  );
};
