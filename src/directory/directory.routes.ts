import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { NotFoundProblem, ValidationProblem } from '../http/problem.ts';
import { importDirectory } from './directory.import.ts';
import { getAuthorityByArs, listChildren, searchAuthorities } from './directory.repository.ts';

const Ars = Type.String({ pattern: '^[0-9]{12}$', description: '12-stelliger Amtlicher Regionalschlüssel' });

export const directoryRoutes: FastifyPluginAsync<{ db: Kysely<Database> }> = async (fastify, { db }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['Kommunalverzeichnis'];
  const anyRole = { roles: ['admin', 'ministry'] as ('admin' | 'ministry')[] };

  // Directory files arrive as the raw CSV body.
  app.addContentTypeParser(['text/csv', 'application/octet-stream'], { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.get(
    '/authorities',
    {
      config: anyRole,
      schema: {
        tags,
        summary: 'Behörden suchen (Name, ARS/AGS-Präfix, Art, übergeordnete Stelle, Landkreis)',
        querystring: Type.Object({
          q: Type.Optional(Type.String({ maxLength: 200 })),
          kind: Type.Optional(Type.String({ description: 'kommagetrennte Arten, z. B. amt,amtsfreie_gemeinde' })),
          parent: Type.Optional(Ars),
          landkreis: Type.Optional(Ars),
          land: Type.Optional(Type.String({ pattern: '^[0-9]{2}$' })),
          active: Type.Optional(Type.Boolean()),
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }),
          offset: Type.Integer({ minimum: 0, default: 0 }),
        }),
      },
    },
    async (request) => {
      const { q, kind, parent, landkreis, land, active, limit, offset } = request.query;
      return searchAuthorities(db, {
        q,
        kind: kind?.split(',').map((k) => k.trim()).filter(Boolean),
        parentArs: parent,
        kreisArs: landkreis,
        land,
        active,
        limit,
        offset,
      });
    },
  );

  app.get(
    '/authorities/:ars',
    { config: anyRole, schema: { tags, summary: 'Eine Behörde mit ihren untergeordneten Stellen', params: Type.Object({ ars: Ars }) } },
    async (request) => {
      const authority = await getAuthorityByArs(db, request.params.ars);
      if (!authority) throw new NotFoundProblem(`Keine Behörde mit ARS ${request.params.ars}`);
      return { ...authority, children: await listChildren(db, request.params.ars) };
    },
  );

  app.post(
    '/admin/directory/imports',
    {
      config: { roles: ['admin'] },
      schema: {
        tags,
        summary: 'Kommunalverzeichnis importieren (kvdaten.csv oder Destatis AuszugGV als CSV-Rohdaten)',
        consumes: ['text/csv', 'application/octet-stream'],
        querystring: Type.Object({
          land: Type.Optional(Type.String({ pattern: '^[0-9]{2}$', description: 'nur dieses Land importieren' })),
          sourceName: Type.Optional(Type.String({ maxLength: 200 })),
        }),
      },
    },
    async (request, reply) => {
      if (!Buffer.isBuffer(request.body) || request.body.length === 0) {
        throw new ValidationProblem('Die Anfrage enthält keine CSV-Datei', [{ field: '/body', message: 'CSV-Datei als Rohdaten senden (Content-Type: text/csv)' }]);
      }
      const summary = await importDirectory(db, {
        content: request.body,
        sourceName: request.query.sourceName ?? 'upload',
        land: request.query.land,
      });
      return reply.code(201).send(summary);
    },
  );

  app.get(
    '/admin/directory/imports',
    { config: { roles: ['admin'] }, schema: { tags, summary: 'Bisherige Importe' } },
    async () => db.selectFrom('directory_import').selectAll().orderBy('id', 'desc').limit(100).execute(),
  );
};
