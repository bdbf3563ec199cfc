import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { actorOf } from '../auth/api-token.service.ts';
import { requirePrincipal } from '../auth/auth.hook.ts';
import { type EngineDeps } from '../engine/workflow.engine.ts';
import { sendParticipantEvent } from './participant.target.ts';
import { sendSolutionEvent } from './solution.target.ts';
import { eventBodySchemas, ParticipantEventBody, SolutionEventBody } from './event.schemas.ts';
import { ForbiddenError, NotFoundError } from '../errors/domain.errors.ts';
import { problemResponses } from '../http/response.schemas.ts';
import { ACCESS, mayRoleSendParticipantEvent, participantEventForbidden } from '../auth/roles.ts';
import { LARGE_JSON_BODY_LIMIT_BYTES } from '../http/body-limits.ts';
import { eventOutcomeForCaller } from '../auth/event-outcome.ts';
import { PARTICIPANT_STAGES, READINESS_GRUENDE, SOLUTION_STAGES } from '../../workflows/index.ts';
import { Ars, CsvOf, LandKey, MinistryKey, NonBlankLine, OneOf, Paging, Text, Uuid } from '../validation/common.schemas.ts';
import { assertMayAccess, createSolution, getSolution, listSolutions, updateDraftSolution } from './solution.service.ts';
import { getParticipant, listHistory, listParticipants, PARTICIPANT_SORTS } from './participant.queries.ts';
import { COVERAGE_GROUPS } from './coverage-groups.ts';
import { BULK_MAX_PARTICIPANTS, sendBulkParticipantEvent } from './bulk-events.service.ts';
import {
  AllowedEventsView,
  AppliedEventView,
  BulkEventView,
  HistoryPage,
  ParticipantDetailView,
  ParticipantPage,
  SolutionPage,
  SolutionView,
} from './solution.views.ts';

const SolutionId = Type.Object({ id: Uuid });
const ParticipantParams = Type.Object({ id: Uuid, ars: Ars });

const Responsibility = Type.Object(
  {
    level: OneOf(['gemeinde', 'kreis', 'liste'], 'gemeinde: Ämter, amtsfreie Gemeinden, kreisfreie Städte, Verbandsgemeinde; kreis: Landkreise und kreisfreie Städte; liste: explizit'),
    authorities: Type.Optional(Type.Array(Ars, { minItems: 1, maxItems: 20000, description: 'bei level=liste: die zuständigen Behörden' })),
    land: Type.Optional(
      Type.Union([LandKey, Type.Literal('alle')], {
        description: 'bei level=gemeinde/kreis: das Land (Schlüssel, ohne Angabe 12 = Brandenburg) oder alle für ganz Deutschland',
      }),
    ),
    laender: Type.Optional(
      Type.Array(LandKey, {
        minItems: 1,
        maxItems: 16,
        uniqueItems: true,
        description: 'bei level=gemeinde/kreis statt land: mehrere Länder, z. B. ["12","13"]; gespeichert wird die Regel, nicht die Liste der Behörden',
      }),
    ),
  },
  { additionalProperties: false },
);
const Override = Type.Object(
  {
    ars: Ars,
    action: OneOf(['add', 'exclude'], 'add: zusätzlich ansprechen; exclude: ausnehmen'),
    reason: Text('Begründung', 500),
  },
  { additionalProperties: false },
);
const solutionFields = {
  title: NonBlankLine('Titel der EfA-Lösung (eine Zeile: er steht im Betreff der Mails)', 300),
  ozgId: Type.String({ pattern: '^[A-Za-z0-9._-]{1,40}$', maxLength: 40, description: 'OZG-ID, z. B. 10326' }),
  leikaKeys: Type.Array(Type.String({ pattern: '^[0-9]{14}$', maxLength: 14, description: '14-stelliger LeiKa-Leistungsschlüssel' }), {
    minItems: 1,
    maxItems: 50,
  }),
  leadMinistry: Type.Optional({ ...MinistryKey, description: 'federführendes Ministerium; Ministeriums-Tokens nur das eigene' }),
  description: Type.Optional(Type.String({ maxLength: 20000 })),
  responsibility: Responsibility,
  overrides: Type.Optional(Type.Array(Override, { maxItems: 5000 })),
};
/** The request bodies of POST and PATCH /solutions: the staff's forms check against the same. */
export const SolutionBody = Type.Object(solutionFields, { additionalProperties: false });
export const SolutionPatchBody = Type.Partial(Type.Object(solutionFields), { additionalProperties: false, minProperties: 1 });
const Search = Type.String({ maxLength: 200, description: 'Teil des Namens (ohne Groß-/Kleinschreibung)' });
const BulkEventBody = Type.Object(
  {
    event: ParticipantEventBody,
    authorities: Type.Optional(
      Type.Array(Ars, { minItems: 1, maxItems: BULK_MAX_PARTICIPANTS, uniqueItems: true, description: 'diese Behörden (oder filter)' }),
    ),
    filter: Type.Optional(
      Type.Object(
        {
          stages: Type.Optional(Type.Array(OneOf(PARTICIPANT_STAGES), { minItems: 1, maxItems: PARTICIPANT_STAGES.length, uniqueItems: true, description: 'nur in diesen Stadien' })),
          kreisArs: Type.Optional({ ...Ars, description: 'nur in diesem Landkreis (ARS des Kreises)' }),
          waveId: Type.Optional({ ...Uuid, description: 'nur Mitglieder dieser Welle' }),
        },
        { additionalProperties: false, minProperties: 1, description: 'alle Teilnehmenden, auf die alles zutrifft (oder authorities)' },
      ),
    ),
    idempotencyKey: Type.Optional({
      ...Uuid,
      description:
        'gilt für diese Lösung, diesen Token und genau diesen Inhalt (event, authorities/filter): eine Wiederholung erhält das Ergebnis der ersten Anfrage noch einmal (replayed) bzw. wendet nach einem Abbruch nur den Rest an; derselbe Schlüssel mit anderem Inhalt wird mit 409 abgelehnt',
    }),
  },
  { additionalProperties: false },
);
const splitList = (value: string | undefined) => value?.split(',').map((v) => v.trim()).filter(Boolean);

