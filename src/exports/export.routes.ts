import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { requirePrincipal } from '../auth/auth.hook.ts';
import { ACCESS, type Role } from '../auth/roles.ts';
import type { EngineDeps } from '../engine/workflow.engine.ts';
import { problemResponses } from '../http/response.schemas.ts';
import { OneOf, Uuid } from '../validation/common.schemas.ts';
import { buildExport, EXPORT_FILE_WORDS, EXPORT_MAX_ROWS, exportFile, type Export, type ExportKind } from './export.service.ts';

export interface ExportRoutesDeps {
  db: Kysely<Database>;
  engine: EngineDeps;
}

const tags = ['Exporte'];

const WHAT: Readonly<Record<ExportKind, { path: string; operationId: string; summary: string; description: string; roles: readonly Role[] }>> = {
  participants: {
    path: 'participants',
    operationId: 'exportParticipants',
    summary: 'Teilnehmende Behörden als Datei',
    description: 'Alle Teilnehmenden der Lösung (wie GET …/participants, ungeblättert). JSON: die Einträge der Liste mit den Feldnamen der API.',
    roles: ACCESS.read,
  },
  tickets: {
    path: 'tickets',
    operationId: 'exportTickets',
    summary: 'Tickets der Lösung als Datei',
    description: 'Alle Tickets der Lösung (wie GET /tickets?solutionId=…, ungeblättert). JSON: die Einträge der Liste mit den Feldnamen der API.',
    roles: ACCESS.tickets,
  },
  waves: {
    path: 'waves',
    operationId: 'exportWaves',
    summary: 'Wellen und ihre Mitglieder als Datei',
    description: 'Alle Wellen der Lösung mit ihren Mitgliedern (CSV: eine Zeile je Mitglied; JSON: die Wellen wie GET …/waves/{waveId}).',
    roles: ACCESS.read,
  },
  coverage: {
    path: 'coverage',
    operationId: 'exportCoverage',
    summary: 'Abdeckung nach Kreis als Datei',
    description:
      'Die Abdeckung wie GET …/coverage. CSV: eine Zeile je fehlender Behörde (zuständig, noch nicht live) mit den Zahlen ihres Kreises vorn, dazu eine Zeile für jeden Kreis, in dem keine fehlt; JSON: die Kreise wie GET …/coverage.',
    roles: ACCESS.read,
  },
};

const Params = Type.Object({ id: Uuid });
const Query = Type.Object({ format: Type.Optional(OneOf(['csv', 'json'], 'csv (Standard): UTF-8 mit BOM, Semikolon, deutsche Spaltennamen und Daten; json: ein Array')) }, { additionalProperties: false });

/** Sends an export as a download: CSV or JSON, named `<kind>-<ozgId>-<date>.<ext>`. */
export function sendExport(reply: FastifyReply, result: Export, format: 'csv' | 'json') {
  const file = exportFile(result, format);
  return reply
    .header('content-type', file.contentType)
    .header('content-disposition', `attachment; filename="${file.fileName}"`)
    .header('cache-control', 'no-store')
    .send(file.body);
}

/**
 * GET /api/v1/solutions/:id/exports/{participants,tickets,waves}?format=csv|json – the
 * same rows and scope as the JSON list routes, all at once (buildExport).
 */
export const exportRoutes: FastifyPluginAsync<ExportRoutesDeps> = async (instance, { db, engine }) => {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  for (const kind of Object.keys(WHAT) as ExportKind[]) {
    const what = WHAT[kind];
    app.get(
      `/solutions/:id/exports/${what.path}`,
      {
        config: { roles: [...what.roles] },
        schema: {
          tags,
          operationId: what.operationId,
          summary: what.summary,
          description: `${what.description} CSV öffnet sich in deutscher Tabellenkalkulation richtig (BOM, \`;\`, CRLF, Daten als TT.MM.JJJJ hh:mm Europe/Berlin); eine Zelle, die mit =, +, -, @, Tab oder CR beginnt, bekommt ein vorangestelltes ' (keine Formel). Höchstens ${EXPORT_MAX_ROWS} Zeilen.`,
          params: Params,
          querystring: Query,
          response: {
            200: {
              description: `Datei zum Herunterladen (Content-Disposition: attachment; filename="${EXPORT_FILE_WORDS[kind]}-<OZG-ID>-<Datum>.csv")`,
              content: {
                'text/csv': { schema: Type.String({ maxLength: 100_000_000, description: 'CSV' }) },
                'application/json': { schema: Type.Array(Type.Object({}, { additionalProperties: true }), { maxItems: EXPORT_MAX_ROWS }) },
              },
            },
            ...problemResponses({
              401: 'nicht angemeldet',
              403: kind === 'tickets' ? 'Rolle ohne Zugang zu Tickets (Landesredaktion)' : 'Rolle ohne Lesezugang',
              404: 'Lösung gibt es nicht (oder sie gehört einem anderen Ministerium)',
              422: `ungültiges Format oder mehr als ${EXPORT_MAX_ROWS} Zeilen`,
            }),
          },
        },
      },
      async (request, reply) => {
        const result = await buildExport({ db, principal: requirePrincipal(request), now: engine.now(), solutionId: request.params.id, kind });
        return sendExport(reply, result, request.query.format ?? 'csv');
      },
    );
  }
};
