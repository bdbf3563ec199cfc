import type { FastifyInstance, FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { ACCESS, mayReadTickets } from '../auth/roles.ts';
import type { EngineDeps } from '../engine/workflow.engine.ts';
import type { FieldError } from '../errors/domain.errors.ts';
import { getStatewideOverview, listAuthoritiesByLiveCount } from '../overview/statewide.queries.ts';
import { SOLUTION_STAGES } from '../../workflows/index.ts';
import { sendHtml } from './layout.ts';
import type { StaffFrame } from './staff.layout.ts';
import { formText, HIDDEN } from './staff-route.kit.ts';
import { LAGEBILD_PATH } from './statewide.links.ts';
import { renderStatewidePage } from './statewide.page.ts';

/**
 * `/verwaltung/lagebild`: the Lagebild of GET /api/v1/overview (the same service call,
 * the same scope) as a page. `?stadium=` narrows the solution table to one stage,
 * `?live=n` lists the authorities with exactly n solutions live; a wrong value is named at
 * the top (422) and the page shows everything.
 */

export interface StatewidePagesDeps {
  db: Kysely<Database>;
  engine: EngineDeps;
  frame: (request: FastifyRequest, reply: FastifyReply, title: string, path: string) => StaffFrame;
  formGuards: NonNullable<RouteShorthandOptions['preHandler']>;
}

/** Far above the solutions an authority could have live. */
const LIVE_MAX = 10_000;

function parseQuery(query: Record<string, unknown>) {
  const errors: FieldError[] = [];
  let stage = formText(query, 'stadium');
  if (stage && !(SOLUTION_STAGES as readonly string[]).includes(stage)) {
    errors.push({ field: 'stadium', message: 'Dieses Stadium gibt es nicht. Bitte wählen Sie aus der Liste.' });
    stage = '';
  }
  const liveText = formText(query, 'live');
  let live: number | null = null;
  if (liveText) {
    if (/^[0-9]{1,5}$/.test(liveText) && Number(liveText) <= LIVE_MAX) live = Number(liveText);
    else errors.push({ field: 'live', message: `Lösungen live: bitte eine ganze Zahl von 0 bis ${LIVE_MAX}.` });
  }
  return { stage, live, errors };
}

export function registerStatewidePageRoutes(app: FastifyInstance, deps: StatewidePagesDeps): void {
  const { db, engine, frame } = deps;
  app.get(LAGEBILD_PATH, { ...HIDDEN, config: { staffRoles: ACCESS.read } }, async (request, reply) => {
    const principal = request.principal!;
    const { stage, live, errors } = parseQuery(request.query as Record<string, unknown>);
    const [overview, authorities] = await Promise.all([
      getStatewideOverview(db, principal, engine.now()),
      live === null ? Promise.resolve(null) : listAuthoritiesByLiveCount(db, principal, live),
    ]);
    const page = renderStatewidePage(frame(request, reply, 'Lagebild: alle Rollouts', LAGEBILD_PATH), {
      overview,
      stage,
      liveList: live === null || !authorities ? null : { live, authorities },
      mayReadTickets: mayReadTickets(principal.role),
      errors,
    });
    return sendHtml(reply, errors.length ? 422 : 200, page);
  });
}
