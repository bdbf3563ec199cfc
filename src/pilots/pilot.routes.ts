import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { actorOf } from '../auth/api-token.service.ts';
import { requirePrincipal } from '../auth/auth.hook.ts';
import { ACCESS } from '../auth/roles.ts';
import { problemResponses } from '../http/response.schemas.ts';
import { loadAccessibleSolution } from '../solutions/solution.service.ts';
import { PARTICIPANT_STAGES, PILOT_QUELLEN } from '../../workflows/index.ts';
import { Ars, CalendarDate, CsvOf, NonBlankLine, OneOf, Paging, Text, Uuid } from '../validation/common.schemas.ts';
import { LESSON_RELEVANZ } from '../solutions/event.schemas.ts';
import { CHECKLIST_STATUSES } from './checklist.defaults.ts';
import { addCustomChecklistItem, getChecklist, listChecklistDefinitions, setChecklistItem } from './pilot-checklist.service.ts';
import { createMeeting, getItSupport, listMeetings, setItSupport } from './pilot-support.service.ts';
import { listCandidates, listLessonsLearned } from './pilot.queries.ts';
import {
  CandidatePage,
  ChecklistDefinitionList,
  ChecklistItemDefinitionView,
  ChecklistView,
  ItSupportView,
  LessonsLearnedPage,
  MeetingPage,
  MeetingView,
} from './pilot.views.ts';

/**
 * Step 2, the pilot phase, beside the participant events: candidates, each pilot's
 * checklist, meetings and ZIT-BB/DIKOM involvement, and the lessons learned. Candidates
 * are suggested, confirmed, put back and declined through participant events
 * (PILOT_VORSCHLAGEN, PILOT_BESTAETIGEN, PILOT_ZURUECKSTELLEN, PILOT_ABLEHNEN); the go-live
 * is PILOT_LIVE_MELDEN, gated by the checklist in the engine.
 */

export interface PilotRoutesDeps {
  db: Kysely<Database>;
  now: () => Date;
}

const SolutionId = Type.Object({ id: Uuid });
const PilotParams = Type.Object({ id: Uuid, ars: Ars });
export const ItemKey = Type.String({ pattern: '^[a-z0-9-]{1,40}$', maxLength: 40, description: 'Schlüssel des Checklistenpunkts, z. B. avv oder eigen-1' });

const READ = { roles: [...ACCESS.read] };
const PILOTS = { roles: [...ACCESS.pilots] };
const STEER = { roles: [...ACCESS.steer] };

const PILOT_PROBLEMS = problemResponses({
  404: 'Lösung oder teilnehmende Behörde nicht gefunden',
  409: 'die Behörde ist in ihrem Stadium keine (bearbeitbare) Pilotbehörde; stage nennt es',
});

export const ChecklistItemBody = Type.Object(
  {
    status: OneOf(CHECKLIST_STATUSES, 'entfaellt braucht reason'),
    reason: Type.Optional(Text('Begründung (Pflicht bei entfaellt)', 1000)),
  },
  { additionalProperties: false },
);
export const CustomItemBody = Type.Object(
  {
    label: NonBlankLine('Bezeichnung des Punkts', 300),
    optional: Type.Optional(Type.Boolean({ default: false, description: 'nur zur Information: auch optionale Punkte müssen vor dem Go-live erledigt oder begründet entfallen sein' })),
  },
  { additionalProperties: false },
);
const Person = NonBlankLine('Name, Stelle', 200);
export const MeetingBody = Type.Object(
  {
    art: OneOf(['videokonferenz', 'telefonkonferenz', 'vor-ort'], 'Art des Termins'),
    datum: CalendarDate('Tag des Termins (JJJJ-MM-TT)'),
    teilnehmende: Type.Array(Person, { minItems: 1, maxItems: 50, description: 'wer teilnahm' }),
    notizen: Type.Optional(Type.String({ maxLength: 10000, description: 'Notizen' })),
    folgeaufgaben: Type.Optional(Type.Array(NonBlankLine('Folgeaufgabe', 500), { maxItems: 50 })),
    moderiertDurchKaz: Type.Boolean({ description: 'vom Kaz (ZIT-BB) moderiert' }),
  },
  { additionalProperties: false },
);
export const ItSupportBody = Type.Object(
  {
    zitBb: Type.Boolean({ description: 'ZIT-BB eingebunden' }),
    dikom: Type.Boolean({ description: 'DIKOM (über den ZIT-BB) eingebunden' }),
    seit: Type.Optional(CalendarDate('seit wann (JJJJ-MM-TT)')),
    kontakt: Type.Optional(NonBlankLine('Ansprechperson bei ZIT-BB/DIKOM', 300)),
  },
  { additionalProperties: false },
);

