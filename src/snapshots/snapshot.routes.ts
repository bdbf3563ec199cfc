import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { actorOf } from '../auth/api-token.service.ts';
import { requirePrincipal } from '../auth/auth.hook.ts';
import { ACCESS } from '../auth/roles.ts';
import type { EngineDeps } from '../engine/workflow.engine.ts';
import { sendExport } from '../exports/export.routes.ts';
import { problemResponses } from '../http/response.schemas.ts';
import { OneOf, Uuid } from '../validation/common.schemas.ts';
import { buildSnapshotExport } from './snapshot.export.ts';
import { getSnapshot, listSnapshots, takeMissingSnapshot } from './snapshot.service.ts';
import { QuarterText, SnapshotDetailView, SnapshotList, SnapshotTaken } from './snapshot.views.ts';

export interface SnapshotRoutesDeps {
  db: Kysely<Database>;
  engine: EngineDeps;
}

const tags = ['Quartalsstände'];
const READ = { roles: [...ACCESS.read] };
const SolutionId = Type.Object({ id: Uuid });
const QuarterParams = Type.Object({ id: Uuid, quarter: QuarterText('Quartal, z. B. 2026-Q4') });
const NOT_FOUND = 'Lösung gibt es nicht (oder sie gehört einem anderen Ministerium)';

/**
 * GET /api/v1/solutions/:id/snapshots[/:quarter] – a solution's quarterly snapshots and
 * what moved since the one before and since the Stichtag; POST (admins) takes a missing
 * one of the newest ended quarter now; GET …/exports/snapshots/:quarter the comparison as a file.
 */
export const snapshotRoutes: FastifyPluginAsync<SnapshotRoutesDeps> = async (instance, { db, engine }) => {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/solutions/:id/snapshots',
    {
      config: READ,
      schema: {
        tags,
        operationId: 'listSnapshots',
        summary: 'Quartalsstände der Lösung',
        description: 'Am Ende jedes Quartals (erster Augenblick des nächsten, Europe/Berlin) wird der Stand jeder Lösung außer Entwürfen festgehalten: neueste zuerst, mit Summen.',
        params: SolutionId,
        response: { 200: SnapshotList, ...problemResponses({ 404: NOT_FOUND }) },
      },
    },
    async (request) => listSnapshots(db, requirePrincipal(request), request.params.id),
  );

  app.post(
    '/solutions/:id/snapshots',
    {
      config: { roles: [...ACCESS.admin] },
      schema: {
        tags,
        operationId: 'takeMissingSnapshot',
        summary: 'Fehlenden Quartalsstand nachholen',
        description: 'Hält den Stand des zuletzt beendeten Quartals jetzt fest, wenn er fehlt (etwa nach einem Ausfall); gibt es ihn schon, ändert sich nichts (200).',
        params: SolutionId,
        response: {
          200: { ...SnapshotTaken, description: 'war schon festgehalten' },
          201: { ...SnapshotTaken, description: 'jetzt festgehalten', headers: { location: Type.String({ description: 'URL des Quartalsstands' }) } },
          ...problemResponses({ 404: NOT_FOUND, 409: 'die Lösung ist ein Entwurf' }),
        },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const result = await takeMissingSnapshot(db, principal, request.params.id, engine.now(), actorOf(principal));
      if (result.created) reply.code(201).header('location', `/api/v1/solutions/${request.params.id}/snapshots/${result.snapshot.quarter}`);
      return result;
    },
  );

  app.get(
    '/solutions/:id/snapshots/:quarter',
    {
      config: READ,
      schema: {
        tags,
        operationId: 'getSnapshot',
        summary: 'Ein Quartalsstand mit Vergleich',
        description: 'Der festgehaltene Stand, was sich seit dem Stand davor bewegt hat (comparison) und seit diesem Stichtag bis jetzt (sinceThen): je Stadium, je Kreis zuständig/live, welche Behörden von wo nach wo.',
        params: QuarterParams,
        response: { 200: SnapshotDetailView, ...problemResponses({ 404: `${NOT_FOUND}, oder kein Stand für dieses Quartal` }) },
      },
    },
    async (request) => getSnapshot(db, requirePrincipal(request), request.params.id, request.params.quarter),
  );

  app.get(
    '/solutions/:id/exports/snapshots/:quarter',
    {
      config: READ,
      schema: {
        tags: ['Exporte', ...tags],
        operationId: 'exportSnapshot',
        summary: 'Vergleich eines Quartalsstands als Datei',
        description:
          'Eine Zeile je Behörde des Quartals oder des Stands davor: Stadium vorher und im Quartal, Veränderung. CSV wie die anderen Exporte (BOM, `;`, deutsche Spaltennamen und Daten, Formeln neutralisiert); JSON ein Array.',
        params: QuarterParams,
        querystring: Type.Object({ format: Type.Optional(OneOf(['csv', 'json'], 'csv (Standard) oder json')) }, { additionalProperties: false }),
        response: {
          200: {
            description: 'Datei zum Herunterladen (quartal-<Quartal>-<OZG-ID>.csv)',
            content: {
              'text/csv': { schema: Type.String({ maxLength: 100_000_000, description: 'CSV' }) },
              'application/json': { schema: Type.Array(Type.Object({}, { additionalProperties: true }), { maxItems: 100_000 }) },
            },
          },
          ...problemResponses({ 404: `${NOT_FOUND}, oder kein Stand für dieses Quartal` }),
        },
      },
    },
    async (request, reply) => {
      const result = await buildSnapshotExport(db, requirePrincipal(request), request.params.id, request.params.quarter);
      return sendExport(reply, result, request.query.format ?? 'csv');
    },
  );
};