const EVENT_PROBLEMS = problemResponses({
  403: 'die Rolle darf das nicht, oder ein Systemereignis (sendet nur das System; detail erklärt, wer)',
  409: 'im Stadium nicht möglich oder Bedingung nicht erfüllt; allowedEvents nennt die möglichen, facts die Zahlen der Prüfung',
});
const BULK_PROBLEMS = problemResponses({
  403: 'die Rolle darf das nicht, oder ein Systemereignis (sendet nur das System; detail erklärt, wer)',
  409: 'Lösung nicht im Rollout, oder der idempotencyKey wurde schon für eine andere Anfrage verwendet (errors nennt /body/idempotencyKey)',
});

export interface SolutionRoutesDeps {
  db: Kysely<Database>;
  engine: EngineDeps;
}

/** The engine checks the ministry scope inside its transaction: no extra lookup per event. */
function senderOf(request: Parameters<typeof requirePrincipal>[0]) {
  const principal = requirePrincipal(request);
  return { actor: actorOf(principal), origin: 'client' as const, ministryScope: principal.role === 'ministry' ? principal.ministry : null };
}

/** Everyone reads (a ministry only its own solutions); only ministries and admins steer. */
const READ = { roles: [...ACCESS.read] };
const STEER = { roles: [...ACCESS.steer] };

