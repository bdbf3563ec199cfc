import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { actorOf } from '../auth/api-token.service.ts';
import { requirePrincipal } from '../auth/auth.hook.ts';
import { sendParticipantEvent, sendSolutionEvent, type EngineDeps } from '../engine/workflow.engine.ts';
import { NotFoundProblem } from '../http/problem.ts';
import { eventResultToHttp } from '../http/event-result.ts';
import { assertMayAccess, createSolution, getSolution, listSolutions, updateDraftSolution } from './solution.service.ts';
import { getParticipant, listHistory, listParticipants } from './participant.queries.ts';

const Ars = Type.String({ pattern: '^[0-9]{12}$', description: '12-stelliger Amtlicher Regionalschlüssel' });
const SolutionId = Type.Object({ id: Type.String({ format: 'uuid' }) });
const ParticipantParams = Type.Object({ id: Type.String({ format: 'uuid' }), ars: Ars });
const Text = (description: string, maxLength = 500) => Type.String({ minLength: 1, maxLength, pattern: '\\S', description });

const Responsibility = Type.Object(
  {
    level: Type.Union([Type.Literal('gemeinde'), Type.Literal('kreis'), Type.Literal('liste')], {
      description: 'gemeinde: Ämter, amtsfreie Gemeinden, kreisfreie Städte, Verbandsgemeinde; kreis: Landkreise und kreisfreie Städte; liste: explizit',
    }),
    authorities: Type.Optional(Type.Array(Ars, { minItems: 1, maxItems: 20000, description: 'bei level=liste: die zuständigen Behörden' })),
    land: Type.Optional(Type.String({ pattern: '^[0-9]{2}$', default: '12', description: 'Land (Brandenburg: 12)' })),
  },
  { additionalProperties: false },
);
const Override = Type.Object(
  {
    ars: Ars,
    action: Type.Union([Type.Literal('add'), Type.Literal('exclude')]),
    reason: Text('Begründung'),
  },
  { additionalProperties: false },
);
const solutionFields = {
  title: Text('Titel der EfA-Lösung', 300),
  ozgId: Type.String({ pattern: '^[A-Za-z0-9._-]{1,40}$', description: 'OZG-ID, z. B. 10326' }),
  leikaKeys: Type.Array(Type.String({ pattern: '^[0-9]{14}$', description: '14-stelliger LeiKa-Leistungsschlüssel' }), { minItems: 1, maxItems: 50 }),
  leadMinistry: Type.Optional(Type.String({ pattern: '^[A-Za-zÄÖÜäöü-]{2,20}$', description: 'Kürzel des federführenden Ministeriums (z. B. MSGIV)' })),
  description: Type.Optional(Type.String({ maxLength: 20000 })),
  responsibility: Responsibility,
  overrides: Type.Optional(Type.Array(Override, { maxItems: 5000 })),
};
const SolutionBody = Type.Object(solutionFields, { additionalProperties: false });
const SolutionPatchBody = Type.Partial(Type.Object(solutionFields), { additionalProperties: false, minProperties: 1 });
const EventBody = Type.Object(
  { type: Type.String({ pattern: '^[A-Z_]{3,60}$', description: 'Ereignistyp, z. B. ERSTINFORMATION_STARTEN' }) },
  { additionalProperties: true, description: 'Ereignis mit seinen Angaben (z. B. reason, text, override)' },
);
const Paging = { limit: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }), offset: Type.Integer({ minimum: 0, default: 0 }) };
const CsvList = Type.Optional(Type.String({ description: 'kommagetrennte Liste' }));
const splitList = (value: string | undefined) => value?.split(',').map((v) => v.trim()).filter(Boolean);

export interface SolutionRoutesDeps {
  db: Kysely<Database>;
  engine: EngineDeps;
}

/** The engine checks the ministry scope inside its transaction: no extra lookup per event. */
function senderOf(request: Parameters<typeof requirePrincipal>[0]) {
  const principal = requirePrincipal(request);
  return { actor: actorOf(principal), origin: 'client' as const, ministryScope: principal.role === 'ministry' ? principal.ministry : null };
}

const ROLES = { roles: ['admin', 'ministry'] as ('admin' | 'ministry')[] };

