import type { FastifyInstance, FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import type { Kysely } from 'kysely';
import { ACCESS } from '../auth/roles.ts';
import type { Database } from '../db/schema.ts';
import type { EngineDeps } from '../engine/workflow.engine.ts';
import { sendHtml } from './layout.ts';
import { PROCESS_PAGE_PATH, renderProcessPage } from './process-diagram.blocks.ts';
import type { StaffFrame } from './staff.layout.ts';
import { HIDDEN } from './staff-route.kit.ts';

/**
 * `/verwaltung/ablauf`: the processes of solution, authority and ticket as drawn from
 * their machines. It shows no data of any solution, so every staff role may read it.
 */

export interface DiagramPagesDeps {
  db: Kysely<Database>;
  engine: EngineDeps;
  frame: (request: FastifyRequest, reply: FastifyReply, title: string, path: string) => StaffFrame;
  formGuards: NonNullable<RouteShorthandOptions['preHandler']>;
}

export function registerDiagramPageRoutes(app: FastifyInstance, deps: DiagramPagesDeps): void {
  app.get(PROCESS_PAGE_PATH, { ...HIDDEN, config: { staffRoles: ACCESS.read } }, async (request, reply) =>
    sendHtml(reply, 200, renderProcessPage(deps.frame(request, reply, 'Ablauf', PROCESS_PAGE_PATH))),
  );
}
