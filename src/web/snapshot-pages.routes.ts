import type { FastifyInstance, FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { ACCESS } from '../auth/roles.ts';
import type { EngineDeps } from '../engine/workflow.engine.ts';
import { sendExport } from '../exports/export.routes.ts';
import { getSolution } from '../solutions/solution.service.ts';
import { buildSnapshotExport } from '../snapshots/snapshot.export.ts';
import { getSnapshot, listSnapshots } from '../snapshots/snapshot.service.ts';
import { isQuarter, quarterEnd, quarterOf } from '../snapshots/quarter.ts';
import { NotFoundError } from '../errors/domain.errors.ts';
import { sendHtml } from './layout.ts';
import { renderSnapshotPage, snapshotExportPath, snapshotsPath } from './snapshot.page.ts';
import type { StaffFrame } from './staff.layout.ts';
import { HIDDEN, pathUuid } from './staff-route.kit.ts';

/**
 * A solution's quarterly snapshots page and the comparison's downloads, through the
 * services of GET /api/v1/solutions/:id/snapshots[/:quarter] and its export – the same
 * scope (a ministry its own solutions, 404 else) and the same roles (ACCESS.read).
 * `?quartal=` picks a kept quarter; one that is no quarter answers 422 naming the field.
 */

export interface SnapshotPagesDeps {
  db: Kysely<Database>;
  engine: EngineDeps;
  frame: (request: FastifyRequest, reply: FastifyReply, title: string, path: string) => StaffFrame;
  formGuards: NonNullable<RouteShorthandOptions['preHandler']>;
}

const READ = { ...HIDDEN, config: { staffRoles: ACCESS.read } };

export function registerSnapshotPageRoutes(app: FastifyInstance, deps: SnapshotPagesDeps): void {
  const { db, engine, frame } = deps;

  app.get<{ Params: { id: string }; Querystring: Record<string, unknown> }>(snapshotsPath(':id'), READ, async (request, reply) => {
    const id = pathUuid(request.params.id, 'EfA-Lösung');
    const principal = request.principal!;
    const solution = await getSolution(db, principal, id);
    const { items } = await listSnapshots(db, principal, id);
    const asked = request.query.quartal;
    const chosen = typeof asked === 'string' && asked !== '' ? asked : items[0]?.quarter;
    const errors = chosen !== undefined && !isQuarter(chosen) ? [{ field: 'quartal', message: 'Quartal: bitte eines der festgehaltenen Quartale wählen (JJJJ-Qn, z. B. 2026-Q3)' }] : [];
    if (chosen && errors.length === 0 && !items.some((s) => s.quarter === chosen)) throw new NotFoundError(`Für das Quartal ${chosen} gibt es keinen Stand dieser Lösung`);
    const detail = chosen && errors.length === 0 ? await getSnapshot(db, principal, id, chosen) : null;
    const title = `${errors.length ? 'Fehler: ' : ''}Quartalsstände: ${solution.title}`;
    const view = { solution: { id, title: solution.title }, snapshots: items, detail, nextStichtag: quarterEnd(quarterOf(engine.now())), errors };
    return sendHtml(reply, errors.length ? 422 : 200, renderSnapshotPage(frame(request, reply, title, snapshotsPath(id)), view));
  });

  for (const format of ['csv', 'json'] as const) {
    app.get<{ Params: { id: string; quarter: string } }>(snapshotExportPath(':id', ':quarter', format), READ, async (request, reply) => {
      const id = pathUuid(request.params.id, 'EfA-Lösung');
      const { quarter } = request.params;
      if (!isQuarter(quarter)) throw new NotFoundError(`Für das Quartal ${quarter} gibt es keinen Stand dieser Lösung`);
      return sendExport(reply, await buildSnapshotExport(db, request.principal!, id, quarter), format);
    });
  }
}