export const solutionRoutes: FastifyPluginAsync<SolutionRoutesDeps> = async (fastify, { db, engine }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['EfA-Lösungen'];

  async function loadAccessible(request: { principal: unknown } & Parameters<typeof requirePrincipal>[0], id: string) {
    const row = await db.selectFrom('solution').select(['id', 'lead_ministry']).where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundProblem(`EfA-Lösung ${id} gibt es nicht`);
    assertMayAccess(requirePrincipal(request), row);
  }

  app.post('/solutions', { config: ROLES, schema: { tags, summary: 'EfA-Lösung registrieren', body: SolutionBody } }, async (request, reply) => {
    const principal = requirePrincipal(request);
    const solution = await createSolution(db, principal, request.body, actorOf(principal));
    return reply.code(201).header('location', `/api/v1/solutions/${solution.id}`).send(solution);
  });

  app.get(
    '/solutions',
    {
      config: ROLES,
      schema: {
        tags,
        summary: 'EfA-Lösungen auflisten',
        querystring: Type.Object({
          stage: Type.Optional(Type.String()),
          leadMinistry: Type.Optional(Type.String()),
          ozgId: Type.Optional(Type.String()),
          q: Type.Optional(Type.String({ maxLength: 200 })),
          ...Paging,
        }),
      },
    },
    async (request) => listSolutions(db, requirePrincipal(request), request.query),
  );

  app.get('/solutions/:id', { config: ROLES, schema: { tags, summary: 'EfA-Lösung lesen', params: SolutionId } }, async (request) =>
    getSolution(db, requirePrincipal(request), request.params.id),
  );

  app.patch(
    '/solutions/:id',
    { config: ROLES, schema: { tags, summary: 'Entwurf ändern', params: SolutionId, body: SolutionPatchBody } },
    async (request) => {
      const principal = requirePrincipal(request);
      return updateDraftSolution(db, principal, request.params.id, request.body, actorOf(principal));
    },
  );

  app.get(
    '/solutions/:id/allowed-events',
    { config: ROLES, schema: { tags, summary: 'Mögliche Ereignisse der Lösung', params: SolutionId } },
    async (request) => {
      const solution = await getSolution(db, requirePrincipal(request), request.params.id);
      return { stage: solution.stage, allowedEvents: solution.allowedEvents };
    },
  );

  app.post(
    '/solutions/:id/events',
    { config: ROLES, schema: { tags, summary: 'Ereignis an die Lösung senden', params: SolutionId, body: EventBody } },
    async (request) =>
      eventResultToHttp(await sendSolutionEvent(engine, { solutionId: request.params.id, event: request.body, ...senderOf(request) })),
  );

  app.get(
    '/solutions/:id/participants',
    {
      config: ROLES,
      schema: {
        tags,
        summary: 'Teilnehmende Behörden',
        params: SolutionId,
        querystring: Type.Object({
          stage: CsvList,
          kind: CsvList,
          landkreis: Type.Optional(Ars),
          q: Type.Optional(Type.String({ maxLength: 200 })),
          ...Paging,
        }),
      },
    },
    async (request) => {
      await loadAccessible(request, request.params.id);
      const { stage, kind, landkreis, q, limit, offset } = request.query;
      return listParticipants(db, request.params.id, { stage: splitList(stage), kind: splitList(kind), kreisArs: landkreis, q, limit, offset });
    },
  );

  app.get(
    '/solutions/:id/participants/:ars',
    { config: ROLES, schema: { tags, summary: 'Eine teilnehmende Behörde', params: ParticipantParams } },
    async (request) => {
      await loadAccessible(request, request.params.id);
      return getParticipant(db, request.params.id, request.params.ars);
    },
  );

  app.post(
    '/solutions/:id/participants/:ars/events',
    { config: ROLES, schema: { tags, summary: 'Ereignis an eine teilnehmende Behörde senden', params: ParticipantParams, body: EventBody } },
    async (request) =>
      eventResultToHttp(
        await sendParticipantEvent(engine, { solutionId: request.params.id, ars: request.params.ars, event: request.body, ...senderOf(request) }),
      ),
  );

  app.get(
    '/solutions/:id/history',
    {
      config: ROLES,
      schema: {
        tags,
        summary: 'Verlauf der Lösung und ihrer Teilnehmenden',
        params: SolutionId,
        querystring: Type.Object({
          ars: Type.Optional(Ars),
          afterId: Type.Optional(Type.Integer({ minimum: 0 })),
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
        }),
      },
    },
    async (request) => {
      await loadAccessible(request, request.params.id);
      return listHistory(db, request.params.id, request.query);
    },
  );
};
