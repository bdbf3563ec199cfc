import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import fastifyCsrf from '@fastify/csrf-protection';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { findPrincipalByToken, findPrincipalByTokenId } from '../auth/api-token.service.ts';
import { ACCESS, type Role } from '../auth/roles.ts';
import { createStaffSessionStore, deleteEndedSessions, getStaffSessionSecret, SESSION_ABSOLUTE_MS } from '../auth/staff-session.store.ts';
import { httpStatusOf } from '../http/problem.ts';
import { listSolutions } from '../solutions/solution.service.ts';
import type { Html } from '../markup/html.ts';
import { parseFormBody } from './form-body.ts';
import { SECURITY_HEADERS, sendHtml } from './layout.ts';
import { FORM_TYPE } from './link-page.kit.ts';
import { renderSignInPage, renderStaffErrorPage, renderStaffForbiddenPage, renderStaffFormRejectedPage } from './signin.pages.ts';
import type { StaffFrame } from './staff.layout.ts';
import { renderDashboardPage } from './dashboard.page.ts';
import { renderAccessibilityStatement } from './accessibility.page.ts';
import { solutionPageRoutes } from './solution-pages.routes.ts';
import { registerTicketBoardRoutes } from './ticket-board.routes.ts';
import { registerAdminPageRoutes } from './admin-pages.routes.ts';
import { registerSnapshotPageRoutes } from './snapshot-pages.routes.ts';
import { registerMapPageRoutes } from './map-pages.routes.ts';
import { registerCoveragePageRoutes } from './coverage-pages.routes.ts';
import { registerStatewidePageRoutes } from './statewide-pages.routes.ts';
import { registerExportPageRoutes } from './export-pages.routes.ts';
import { registerSolutionTicketPageRoutes } from './solution-tickets.routes.ts';
import { registerBusBbPageRoutes } from './busbb-pages.routes.ts';
import { registerRolloutPageRoutes } from './rollout-pages.routes.ts';
import { registerParticipantPageRoutes } from './participant-pages.routes.ts';
import { registerSolutionFormPageRoutes } from './solution-settings.routes.ts';
import { registerDiagramPageRoutes } from './diagram-pages.routes.ts';
import type { MailingSettings } from '../mailings/mailing.service.ts';
import type { EngineDeps } from '../engine/workflow.engine.ts';
import { HIDDEN } from './staff-route.kit.ts';
import type { OidcSignIn } from '../auth/oidc.ts';
import { oidcStartHref, registerOidcSignInRoutes } from './oidc-sign-in.routes.ts';

/**
 * The staff's side of the web interface: sign-in with a personal token, a session cookie
 * from then on, sign-out, and the staff pages. Sessions (@fastify/session) live in the
 * database (auth/staff-session.store.ts), the cookie is signed with a key kept there too,
 * so several instances share both; every form carries a CSRF value (@fastify/csrf-
 * protection, its secret in the session) and a POST from another site is refused. Each
 * request takes its person from the session and checks that the token behind it is still
 * valid: `request.principal`, the same as a bearer token gives the API, so services and
 * history name the person. All of it registered in its own context: the API and the
 * answer pages never read the cookie.
 */

export interface StaffPagesOptions {
  db: Kysely<Database>;
  /** Events sent from the staff pages take the API's path through the engine. */
  engine: EngineDeps;
  /** The service's clock: idle timeout and lifetime of sessions (tests move it). */
  now: () => Date;
  /** SESSION_IDLE_MINUTES. */
  idleMinutes: number;
  /** The service's public URL: a POST from this origin is same-origin behind a proxy. */
  publicBaseUrl?: string;
  /** Named on /barrierefreiheit for feedback (ACCESSIBILITY_CONTACT_EMAIL). */
  accessibilityContactEmail: string;
  /** Limits sign-in attempts per client (POST /anmelden); null: not limited (tests). */
  signInLimiter: onRequestAsyncHookHandler | null;
  /** BODY_LIMIT_BYTES: the largest Kommunalverzeichnis file the admin's upload takes, as the API. */
  directoryUploadLimitBytes?: number | undefined;
  /** Mails sent from the pages (mailings, a link renewal, a wave's Rollout-Einladung): settings, the links' public URL, the job worker's wake-up, as the API's routes get them. */
  mail: { settings: MailingSettings; publicBaseUrl: string; wake?: () => void };
  /** With OIDC_ISSUER: the sign-in through the Land's identity provider beside the token's (auth/oidc.ts); null: the token alone. */
  oidc?: OidcSignIn | null;
  /** A token revoked on the pages is dropped from the API's token cache at once. */
  forgetToken?: (tokenId: string) => void;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Staff pages: the roles that may open the page; signed out, the visitor is sent to /anmelden. */
    staffRoles?: readonly Role[];
  }
}

