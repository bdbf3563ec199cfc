import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { actorOf } from '../auth/api-token.service.ts';
import { requirePrincipal } from '../auth/auth.hook.ts';
import { ACCESS } from '../auth/roles.ts';
import type { EngineDeps } from '../engine/workflow.engine.ts';
import { problemResponses } from '../http/response.schemas.ts';
import { CalendarDate, NonBlankLine, Paging, Text, Uuid } from '../validation/common.schemas.ts';
import { confirmLeistungsbeschreibung, listLeistungsbeschreibungen } from './leistungsbeschreibung.service.ts';
import { applyReconciliation, getReconciliation, importReconciliation, listReconciliations } from './reconciliation.service.ts';
import { ApplyView, Category, LeistungsbeschreibungenView, ReconciliationPage, ReconciliationView } from './busbb.views.ts';

/** A PVOG export of one Land's Zuständigkeiten for a few Leistungen: a few MiB (about 10,000 Zuständigkeiten). */
export const RECONCILIATION_BODY_LIMIT_BYTES = 4 * 1024 * 1024;
const MAX_RECORDS = 100_000;

const SolutionId = Type.Object({ id: Uuid });
const ReconciliationParams = Type.Object({ id: Uuid, reconciliationId: Uuid });

const Records = (description: string) => Type.Array(Type.Unknown(), { maxItems: MAX_RECORDS, description });
export const ReconciliationBody = Type.Object(
  {
    quelle: Type.Optional(NonBlankLine('Quelle des Exports, z. B. „PVOG-Export BUS-BB“', 300)),
    exportiertAm: Type.Optional(CalendarDate('Tag des Exports (JJJJ-MM-TT)')),
    leistungen: Records('XZuFi-Leistungen: {id: {text, _schemeAgencyID}, referenzLeiKa: [{code}]}'),
    zustaendigkeiten: Records(
      'Zuständigkeiten: {uebergeordnetesObjektID: {text}, zustaendigkeit: {id: {text, _schemeID: ZustaendigkeitOrganisationseinheit | ZustaendigkeitOnlinedienst}, leistungID: {text}, gebietID: {text}}}',
    ),
    onlinedienste: Type.Optional(Records('Onlinedienste: {id, bezeichnung, link: [{url}]}')),
  },
  { additionalProperties: false, description: 'PVOG/BUS-BB-Export (XZuFi 2.2); ungültige Datensätze werden mit Position gemeldet, der gültige Rest eingelesen' },
);
const ConfirmBody = Type.Object(
  {
    leikaKey: Type.String({ pattern: '^[0-9]{14}$', maxLength: 14, description: 'LeiKa-Schlüssel der Lösung' }),
    note: Type.Optional(Text('Anmerkung der Landesredaktion', 500)),
  },
  { additionalProperties: false },
);

export interface BusBbRoutesDeps {
  db: Kysely<Database>;
  engine: EngineDeps;
}

export const busBbRoutes: FastifyPluginAsync<BusBbRoutesDeps> = async (fastify, { db, engine }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['BUS-BB'];

  app.get(
    '/solutions/:id/bus-bb/leistungsbeschreibungen',
    {
      config: { roles: [...ACCESS.read] },
      schema: {
        tags,
        operationId: 'listLeistungsbeschreibungen',
        summary: 'Leistungsbeschreibungen der Lösung im BUS-BB',
        params: SolutionId,
        response: { 200: LeistungsbeschreibungenView, ...problemResponses({ 404: 'Lösung nicht gefunden' }) },
      },
    },
    async (request) => listLeistungsbeschreibungen(db, requirePrincipal(request), request.params.id),
  );

  app.post(
    '/solutions/:id/bus-bb/leistungsbeschreibungen',
    {
      config: { roles: [...ACCESS.busBb] },
      schema: {
        tags,
        operationId: 'confirmLeistungsbeschreibung',
        summary: 'Leistungsbeschreibung im BUS-BB als hinterlegt bestätigen (je LeiKa-Schlüssel einmal)',
        params: SolutionId,
        body: ConfirmBody,
        response: {
          200: LeistungsbeschreibungenView,
          ...problemResponses({ 404: 'Lösung nicht gefunden', 409: 'bereits bestätigt', 422: 'ungültige Eingabe oder LeiKa-Schlüssel nicht der Lösung' }),
        },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      return confirmLeistungsbeschreibung(db, principal, actorOf(principal), request.params.id, request.body, engine.now());
    },
  );

  app.post(
    '/solutions/:id/reconciliations',
    {
      config: { roles: [...ACCESS.reconcile] },
      bodyLimit: RECONCILIATION_BODY_LIMIT_BYTES,
      schema: {
        tags,
        operationId: 'importReconciliation',
        summary: 'PVOG/BUS-BB-Export einlesen und mit den Meldungen abgleichen',
        params: SolutionId,
        body: ReconciliationBody,
        response: {
          201: { ...ReconciliationView, description: 'eingelesen und abgeglichen', headers: { location: Type.String({ description: 'URL des Abgleichs' }) } },
          ...problemResponses({ 404: 'Lösung nicht gefunden', 413: 'Export größer als 4 MiB', 422: 'ungültige Eingabe' }),
        },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const view = await importReconciliation({ db, engine }, principal, actorOf(principal), request.params.id, request.body);
      return reply.code(201).header('location', `/api/v1/solutions/${request.params.id}/reconciliations/${view.id}`).send(view);
    },
  );

  app.get(
    '/solutions/:id/reconciliations',
    {
      config: { roles: [...ACCESS.read] },
      schema: {
        tags,
        operationId: 'listReconciliations',
        summary: 'Abgleiche der Lösung (neueste zuerst)',
        params: SolutionId,
        querystring: Type.Object(Paging(50)),
        response: { 200: ReconciliationPage, ...problemResponses({ 404: 'Lösung nicht gefunden' }) },
      },
    },
    async (request) => {
      const { limit = 50, offset = 0 } = request.query;
      return listReconciliations(db, requirePrincipal(request), request.params.id, { limit, offset });
    },
  );

  app.get(
    '/solutions/:id/reconciliations/:reconciliationId',
    {
      config: { roles: [...ACCESS.read] },
      schema: {
        tags,
        operationId: 'getReconciliation',
        summary: 'Ein Abgleich: Kategorien je Teilnehmerin, ungültige Datensätze, Änderungen seit dem vorigen',
        params: ReconciliationParams,
        querystring: Type.Object({ category: Type.Optional(Category) }),
        response: { 200: ReconciliationView, ...problemResponses({ 404: 'Lösung oder Abgleich nicht gefunden' }) },
      },
    },
    async (request) => getReconciliation(db, requirePrincipal(request), request.params.id, request.params.reconciliationId, request.query),
  );

  app.post(
    '/solutions/:id/reconciliations/:reconciliationId/apply',
    {
      config: { roles: [...ACCESS.reconcile] },
      schema: {
        tags,
        operationId: 'applyReconciliation',
        summary: 'Abgleich anwenden: „gefunden, nicht gemeldet“ nach bus-bb-verknuepft übernehmen',
        params: ReconciliationParams,
        response: {
          200: ApplyView,
          ...problemResponses({ 404: 'Lösung oder Abgleich nicht gefunden', 409: 'bereits angewandt, ein neuerer Abgleich liegt vor, oder die Lösung ist nicht aktiv' }),
        },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      return applyReconciliation({ db, engine }, principal, actorOf(principal), request.params.id, request.params.reconciliationId);
    },
  );
};
