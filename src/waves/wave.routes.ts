import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { actorOf } from '../auth/api-token.service.ts';
import { requirePrincipal } from '../auth/auth.hook.ts';
import { ACCESS } from '../auth/roles.ts';
import type { EngineDeps } from '../engine/workflow.engine.ts';
import type { MailingSettings } from '../mailings/mailing.service.ts';
import { LARGE_JSON_BODY_LIMIT_BYTES } from '../http/body-limits.ts';
import { problemResponses } from '../http/response.schemas.ts';
import { Ars, CalendarDate, FristTage, NonBlankLine, OneOf, Paging, Uuid } from '../validation/common.schemas.ts';
import { addWaveMembers, createWave, getWave, INVITABLE_STAGES, listUnplannedParticipants, listWaves, READINESS_FILTER, removeWaveMember, startWave } from './wave.service.ts';
import { getWaveProgress } from './wave-progress.queries.ts';
import { UnplannedPage, WaveChangeView, WaveDetailView, WaveList, WaveProgressView, WaveStartedView, WaveView } from './wave.views.ts';

export interface WaveRoutesDeps {
  db: Kysely<Database>;
  engine: EngineDeps;
  settings: MailingSettings;
}

const READ = { roles: [...ACCESS.read] };
const STEER = { roles: [...ACCESS.steer] };

/** Far above Brandenburg's ~420 Gemeinden. */
const MAX_MEMBERS = 5000;

const SolutionId = Type.Object({ id: Uuid });
const WaveParams = Type.Object({ id: Uuid, waveId: Uuid });
const MemberParams = Type.Object({ id: Uuid, waveId: Uuid, ars: Ars });

const AuthorityKind = Type.String({ pattern: '^[a-z_]{1,40}$', maxLength: 40, description: 'Art der Behörde, z. B. amt, amtsfreie_gemeinde' });
const MemberFilter = Type.Object(
  {
    kreisArs: Type.Optional({ ...Ars, description: 'nur in diesem Landkreis (ARS des Kreises)' }),
    kinds: Type.Optional(Type.Array(AuthorityKind, { minItems: 1, maxItems: 20, uniqueItems: true, description: 'nur diese Arten von Behörden' })),
    readiness: Type.Optional(
      Type.Array(OneOf(READINESS_FILTER), { minItems: 1, maxItems: READINESS_FILTER.length, uniqueItems: true, description: 'nach Bereitschaftsantwort; keine: noch keine' }),
    ),
    stages: Type.Optional(
      Type.Array(OneOf(INVITABLE_STAGES), {
        minItems: 1,
        maxItems: INVITABLE_STAGES.length,
        uniqueItems: true,
        description: 'nur in diesen der einladbaren Stadien (Standard: alle – vorgemerkt, informiert, interessiert, abgelehnt); eine Welle lädt keine anderen ein',
      }),
    ),
  },
  { additionalProperties: false, description: 'Teilnehmende, die noch in keiner geplanten Welle sind und auf die alles zutrifft' },
);
const memberFields = {
  authorities: Type.Optional(Type.Array(Ars, { maxItems: MAX_MEMBERS, uniqueItems: true, description: 'diese Teilnehmenden (oder filter)' })),
  filter: Type.Optional(MemberFilter),
  verschieben: Type.Optional(Type.Boolean({ description: 'Behörden aus einer anderen geplanten Welle hierher verschieben (sonst 409)' })),
};
export const CreateWaveBody = Type.Object(
  {
    name: NonBlankLine('Name der Welle, eindeutig je Lösung (steht in den Einladungen)', 200),
    targetDate: Type.Optional(CalendarDate('Zieltermin (JJJJ-MM-TT)')),
    fristTage: Type.Optional(FristTage),
    ...memberFields,
  },
  { additionalProperties: false },
);
export const MembersBody = Type.Object(memberFields, { additionalProperties: false, minProperties: 1 });
export const StartBody = Type.Object(
  {
    fristTage: Type.Optional(FristTage),
    einladungMailen: Type.Optional(Type.Boolean({ default: true, description: 'Rollout-Einladung an die Mitglieder senden (Standard: ja)' })),
  },
  { additionalProperties: false },
);