export const pilotRoutes: FastifyPluginAsync<PilotRoutesDeps> = async (fastify, { db, now }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['Pilotphase'];

  /** The scope hook already turned other ministries away; this also answers 404 for an unknown solution. */
  async function loadAccessible(request: Parameters<typeof requirePrincipal>[0], id: string) {
    await loadAccessibleSolution(db, requirePrincipal(request), id);
  }
  const actor = (request: Parameters<typeof requirePrincipal>[0]) => actorOf(requirePrincipal(request));

  app.get(
    '/solutions/:id/pilot-candidates',
    {
      config: READ,
      schema: {
        tags,
        operationId: 'listPilotCandidates',
        summary: 'Pilotkandidaten: Quelle, seit wann, Stadium',
        params: SolutionId,
        querystring: Type.Object({
          stage: Type.Optional(CsvOf(PARTICIPANT_STAGES, 'Stadien')),
          quelle: Type.Optional(OneOf(PILOT_QUELLEN, 'nur Kandidaten dieser Quelle')),
          ...Paging(100),
        }),
        response: { 200: CandidatePage, ...problemResponses({ 404: 'Lösung nicht gefunden' }) },
      },
    },
    async (request) => {
      await loadAccessible(request, request.params.id);
      const { stage, quelle, limit = 100, offset = 0 } = request.query;
      return listCandidates(db, request.params.id, { stage: stage?.split(','), quelle, limit, offset });
    },
  );

  app.get(
    '/solutions/:id/pilot-checklist-items',
    {
      config: PILOTS,
      schema: {
        tags,
        operationId: 'listPilotChecklistItems',
        summary: 'Punkte der Pilot-Checkliste (Standard und eigene)',
        params: SolutionId,
        response: { 200: ChecklistDefinitionList, ...problemResponses({ 404: 'Lösung nicht gefunden' }) },
      },
    },
    async (request) => {
      await loadAccessible(request, request.params.id);
      return listChecklistDefinitions(db, request.params.id);
    },
  );

  app.post(
    '/solutions/:id/pilot-checklist-items',
    {
      config: STEER,
      schema: {
        tags,
        operationId: 'addPilotChecklistItem',
        summary: 'Eigenen Checklistenpunkt für alle Piloten der Lösung anlegen',
        params: SolutionId,
        body: CustomItemBody,
        response: { 201: ChecklistItemDefinitionView, ...problemResponses({ 404: 'Lösung nicht gefunden' }) },
      },
    },
    async (request, reply) => {
      await loadAccessible(request, request.params.id);
      const item = await addCustomChecklistItem(db, {
        solutionId: request.params.id,
        label: request.body.label,
        optional: request.body.optional ?? false,
        actor: actor(request),
        at: now(),
      });
      return reply.code(201).header('location', `/api/v1/solutions/${request.params.id}/pilot-checklist-items`).send(item);
    },
  );

  app.get(
    '/solutions/:id/pilots/:ars/checklist',
    {
      config: PILOTS,
      schema: {
        tags,
        operationId: 'getPilotChecklist',
        summary: 'Checkliste einer Pilotbehörde',
        params: PilotParams,
        response: { 200: ChecklistView, ...problemResponses({ 404: 'Lösung oder Behörde nicht gefunden' }) },
      },
    },
    async (request) => {
      await loadAccessible(request, request.params.id);
      return getChecklist(db, request.params.id, request.params.ars);
    },
  );

  app.put(
    '/solutions/:id/pilots/:ars/checklist/:key',
    {
      config: PILOTS,
      schema: {
        tags,
        operationId: 'setPilotChecklistItem',
        summary: 'Checklistenpunkt einer Pilotbehörde setzen',
        params: Type.Object({ id: Uuid, ars: Ars, key: ItemKey }),
        body: ChecklistItemBody,
        response: { 200: ChecklistView, ...PILOT_PROBLEMS },
      },
    },
    async (request) => {
      await loadAccessible(request, request.params.id);
      const { id, ars, key } = request.params;
      return setChecklistItem(db, { solutionId: id, ars, key, ...request.body, actor: actor(request), at: now() });
    },
  );

  app.get(
    '/solutions/:id/pilots/:ars/meetings',
    {
      config: PILOTS,
      schema: {
        tags,
        operationId: 'listPilotMeetings',
        summary: 'Termine mit einer Pilotbehörde',
        params: PilotParams,
        querystring: Type.Object(Paging(100)),
        response: { 200: MeetingPage, ...problemResponses({ 404: 'Lösung oder Behörde nicht gefunden' }) },
      },
    },
    async (request) => {
      await loadAccessible(request, request.params.id);
      const { limit = 100, offset = 0 } = request.query;
      return listMeetings(db, request.params.id, request.params.ars, { limit, offset });
    },
  );

  app.post(
    '/solutions/:id/pilots/:ars/meetings',
    {
      config: PILOTS,
      schema: {
        tags,
        operationId: 'createPilotMeeting',
        summary: 'Termin mit einer Pilotbehörde erfassen',
        params: PilotParams,
        body: MeetingBody,
        response: { 201: MeetingView, ...PILOT_PROBLEMS },
      },
    },
    async (request, reply) => {
      await loadAccessible(request, request.params.id);
      const { id, ars } = request.params;
      const meeting = await createMeeting(db, { solutionId: id, ars, meeting: request.body, actor: actor(request), at: now() });
      return reply.code(201).header('location', `/api/v1/solutions/${id}/pilots/${ars}/meetings`).send(meeting);
    },
  );

  app.get(
    '/solutions/:id/pilots/:ars/it-support',
    {
      config: PILOTS,
      schema: {
        tags,
        operationId: 'getPilotItSupport',
        summary: 'Einbindung von ZIT-BB und DIKOM bei einer Pilotbehörde',
        params: PilotParams,
        response: { 200: ItSupportView, ...problemResponses({ 404: 'Lösung oder Behörde nicht gefunden' }) },
      },
    },
    async (request) => {
      await loadAccessible(request, request.params.id);
      return getItSupport(db, request.params.id, request.params.ars);
    },
  );

  app.put(
    '/solutions/:id/pilots/:ars/it-support',
    {
      config: PILOTS,
      schema: {
        tags,
        operationId: 'setPilotItSupport',
        summary: 'Einbindung von ZIT-BB und DIKOM festhalten',
        params: PilotParams,
        body: ItSupportBody,
        response: { 200: ItSupportView, ...PILOT_PROBLEMS },
      },
    },
    async (request) => {
      await loadAccessible(request, request.params.id);
      const { id, ars } = request.params;
      return setItSupport(db, { solutionId: id, ars, support: request.body, actor: actor(request), at: now() });
    },
  );

  app.get(
    '/solutions/:id/lessons-learned',
    {
      config: READ,
      schema: {
        tags,
        operationId: 'listLessonsLearned',
        summary: 'Lessons learned der Pilotphase',
        params: SolutionId,
        querystring: Type.Object({ relevanz: Type.Optional(OneOf(LESSON_RELEVANZ, 'nur Einträge dieser Relevanz')) }),
        response: { 200: LessonsLearnedPage, ...problemResponses({ 404: 'Lösung nicht gefunden' }) },
      },
    },
    async (request) => {
      await loadAccessible(request, request.params.id);
      return listLessonsLearned(db, request.params.id, { relevanz: request.query.relevanz });
    },
  );
};
