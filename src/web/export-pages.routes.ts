import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { ACCESS } from '../auth/roles.ts';
import type { EngineDeps } from '../engine/workflow.engine.ts';
import { InvalidInputError } from '../errors/domain.errors.ts';
import { buildExport, type ExportKind } from '../exports/export.service.ts';
import { sendExport } from '../exports/export.routes.ts';
import { exportPath } from './export.blocks.ts';
import { filterOf, parseListQuery } from './participant-list.query.ts';
import { HIDDEN, pathUuid } from './staff-route.kit.ts';

/**
 * The staff's downloads of one solution: GET /verwaltung/loesungen/:id/export/
 * {teilnehmende,tickets,wellen,abdeckung}.{csv,json} – buildExport as the API's
 * GET /api/v1/solutions/:id/exports/…, with the roles of the matching API route. The
 * participants' download keeps the table's filters and order (its German GET parameters).
 */

export interface ExportPagesDeps {
  db: Kysely<Database>;
  engine: EngineDeps;
}

const KINDS: readonly ExportKind[] = ['participants', 'tickets', 'waves', 'coverage'];

function participantFilterOf(request: FastifyRequest, now: Date) {
  const parsed = parseListQuery(request.query as Record<string, unknown>);
  if (parsed.errors.length) throw new InvalidInputError('Der Filter des Exports ist ungültig', parsed.errors);
  const { limit: _limit, offset: _offset, ...filter } = filterOf(parsed.query, now);
  return filter;
}

export function registerExportPageRoutes(app: FastifyInstance, deps: ExportPagesDeps): void {
  const { db, engine } = deps;
  for (const kind of KINDS) {
    for (const format of ['csv', 'json'] as const) {
      app.get<{ Params: { id: string } }>(
        exportPath(':id', kind, format),
        { ...HIDDEN, config: { staffRoles: kind === 'tickets' ? ACCESS.tickets : ACCESS.read } },
        async (request, reply) => {
          const solutionId = pathUuid(request.params.id, 'EfA-Lösung');
          const participantFilter = kind === 'participants' ? participantFilterOf(request, engine.now()) : undefined;
          const result = await buildExport({ db, principal: request.principal!, now: engine.now(), solutionId, kind, participantFilter });
          return sendExport(reply, result, format);
        },
      );
    }
  }
}
