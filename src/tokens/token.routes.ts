import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { ForbiddenError, NotFoundError, InvalidInputError } from '../errors/domain.errors.ts';
import { requirePrincipal } from '../auth/auth.hook.ts';
import { ACCESS, ROLES, ROLE_DESCRIPTIONS } from '../auth/roles.ts';
import { NoContent } from '../http/response.schemas.ts';
import { MinistryKey, NonBlankLine, OneOf, Uuid } from '../validation/common.schemas.ts';
import type { PrincipalCache } from '../auth/principal.cache.ts';
import { actorOf, createApiToken, listApiTokens, revokeApiToken, type Principal } from '../auth/api-token.service.ts';

const Role = OneOf([...ROLES], ROLES.map((role) => `${role}: ${ROLE_DESCRIPTIONS[role]}`).join('; '));
const tokenFields = {
  id: Type.String({ format: 'uuid' }),
  role: Role,
  ministry: Type.Union([Type.String(), Type.Null()], { description: 'bei role=ministry das Ministerium' }),
  label: Type.String(),
};
const IssuedToken = Type.Object(
  { ...tokenFields, token: Type.String({ description: 'das Token selbst: nur in dieser Antwort, gespeichert wird nur sein Hash' }) },
  { description: 'ausgestellt' },
);
const TokenList = Type.Array(
  Type.Object({
    ...tokenFields,
    createdAt: Type.String({ format: 'date-time' }),
    createdBy: Type.Union([Type.String(), Type.Null()], { description: 'wer es ausgestellt hat (null: Kommandozeile oder erster Start)' }),
    revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'null: gültig' }),
    revokedBy: Type.Union([Type.String(), Type.Null()], { description: 'wer es widerrufen hat' }),
  }),
  { description: 'die Tokens, die der Aufrufer verwaltet (Admins alle, Ministerien die eigenen), ohne Geheimnis' },
);

export const tokenRoutes: FastifyPluginAsync<{ db: Kysely<Database>; principals: PrincipalCache }> = async (fastify, { db, principals }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['Verwaltung'];
  const managers = { roles: [...ACCESS.tokens] };
  /** A ministry manages its own ministry's tokens; an admin all. */
  const scopeOf = (principal: Principal) => ({ ministry: principal.role === 'ministry' ? principal.ministry : null });

  app.post(
    '/admin/tokens',
    {
      config: managers,
      schema: {
        tags,
        operationId: 'createApiToken',
        summary: 'API-Token ausstellen (wird nur in dieser Antwort gezeigt); Ministerien nur für das eigene Ministerium',
        body: Type.Object(
          {
            role: Role,
            ministry: Type.Optional(MinistryKey),
            label: NonBlankLine('wofür oder für wen, z. B. „Referat 32“', 100),
          },
          { additionalProperties: false },
        ),
        response: { 201: { ...IssuedToken, headers: { location: Type.String({ description: 'URL des Tokens (zum Widerrufen mit DELETE)' }) } } },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const { role, label } = request.body;
      let ministry = request.body.ministry;
      if (principal.role === 'ministry') {
        if (role !== 'ministry') throw new ForbiddenError(`Ein Ministerium stellt nur Tokens seiner Mitarbeitenden aus (role=ministry), keine für „${role}“`);
        if (ministry && ministry !== principal.ministry) throw new ForbiddenError(`Ein Token des Ministeriums ${principal.ministry} kann keine Tokens für ${ministry} ausstellen`);
        ministry = principal.ministry!;
      }
      if (role === 'ministry' && !ministry) {
        throw new InvalidInputError('Ministeriums-Token brauchen ein Ministerium', [{ field: '/body/ministry', message: 'Pflichtangabe bei role=ministry' }]);
      }
      if (role !== 'ministry' && ministry) {
        throw new InvalidInputError(`Tokens der Rolle ${role} gehören zu keinem Ministerium`, [{ field: '/body/ministry', message: `bei role=${role} weglassen` }]);
      }
      const created = await createApiToken(db, { role, ministry: ministry ?? null, label, createdBy: actorOf(principal) });
      return reply
        .code(201)
        .header('location', `/api/v1/admin/tokens/${created.id}`)
        .send({ ...created, role, ministry: ministry ?? null, label });
    },
  );

  app.get(
    '/admin/tokens',
    { config: managers, schema: { tags, operationId: 'listApiTokens', summary: 'API-Tokens (ohne Geheimnis): Admins alle, Ministerien die des eigenen Ministeriums', response: { 200: TokenList } } },
    async (request) =>
      (await listApiTokens(db, scopeOf(requirePrincipal(request)))).map((row) => ({
        id: row.id,
        role: row.role,
        ministry: row.ministry,
        label: row.label,
        createdAt: row.created_at.toISOString(),
        createdBy: row.created_by,
        revokedAt: row.revoked_at?.toISOString() ?? null,
        revokedBy: row.revoked_by,
      })),
  );

  app.delete(
    '/admin/tokens/:id',
    {
      config: managers,
      schema: {
        tags,
        operationId: 'revokeApiToken',
        summary: 'API-Token widerrufen (Ministerien nur eigene)',
        params: Type.Object({ id: Uuid }),
        response: { 204: NoContent('widerrufen') },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      if (!(await revokeApiToken(db, request.params.id, { ...scopeOf(principal), revokedBy: actorOf(principal), forget: (id) => principals.forget(id) }))) {
        throw new NotFoundError(`Kein aktives Token ${request.params.id}`);
      }
      return reply.code(204).send(null);
    },
  );
};