declare module '@fastify/session' {
  interface FastifySessionObject {
    /** The api_token the person signed in with. */
    tokenId?: string;
  }
}

export const SESSION_COOKIE = 'efa_sitzung';
export const DASHBOARD_PATH = '/verwaltung';
const SIGN_IN_PATH = '/anmelden';
const ALL_STAFF: readonly Role[] = ['admin', 'ministry', 'kaz', 'landesredaktion'];
const FORM_BODY_LIMIT = 16 * 1024;

/**
 * A return path after signing in: only a path on this service (`/verwaltung?x=1`), never
 * another host (`//evil.example`, `/\evil.example`, `https://…`), never the sign-in or
 * sign-out itself; anything else is null and the person lands on the dashboard.
 */
export function localReturnPath(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > 512) return null;
  if (!value.startsWith('/') || value.startsWith('//') || /[\\\s\p{Cc}]/u.test(value)) return null;
  const base = 'http://efa-rollout.invalid';
  let url: URL;
  try {
    url = new URL(value, base);
  } catch {
    return null;
  }
  if (url.origin !== base || url.pathname === SIGN_IN_PATH || url.pathname.startsWith(`${SIGN_IN_PATH}/`) || url.pathname === '/abmelden') return null;
  return `${url.pathname}${url.search}`;
}

