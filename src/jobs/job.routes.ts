import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { ACCESS } from '../auth/roles.ts';
import { OneOf } from '../validation/common.schemas.ts';
import { JOB_STATUSES, JobOverview, toJobView } from './job.views.ts';

type JobStatus = (typeof JOB_STATUSES)[number];

/** Progress of the durable effects and timers, for operators. */
export const jobRoutes: FastifyPluginAsync<{ db: Kysely<Database> }> = async (fastify, { db }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/admin/jobs',
    {
      config: { roles: [...ACCESS.admin] },
      schema: {
        tags: ['Verwaltung'],
        operationId: 'listJobs',
        summary: 'Hintergrundaufträge (Effekte, Fristen): Zähler je Art und Status, dazu die jüngsten',
        querystring: Type.Object({
          status: Type.Optional(OneOf([...JOB_STATUSES], 'nur Aufträge in diesem Status')),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50, description: 'höchstens so viele jüngste Aufträge (Standard 50)' })),
        }),
        response: { 200: JobOverview },
      },
    },
    async (request) => jobOverview(db, request.query),
  );
};

/** Counts per kind and status and the latest jobs (optionally of one status): the API's answer and the staff's job page. */
export async function jobOverview(db: Kysely<Database>, filter: { status?: JobStatus | undefined; limit?: number | undefined }) {
  let recent = db.selectFrom('job').selectAll();
  if (filter.status) recent = recent.where('status', '=', filter.status);
  const [counts, items] = await Promise.all([
    db.selectFrom('job').select(['kind', 'status', sql<number>`count(*)::int`.as('n')]).groupBy(['kind', 'status']).execute(),
    recent.orderBy('id', 'desc').limit(filter.limit ?? 50).execute(),
  ]);
  return { counts, items: items.map(toJobView) };
}
