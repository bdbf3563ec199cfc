import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { NotFoundProblem, ValidationProblem } from '../http/problem.ts';
import { createApiToken, listApiTokens, revokeApiToken } from './api-token.service.ts';

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
        summary: 'API-Token ausstellen (wird nur in dieser Antwort gezeigt)',
        body: Type.Object(
          {
            role: Type.Union([Type.Literal('admin'), Type.Literal('ministry')]),
            ministry: Type.Optional(Type.String({ pattern: '^[A-Za-zÄÖÜäöü-]{2,20}$' })),
            label: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
          },
          { additionalProperties: false },
        ),
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
      return reply.code(201).send({ ...created, role, ministry: ministry ?? null, label });
    },
  );

  app.get('/admin/tokens', { config: admin, schema: { tags, summary: 'API-Tokens (ohne Geheimnis)' } }, async () => listApiTokens(db));

  app.delete(
    '/admin/tokens/:id',
    { config: admin, schema: { tags, summary: 'API-Token widerrufen', params: Type.Object({ id: Type.String({ format: 'uuid' }) }) } },
    async (request, reply) => {
      if (!(await revokeApiToken(db, request.params.id))) throw new NotFoundProblem(`Kein aktives Token ${request.params.id}`);
      return reply.code(204).send();
    },
  );
};