export const staffPages: FastifyPluginAsync<StaffPagesOptions> = async (app, options) => {
  const { db, now } = options;
  const publicOrigin = options.publicBaseUrl ? new URL(options.publicBaseUrl).origin : null;

  // Before the session plugin's own onSend, which writes the cookie: Secure exactly when
  // the request came over TLS (the proxy's word counts only with TRUST_PROXY), and always
  // SameSite=Strict – the plugin's `secure: 'auto'` would weaken it to Lax over HTTP.
  app.addHook('onSend', async (request, reply, payload) => {
    reply.headers(SECURITY_HEADERS);
    const session = request.session as { cookie?: { secure?: boolean | 'auto' | null; sameSite?: unknown } } | null;
    if (session?.cookie) {
      session.cookie.secure = request.protocol === 'https';
      session.cookie.sameSite = 'strict';
    }
    return payload;
  });

  await app.register(fastifyCookie);
  await app.register(fastifySession, {
    secret: await getStaffSessionSecret(db),
    cookieName: SESSION_COOKIE,
    // No expiry on the cookie: it ends with the browser; the store ends the session on the server.
    cookie: { path: '/', httpOnly: true, sameSite: 'strict', secure: false },
    saveUninitialized: false,
    // the store moves the idle time on as it reads (at most one write a minute), so an unchanged session is not saved on every response
    rolling: false,
    store: createStaffSessionStore(db, { now, idleMs: options.idleMinutes * 60_000, absoluteMs: SESSION_ABSOLUTE_MS }),
  });
  await app.register(fastifyCsrf, { sessionPlugin: '@fastify/session' });

  app.addContentTypeParser(FORM_TYPE, { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT }, (_request, body, done) => {
    try {
      done(null, parseFormBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  // After the session plugin's onRequest: the person behind the session, if the token is still valid.
  app.addHook('onRequest', async (request, reply) => {
    const session = request.session;
    if (session && typeof session.tokenId === 'string') {
      const principal = await findPrincipalByTokenId(db, session.tokenId);
      if (principal) request.principal = principal;
      // revoked: the session ends at once, on every instance (the revocation deleted the rows too)
      else await session.regenerate();
    }
    const roles = request.routeOptions.config.staffRoles;
    if (!roles) return;
    if (!request.principal) {
      const back = localReturnPath(request.url);
      return reply.redirect(back ? `${SIGN_IN_PATH}?zurueck=${encodeURIComponent(back)}` : SIGN_IN_PATH, 303);
    }
    if (!roles.includes(request.principal.role)) return sendHtml(reply, 403, renderStaffForbiddenPage(frameSession(request, reply)));
  });

  app.setErrorHandler((error: { code?: string; statusCode?: number; retryAfterSeconds?: number }, request, reply) => {
    if (error.code === 'FST_CSRF_MISSING_SECRET' || error.code === 'FST_CSRF_INVALID_TOKEN') {
      return sendHtml(reply, 403, renderStaffFormRejectedPage(frameSession(request, reply)));
    }
    const found = httpStatusOf(error);
    const status = found >= 400 && found < 500 ? found : 500;
    if (status >= 500) request.log.error({ err: error }, 'Seite für Mitarbeitende: unerwarteter Fehler');
    return sendHtml(reply, status, renderStaffErrorPage(status, frameSession(request, reply), error.retryAfterSeconds));
  });

  /** The header's session part: the person and a fresh CSRF value for the sign-out form. */
  function frameSession(request: FastifyRequest, reply: FastifyReply): StaffFrame['session'] {
    if (!request.principal || !request.session) return null;
    return { principal: request.principal, csrf: reply.generateCsrf() };
  }

  const frame = (request: FastifyRequest, reply: FastifyReply, title: string, path: string): StaffFrame => ({
    title,
    path,
    session: frameSession(request, reply),
  });

  /**
   * Browsers send Origin with every POST; one from another site is a forged form (the
   * CSRF value would refuse it too – this refuses it before any work). `Origin: null`
   * passes only when the browser vouches for the same origin (Sec-Fetch-Site).
   */
  function isCrossSite(request: FastifyRequest): boolean {
    const fetchSite = request.headers['sec-fetch-site'];
    if (fetchSite === 'cross-site' || fetchSite === 'same-site') return true;
    const origin = request.headers.origin;
    if (origin === undefined) return false;
    if (origin === 'null') return fetchSite !== 'same-origin';
    return origin !== `${request.protocol}://${request.host}` && origin !== publicOrigin;
  }

  /** A POST from another site is refused; also as an onRequest hook, before an upload's body is read (upload.form.ts). */
  const sameOrigin = async (request: FastifyRequest, reply: FastifyReply) => {
    if (isCrossSite(request)) return sendHtml(reply, 403, renderStaffFormRejectedPage(frameSession(request, reply)));
  };

  /** Every staff form: same origin, then the CSRF value (as a preHandler: the body is parsed by then). */
  const formGuards = [sameOrigin, app.csrfProtection];

  const oidc = options.oidc ?? null;
  const signInPage = (
    reply: FastifyReply,
    status: number,
    view: { returnPath: string | null; error?: string; notice?: string; endSessionHref?: string | null },
  ): FastifyReply => {
    const { endSessionHref = null, ...rest } = view;
    const landeskonto = oidc ? { landeskonto: { startHref: oidcStartHref(view.returnPath), endSessionHref } } : {};
    return sendHtml(reply, status, renderSignInPage({ ...rest, ...landeskonto, csrf: reply.generateCsrf(), idleMinutes: options.idleMinutes }));
  };

  app.get(SIGN_IN_PATH, HIDDEN, async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const returnPath = localReturnPath(query.zurueck);
    if (request.principal) return reply.redirect(returnPath ?? DASHBOARD_PATH, 303);
    const notice = query.abgemeldet !== undefined ? 'Sie haben sich abgemeldet.' : undefined;
    // signed out after a sign-in through the provider: offer to end the provider's session too
    const endSession = oidc && query.abgemeldet === 'landeskonto' ? await oidc.endSessionUrl() : null;
    return signInPage(reply, 200, { returnPath, ...(notice ? { notice } : {}), endSessionHref: endSession?.href ?? null });
  });

  app.post(
    SIGN_IN_PATH,
    { ...HIDDEN, ...(options.signInLimiter ? { onRequest: options.signInLimiter } : {}), preHandler: formGuards },
    async (request, reply) => {
      const fields = (request.body ?? {}) as Record<string, unknown>;
      const returnPath = localReturnPath(fields.zurueck);
      const token = typeof fields.token === 'string' ? fields.token.trim() : '';
      if (!token) return signInPage(reply, 422, { returnPath, error: 'Bitte fügen Sie Ihr persönliches Token ein.' });
      const principal = await findPrincipalByToken(db, token);
      if (!principal) return signInPage(reply, 422, { returnPath, error: 'Dieses Token ist unbekannt oder widerrufen. Bitte prüfen Sie, ob Sie es vollständig eingefügt haben.' });
      await deleteEndedSessions(db, now());
      // a new session id at sign-in: an id planted before (session fixation) is worth nothing
      await request.session.regenerate();
      request.session.tokenId = principal.tokenId;
      request.principal = principal;
      request.log.info({ tokenId: principal.tokenId, role: principal.role }, 'Anmeldung an der Weboberfläche');
      return reply.redirect(returnPath ?? DASHBOARD_PATH, 303);
    },
  );

  app.post('/abmelden', { ...HIDDEN, preHandler: formGuards }, async (request, reply) => {
    const throughProvider = oidc !== null && request.session?.landeskonto === true;
    if (request.session) await request.session.destroy();
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect(`${SIGN_IN_PATH}?abgemeldet${throughProvider ? '=landeskonto' : ''}`, 303);
  });

  if (oidc) {
    registerOidcSignInRoutes(app, { db, now, oidc, dashboardPath: DASHBOARD_PATH, localReturnPath, signInLimiter: options.signInLimiter });
  }

  app.get(DASHBOARD_PATH, { ...HIDDEN, config: { staffRoles: ALL_STAFF } }, async (request, reply) => {
    const principal = request.principal!;
    const { items, total } = await listSolutions(db, principal, { limit: 1000, offset: 0 });
    const page: Html = renderDashboardPage(frame(request, reply, 'Übersicht der Lösungen', DASHBOARD_PATH), {
      solutions: items,
      total,
      ministryView: principal.role === 'ministry',
      mayCreate: (ACCESS.steer as readonly Role[]).includes(principal.role),
    });
    return sendHtml(reply, 200, page);
  });

  solutionPageRoutes(app, { db, engine: options.engine, frame, formGuards });
  registerTicketBoardRoutes(app, { db, engine: options.engine, frame, formGuards });
  registerAdminPageRoutes(app, { db, frame, formGuards, ...(options.forgetToken ? { forgetToken: options.forgetToken } : {}) });
  registerDiagramPageRoutes(app, { db, engine: options.engine, frame, formGuards });
  registerSnapshotPageRoutes(app, { db, engine: options.engine, frame, formGuards });
  registerMapPageRoutes(app, { db, frame });
  registerCoveragePageRoutes(app, { db, engine: options.engine, frame, formGuards });
  registerStatewidePageRoutes(app, { db, engine: options.engine, frame, formGuards });
  registerExportPageRoutes(app, { db, engine: options.engine });
  registerSolutionTicketPageRoutes(app, { db, engine: options.engine, frame, formGuards });
  registerBusBbPageRoutes(app, { db, engine: options.engine, frame, formGuards, sameOrigin, directoryUploadLimitBytes: options.directoryUploadLimitBytes });
  registerRolloutPageRoutes(app, { db, engine: options.engine, frame, formGuards, mailSettings: options.mail.settings });
  registerParticipantPageRoutes(app, { db, engine: options.engine, mailSettings: options.mail.settings, frame, formGuards });
  registerSolutionFormPageRoutes(app, { db, engine: options.engine, frame, formGuards, mail: options.mail });

  app.get('/barrierefreiheit', HIDDEN, async (request, reply) =>
    sendHtml(reply, 200, renderAccessibilityStatement(frame(request, reply, 'Erklärung zur Barrierefreiheit', '/barrierefreiheit'), options.accessibilityContactEmail)),
  );
};
