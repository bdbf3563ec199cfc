import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { OidcRoleRefusedError, OidcSignInError, OidcUnavailableError, OIDC_TRANSACTION_MS, type OidcSignIn } from '../auth/oidc.ts';
import { OIDC_CALLBACK_PATH, OIDC_START_PATH } from '../auth/oidc.settings.ts';
import { deleteEndedSessions } from '../auth/staff-session.store.ts';
import { sendHtml } from './layout.ts';
import { renderLandeskontoFailedPage, renderLandeskontoSignedInPage } from './signin.pages.ts';
import { HIDDEN } from './staff-route.kit.ts';

/**
 * The two routes of the sign-in through the Land's identity provider (only with
 * OIDC_ISSUER): the start sends the browser to the provider, the return takes its answer
 * and starts the same staff session as the token sign-in (auth/oidc.ts does the
 * protocol). Every failure is a German page and no session: the answer refused 400, no
 * role 403, the provider unreachable 503.
 */

/** Carries only the transaction's random id; Lax, because the browser comes back from the provider's site. */
export const OIDC_TRANSACTION_COOKIE = 'efa_landeskonto';

declare module '@fastify/session' {
  interface FastifySessionObject {
    /** The person signed in through the identity provider (sign-out offers its end-session). */
    landeskonto?: boolean;
  }
}

export interface OidcSignInRoutesOptions {
  db: Kysely<Database>;
  now: () => Date;
  oidc: OidcSignIn;
  /** The dashboard, where a person lands without a way back. */
  dashboardPath: string;
  localReturnPath: (value: unknown) => string | null;
  signInLimiter: onRequestAsyncHookHandler | null;
}

export function oidcStartHref(returnPath: string | null): string {
  return returnPath ? `${OIDC_START_PATH}?zurueck=${encodeURIComponent(returnPath)}` : OIDC_START_PATH;
}

export function registerOidcSignInRoutes(app: FastifyInstance, options: OidcSignInRoutesOptions): void {
  const { db, now, oidc } = options;
  const limited = options.signInLimiter ? { onRequest: options.signInLimiter } : {};

  const cookieOptions = (request: FastifyRequest) =>
    ({ path: OIDC_START_PATH, httpOnly: true, sameSite: 'lax', secure: request.protocol === 'https' }) as const;

  function failed(reply: FastifyReply, error: unknown, returnPath: string | null): FastifyReply {
    const startHref = oidcStartHref(returnPath);
    if (error instanceof OidcUnavailableError) {
      reply.log.warn({ err: error.cause ?? error }, 'Anmeldung über den Identitätsanbieter: nicht erreichbar');
      return sendHtml(reply.header('retry-after', '60'), 503, renderLandeskontoFailedPage(503, { reason: error.message + '.', startHref }));
    }
    if (error instanceof OidcRoleRefusedError) {
      reply.log.info({ reason: error.message }, 'Anmeldung über den Identitätsanbieter: keine Rolle');
      return sendHtml(reply, 403, renderLandeskontoFailedPage(403, { reason: error.message, startHref }));
    }
    if (error instanceof OidcSignInError) {
      reply.log.info({ err: error.cause ?? error, providerError: error.providerError }, 'Anmeldung über den Identitätsanbieter: Antwort abgelehnt');
      return sendHtml(reply, 400, renderLandeskontoFailedPage(400, { reason: error.message, providerError: error.providerError, startHref }));
    }
    throw error;
  }

  app.get(OIDC_START_PATH, { ...HIDDEN, ...limited }, async (request, reply) => {
    const returnPath = options.localReturnPath((request.query as Record<string, unknown>).zurueck);
    if (request.principal) return reply.redirect(returnPath ?? options.dashboardPath, 303);
    try {
      const { authorizationUrl, transactionId } = await oidc.begin(returnPath);
      reply.setCookie(OIDC_TRANSACTION_COOKIE, transactionId, { ...cookieOptions(request), maxAge: OIDC_TRANSACTION_MS / 1000 });
      return reply.redirect(authorizationUrl.href, 303);
    } catch (error) {
      return failed(reply, error, returnPath);
    }
  });

  app.get(OIDC_CALLBACK_PATH, { ...HIDDEN, ...limited }, async (request, reply) => {
    const transactionId = request.cookies[OIDC_TRANSACTION_COOKIE];
    reply.clearCookie(OIDC_TRANSACTION_COOKIE, cookieOptions(request));
    const queryAt = request.url.indexOf('?');
    let completed;
    try {
      completed = await oidc.complete(transactionId, queryAt >= 0 ? request.url.slice(queryAt) : '');
    } catch (error) {
      return failed(reply, error, null);
    }
    const { principal, returnPath } = completed;
    await deleteEndedSessions(db, now());
    // a new session id at sign-in, as with the token: an id planted before is worth nothing
    await request.session.regenerate();
    request.session.tokenId = principal.tokenId;
    request.session.landeskonto = true;
    request.principal = principal;
    request.log.info({ tokenId: principal.tokenId, role: principal.role }, 'Anmeldung an der Weboberfläche über den Identitätsanbieter');
    const target = returnPath ?? options.dashboardPath;
    return sendHtml(reply.header('refresh', `0; url=${target}`), 200, renderLandeskontoSignedInPage(target));
  });
}
