import type { FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { listOpenPilotCalls } from '../pilot-calls/pilot-call.queries.ts';
import { SECURITY_HEADERS, sendHtml } from './layout.ts';
import { renderPilotCallsEmbed, renderPilotCallsPage } from './mitarbeit-gesucht.page.ts';

/**
 * The public pages of "Kommunale Mitarbeit gesucht" (no sign-in, no cookie). The page has
 * the service's strict headers; the embeddable version the same except that any site may
 * frame it (`frame-ancestors *`, no X-Frame-Options) – on that response only.
 */
export const EMBED_HEADERS: Record<string, string> = (() => {
  const { 'x-frame-options': _denied, ...rest } = SECURITY_HEADERS;
  return { ...rest, 'content-security-policy': SECURITY_HEADERS['content-security-policy'].replace("frame-ancestors 'none'", 'frame-ancestors *') };
})();

export const pilotCallPageRoutes: FastifyPluginAsync<{ db: Kysely<Database>; now: () => Date; publicBaseUrl: string }> = async (app, { db, now, publicBaseUrl }) => {
  app.get('/mitarbeit-gesucht', { schema: { hide: true } }, async (_request, reply) =>
    sendHtml(reply.headers(SECURITY_HEADERS), 200, renderPilotCallsPage(await listOpenPilotCalls(db, now()), publicBaseUrl)),
  );
  app.get('/mitarbeit-gesucht/einbetten', { schema: { hide: true } }, async (_request, reply) =>
    sendHtml(reply.headers(EMBED_HEADERS), 200, renderPilotCallsEmbed(await listOpenPilotCalls(db, now()), publicBaseUrl)),
  );
};