export const waveRoutes: FastifyPluginAsync<WaveRoutesDeps> = async (fastify, { db, engine, settings }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['Wellen'];
  const who = (request: Parameters<typeof requirePrincipal>[0]) => {
    const principal = requirePrincipal(request);
    return { principal, actor: actorOf(principal), now: engine.now() };
  };

  app.get(
    '/solutions/:id/waves',
    { config: READ, schema: { tags, operationId: 'listWaves', summary: 'Wellen der Lösung', params: SolutionId, response: { 200: WaveList } } },
    async (request) => listWaves(db, requirePrincipal(request), request.params.id),
  );

  app.post(
    '/solutions/:id/waves',
    {
      config: STEER,
      bodyLimit: LARGE_JSON_BODY_LIMIT_BYTES,
      schema: {
        tags,
        operationId: 'createWave',
        summary: 'Welle planen',
        description: 'Name, Zieltermin, Antwortfrist und Mitglieder (Liste oder Filter). Eine Behörde ist in höchstens einer geplanten Welle.',
        params: SolutionId,
        body: CreateWaveBody,
        response: {
          201: { ...WaveChangeView, headers: { location: Type.String({ description: 'URL der Welle' }) } },
          ...problemResponses({ 409: 'Name vergeben, Lösung beendet, oder Behörden schon in einer anderen geplanten Welle (conflicts)' }),
        },
      },
    },
    async (request, reply) => {
      const wave = await createWave(db, request.params.id, request.body, who(request));
      return reply.code(201).header('location', `/api/v1/solutions/${request.params.id}/waves/${wave.id}`).send(wave);
    },
  );

  app.get(
    '/solutions/:id/waves/ungeplant',
    {
      config: READ,
      schema: {
        tags,
        operationId: 'listUnplannedParticipants',
        summary: 'Teilnehmende ohne Welle („ungeplant“)',
        params: SolutionId,
        querystring: Type.Object(Paging(100)),
        response: { 200: UnplannedPage },
      },
    },
    async (request) => {
      const { limit = 100, offset = 0 } = request.query;
      return listUnplannedParticipants(db, requirePrincipal(request), request.params.id, { limit, offset });
    },
  );

  app.get(
    '/solutions/:id/waves/:waveId',
    { config: READ, schema: { tags, operationId: 'getWave', summary: 'Eine Welle mit Mitgliedern', params: WaveParams, response: { 200: WaveDetailView } } },
    async (request) => getWave(db, requirePrincipal(request), request.params.id, request.params.waveId),
  );

  app.post(
    '/solutions/:id/waves/:waveId/members',
    {
      config: STEER,
      bodyLimit: LARGE_JSON_BODY_LIMIT_BYTES,
      schema: {
        tags,
        operationId: 'addWaveMembers',
        summary: 'Behörden in die Welle aufnehmen oder aus einer anderen hierher verschieben',
        params: WaveParams,
        body: MembersBody,
        response: { 200: WaveChangeView, ...problemResponses({ 409: 'Welle schon gestartet, oder Behörden in einer anderen geplanten Welle ohne verschieben' }) },
      },
    },
    async (request) => addWaveMembers(db, request.params.id, request.params.waveId, request.body, who(request)),
  );

  app.delete(
    '/solutions/:id/waves/:waveId/members/:ars',
    {
      config: STEER,
      schema: {
        tags,
        operationId: 'removeWaveMember',
        summary: 'Behörde aus der geplanten Welle nehmen',
        params: MemberParams,
        response: { 200: WaveView, ...problemResponses({ 409: 'Welle schon gestartet' }) },
      },
    },
    async (request) => removeWaveMember(db, request.params.id, request.params.waveId, request.params.ars, who(request)),
  );

  app.post(
    '/solutions/:id/waves/:waveId/start',
    {
      config: STEER,
      schema: {
        tags,
        operationId: 'startWave',
        summary: 'Welle starten: Mitglieder einladen (WELLE_STARTEN) und Rollout-Einladung senden',
        params: WaveParams,
        body: StartBody,
        response: {
          200: WaveStartedView,
          ...problemResponses({ 409: 'Welle schon gestartet, ohne Mitglieder, oder WELLE_STARTEN im Stadium der Lösung nicht möglich', 422: 'ungültige Angaben oder Ansprechperson der Lösung fehlt' }),
        },
      },
    },
    async (request) => startWave({ engine, settings }, request.params.id, request.params.waveId, request.body, who(request)),
  );

  app.get(
    '/solutions/:id/waves/:waveId/progress',
    {
      config: READ,
      schema: { tags, operationId: 'getWaveProgress', summary: 'Stand einer Welle', params: WaveParams, response: { 200: WaveProgressView } },
    },
    async (request) => getWaveProgress(db, requirePrincipal(request), request.params.id, request.params.waveId, engine.now()),
  );

};
