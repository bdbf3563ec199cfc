import type { FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { httpStatusOf } from '../http/problem.ts';
import { listOpenPilotCalls } from '../pilot-calls/pilot-call.queries.ts';
import { renderErrorPage } from './error.pages.ts';
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
  // People get a German page, not problem+json: 429 from the rate limit (app.ts) says how long to wait, as Retry-After does.
  app.setErrorHandler((error: { statusCode?: number; retryAfterSeconds?: number }, request, reply) => {
    const found = httpStatusOf(error);
    const status = found >= 400 && found < 500 ? found : 500;
    if (status >= 500) request.log.error({ err: error }, 'Mitarbeit gesucht: unerwarteter Fehler');
    return sendHtml(reply.headers(SECURITY_HEADERS), status, renderErrorPage(status, error.retryAfterSeconds));
  });
  app.get('/mitarbeit-gesucht', { schema: { hide: true } }, async (_request, reply) =>
    sendHtml(reply.headers(SECURITY_HEADERS), 200, renderPilotCallsPage(await listOpenPilotCalls(db, now()), publicBaseUrl)),
  );
  app.get('/mitarbeit-gesucht/einbetten', { schema: { hide: true } }, async (_request, reply) =>
    sendHtml(reply.headers(EMBED_HEADERS), 200, renderPilotCallsEmbed(await listOpenPilotCalls(db, now()), publicBaseUrl)),
  );
};
