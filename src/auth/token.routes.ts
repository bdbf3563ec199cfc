import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { NotFoundProblem, ValidationProblem } from '../http/problem.ts';
import { NoContent } from '../http/response.schemas.ts';
import { MinistryKey, NonBlankLine, OneOf, Uuid } from '../validation/common.schemas.ts';
import { createApiToken, listApiTokens, revokeApiToken } from './api-token.service.ts';

const Role = OneOf(['admin', 'ministry'], 'admin: alles; ministry: nur die Lösungen des eigenen Ministeriums');
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
    revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'null: gültig' }),
  }),
  { description: 'alle Tokens, ohne Geheimnis' },
);

export const tokenRoutes: FastifyPluginAsync<{ db: Kysely<Database> }> = async (fastify, { db }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['Verwaltung'];
  const admin = { roles: ['admin'] as 'admin'[] };

  app.post(
    '/admin/tokens',
    {
      config: admin,
      schema: {
        tags,
        operationId: 'createApiToken',
        summary: 'API-Token ausstellen (wird nur in dieser Antwort gezeigt)',
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
      const { role, ministry, label } = request.body;
      if (role === 'ministry' && !ministry) {
        throw new ValidationProblem('Ministeriums-Token brauchen ein Ministerium', [{ field: '/body/ministry', message: 'Pflichtangabe bei role=ministry' }]);
      }
      if (role === 'admin' && ministry) {
        throw new ValidationProblem('Admin-Token gehören zu keinem Ministerium', [{ field: '/body/ministry', message: 'bei role=admin weglassen' }]);
      }
      const created = await createApiToken(db, { role, ministry: ministry ?? null, label });
      return reply
        .code(201)
        .header('location', `/api/v1/admin/tokens/${created.id}`)
        .send({ ...created, role, ministry: ministry ?? null, label });
    },
  );

  app.get(
    '/admin/tokens',
    { config: admin, schema: { tags, operationId: 'listApiTokens', summary: 'API-Tokens (ohne Geheimnis)', response: { 200: TokenList } } },
    async () =>
      (await listApiTokens(db)).map((row) => ({
        id: row.id,
        role: row.role,
        ministry: row.ministry,
        label: row.label,
        createdAt: row.created_at.toISOString(),
        revokedAt: row.revoked_at?.toISOString() ?? null,
      })),
  );

  app.delete(
    '/admin/tokens/:id',
    {
      config: admin,
      schema: {
        tags,
        operationId: 'revokeApiToken',
        summary: 'API-Token widerrufen',
        params: Type.Object({ id: Uuid }),
        response: { 204: NoContent('widerrufen') },
      },
    },
    async (request, reply) => {
      if (!(await revokeApiToken(db, request.params.id))) throw new NotFoundProblem(`Kein aktives Token ${request.params.id}`);
      return reply.code(204).send(null);
    },
  );
};