export const solutionRoutes: FastifyPluginAsync<SolutionRoutesDeps> = async (fastify, { db, engine }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['EfA-Lösungen'];
  for (const schema of eventBodySchemas) app.addSchema(schema);

  async function loadAccessible(request: { principal: unknown } & Parameters<typeof requirePrincipal>[0], id: string) {
    const row = await db.selectFrom('solution').select(['id', 'lead_ministry']).where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError(`EfA-Lösung ${id} gibt es nicht`);
    assertMayAccess(requirePrincipal(request), row);
  }

  app.post(
    '/solutions',
    {
      config: STEER,
      bodyLimit: LARGE_JSON_BODY_LIMIT_BYTES,
      schema: {
        tags,
        operationId: 'createSolution',
        summary: 'EfA-Lösung registrieren',
        body: SolutionBody,
        response: {
          201: { ...SolutionView, description: 'registriert (Stadium entwurf)', headers: { location: Type.String({ description: 'URL der neuen Lösung' }) } },
        },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const solution = await createSolution(db, principal, request.body, actorOf(principal));
      return reply.code(201).header('location', `/api/v1/solutions/${solution.id}`).send(solution);
    },
  );

  app.get(
    '/solutions',
    {
      config: READ,
      schema: {
        tags,
        operationId: 'listSolutions',
        summary: 'EfA-Lösungen auflisten',
        querystring: Type.Object({
          stage: Type.Optional(OneOf(SOLUTION_STAGES, 'nur Lösungen in diesem Stadium')),
          leadMinistry: Type.Optional(MinistryKey),
          ozgId: Type.Optional(Type.String({ maxLength: 40 })),
          q: Type.Optional(Search),
          ...Paging(50),
        }),
        response: { 200: SolutionPage },
      },
    },
    async (request) => {
      const { limit = 50, offset = 0, ...filter } = request.query;
      return listSolutions(db, requirePrincipal(request), { ...filter, limit, offset });
    },
  );

  app.get(
    '/solutions/:id',
    { config: READ, schema: { tags, operationId: 'getSolution', summary: 'EfA-Lösung lesen', params: SolutionId, response: { 200: SolutionView } } },
    async (request) => getSolution(db, requirePrincipal(request), request.params.id),
  );

  app.patch(
    '/solutions/:id',
    {
      config: STEER,
      bodyLimit: LARGE_JSON_BODY_LIMIT_BYTES,
      schema: {
        tags,
        operationId: 'updateDraftSolution',
        summary: 'Entwurf ändern',
        params: SolutionId,
        body: SolutionPatchBody,
        response: { 200: SolutionView, ...problemResponses({ 409: 'nur Entwürfe lassen sich ändern' }) },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      return updateDraftSolution(db, principal, request.params.id, request.body, actorOf(principal));
    },
  );

  app.get(
    '/solutions/:id/allowed-events',
    {
      config: READ,
      schema: { tags, operationId: 'listSolutionAllowedEvents', summary: 'Mögliche Ereignisse der Lösung', params: SolutionId, response: { 200: AllowedEventsView } },
    },
    async (request) => {
      const solution = await getSolution(db, requirePrincipal(request), request.params.id);
      return { stage: solution.stage, allowedEvents: solution.allowedEvents, blockedEvents: solution.blockedEvents };
    },
  );

  app.post(
    '/solutions/:id/events',
    {
      config: STEER,
      bodyLimit: LARGE_JSON_BODY_LIMIT_BYTES,
      schema: {
        tags,
        operationId: 'sendSolutionEvent',
        summary: 'Ereignis an die Lösung senden',
        params: SolutionId,
        body: SolutionEventBody,
        response: { 200: AppliedEventView, ...EVENT_PROBLEMS },
      },
    },
    async (request) =>
      eventOutcomeForCaller(
        await sendSolutionEvent(engine, { solutionId: request.params.id, event: request.body, ...senderOf(request) }),
        requirePrincipal(request).role,
        'solution',
      ),
  );

  app.get(
    '/solutions/:id/participants',
    {
      config: READ,
      schema: {
        tags,
        operationId: 'listParticipants',
        summary: 'Teilnehmende Behörden',
        params: SolutionId,
        querystring: Type.Object({
          stage: Type.Optional(CsvOf(PARTICIPANT_STAGES, 'Stadien')),
          kind: Type.Optional(Type.String({ maxLength: 500, pattern: '^[a-z_]+(,[a-z_]+)*$', description: 'Arten, kommagetrennt, z. B. amt,amtsfreie_gemeinde' })),
          landkreis: Type.Optional(Ars),
          waveId: Type.Optional({ ...Uuid, description: 'nur Mitglieder dieser Welle (geplant oder gestartet)' }),
          grund: Type.Optional(OneOf(READINESS_GRUENDE, 'nur Behörden, die „nicht bereit“ mit diesem Grund gemeldet haben')),
          blockiert: Type.Optional(OneOf(['ja', 'nein'], 'ja: nur Behörden mit offenem blockierendem Ticket; nein: nur ohne')),
          abdeckung: Type.Optional(
            OneOf(COVERAGE_GROUPS, 'Abdeckung: zustaendig (nicht „nicht zuständig“ oder ausgenommen), live (live, pilot-live), fehlt (zuständig, noch nicht live) – wie GET …/coverage zählt'),
          ),
          q: Type.Optional({ ...Search, description: 'Teil des Namens (ohne Groß-/Kleinschreibung) oder des ARS' }),
          sort: Type.Optional(OneOf(PARTICIPANT_SORTS, 'Sortierung: name (Standard), ars, stage (in der Reihenfolge der Stadien), updatedAt (letzte Änderung)')),
          order: Type.Optional(OneOf(['asc', 'desc'], 'aufsteigend (Standard) oder absteigend')),
          ...Paging(50),
          after: Type.Optional(
            Type.String({
              maxLength: 1000,
              pattern: '^[A-Za-z0-9_-]+$',
              description: 'die Seite nach dieser: nextCursor der vorigen Seite (nur sort=name oder ars, ohne offset) – blättert über den Index, ohne die vorigen Seiten zu überspringen',
            }),
          ),
          total: Type.Optional(
            OneOf(['true', 'false'], 'total mitzählen (eine zweite Abfrage): Standard true ohne after, false mit after'),
          ),
        }),
        response: { 200: ParticipantPage },
      },
    },
    async (request) => {
      await loadAccessible(request, request.params.id);
      const { stage, kind, landkreis, waveId, grund, blockiert, abdeckung, q, sort, order, limit = 50, offset = 0, after, total } = request.query;
      return listParticipants(db, request.params.id, {
        stage: splitList(stage),
        kind: splitList(kind),
        kreisArs: landkreis,
        waveId,
        readinessReason: grund,
        ...(blockiert ? { blocked: blockiert === 'ja' } : {}),
        ...(abdeckung ? { coverage: abdeckung } : {}),
        q,
        sort,
        descending: order === 'desc',
        limit,
        offset,
        ...(after ? { after } : {}),
        withTotal: total === undefined ? after === undefined : total === 'true',
      });
    },
  );

  app.get(
    '/solutions/:id/participants/:ars',
    {
      config: READ,
      schema: { tags, operationId: 'getParticipant', summary: 'Eine teilnehmende Behörde', params: ParticipantParams, response: { 200: ParticipantDetailView } },
    },
    async (request) => {
      await loadAccessible(request, request.params.id);
      return getParticipant(db, engine.workflows, request.params.id, request.params.ars, requirePrincipal(request).role);
    },
  );

  app.post(
    '/solutions/:id/participants/:ars/events',
    {
      config: { roles: [...ACCESS.participantEvents] },
      schema: {
        tags,
        operationId: 'sendParticipantEvent',
        summary: 'Ereignis an eine teilnehmende Behörde senden',
        description: 'Die Landesredaktion sendet nur BUS_BB_SCHRITT_BESTAETIGEN und LIVE_BESTAETIGEN (sonst 403).',
        params: ParticipantParams,
        body: ParticipantEventBody,
        response: { 200: AppliedEventView, ...EVENT_PROBLEMS },
      },
    },
    async (request) => {
      const { role } = requirePrincipal(request);
      if (!mayRoleSendParticipantEvent(role, request.body.type)) {
        throw new ForbiddenError(participantEventForbidden(role, request.body.type));
      }
      return eventOutcomeForCaller(
        await sendParticipantEvent(engine, { solutionId: request.params.id, ars: request.params.ars, event: request.body, ...senderOf(request) }),
        role,
        'participant',
      );
    },
  );

  app.post(
    '/solutions/:id/participants/events',
    {
      config: STEER,
      bodyLimit: LARGE_JSON_BODY_LIMIT_BYTES,
      schema: {
        tags,
        operationId: 'sendBulkParticipantEvent',
        summary: 'Ein Ereignis an viele teilnehmende Behörden senden (Sammelaktion)',
        description:
          'Wendet das Ereignis auf jede ausgewählte Behörde einzeln an (mit den Prüfungen und dem Verlaufseintrag wie beim Einzelereignis; gespeichert in Teilen zu höchstens 500 Behörden je Transaktion) und nennt das Ergebnis je Behörde. Fehlerhafte Angaben weisen die ganze Anfrage mit 422 ab, bevor etwas geschrieben wird.',
        params: SolutionId,
        body: BulkEventBody,
        response: { 200: BulkEventView, ...BULK_PROBLEMS },
      },
    },
    async (request) => sendBulkParticipantEvent(engine, requirePrincipal(request), request.params.id, request.body),
  );

  app.get(
    '/solutions/:id/history',
    {
      config: READ,
      schema: {
        tags,
        operationId: 'listHistory',
        summary: 'Verlauf der Lösung und ihrer Teilnehmenden',
        params: SolutionId,
        querystring: Type.Object({
          ars: Type.Optional(Ars),
          afterId: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'nur Einträge nach diesem (nextAfterId der vorigen Seite)' })),
          limit: Paging(100).limit,
        }),
        response: { 200: HistoryPage },
      },
    },
    async (request) => {
      await loadAccessible(request, request.params.id);
      const { ars, afterId, limit = 100 } = request.query;
      return listHistory(db, request.params.id, { ars, afterId, limit });
    },
  );
};
