import fastifyCompress from '@fastify/compress';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifySchema } from 'fastify';
import { sql, type Kysely } from 'kysely';
import { Type } from 'typebox';
import { randomUUID } from 'node:crypto';
import type { Database } from './db/schema.ts';
import type { DatabaseKind } from './db/database.ts';
import type { EngineDeps } from './engine/workflow.engine.ts';
import { createAuthHook, createSolutionScopeHook } from './auth/auth.hook.ts';
import { PrincipalCache } from './auth/principal.cache.ts';
import { createFrameworkErrorHandler, createNotFoundHandler, handleError, type HtmlErrorPage } from './http/error.handler.ts';
import { refuseNonFiniteNumbers, refuseUnsafeInput } from './http/input.guard.ts';
import { JSON_BODY_LIMIT_BYTES } from './http/body-limits.ts';
import { registerOpenApi } from './http/openapi.ts';
import { createRequestValidatorFactory, createResponseSerializerFactory } from './http/validator.compiler.ts';
import { recordRoutes } from './http/route-table.ts';
import { problemResponses } from './http/response.schemas.ts';
import { DATABASE_RETRY_AFTER_SECONDS } from './http/problem.ts';
import { solutionRoutes } from './solutions/solution.routes.ts';
import { pilotRoutes } from './pilots/pilot.routes.ts';
import { busBbRoutes } from './busbb/busbb.routes.ts';
import { directoryRoutes } from './directory/directory.routes.ts';
import { tokenRoutes } from './tokens/token.routes.ts';
import { jobRoutes } from './jobs/job.routes.ts';
import { templateRoutes } from './mailings/template.routes.ts';
import { mailingRoutes, type MailingRoutesDeps } from './mailings/mailing.routes.ts';
import { responseRoutes } from './web/answer-page.routes.ts';
import { SECURITY_HEADERS } from './web/layout.ts';
import { waveRoutes } from './waves/wave.routes.ts';
import { ticketRoutes } from './tickets/ticket.routes.ts';
import { exportRoutes } from './exports/export.routes.ts';
import { snapshotRoutes } from './snapshots/snapshot.routes.ts';
import { coverageRoutes } from './coverage/coverage.routes.ts';
import { overviewRoutes } from './overview/overview.routes.ts';
import { linkRenewalRoutes } from './responses/link-renewal.routes.ts';
import { renderErrorPage } from './web/error.pages.ts';
import { createClientErrorHandler } from './http/client-error.handler.ts';
import { createRateLimiters, TooManyRequestsError, type RateLimits } from './http/rate-limit.ts';
import { answerPageNotFound } from './web/answer-path.fallback.ts';
import { isAnswerPagePath } from './logging/link-redaction.ts';
import { RequestLogController } from './logging/request-log.controller.ts';
import { startPageRoute } from './web/start.page.ts';
import { registerDocsUi } from './web/docs-ui.ts';
import { staffPages } from './web/staff.routes.ts';
import { createOidcSignIn } from './auth/oidc.ts';
import type { OidcSettings } from './auth/oidc.settings.ts';
import { pilotCallPageRoutes } from './web/mitarbeit-gesucht.routes.ts';
import { publicPilotCallRoutes } from './pilot-calls/pilot-call.routes.ts';

export interface AppDeps {
  db: Kysely<Database>;
  databaseKind: DatabaseKind;
  engine: EngineDeps;
  /** A pino logger; without one the app logs nothing (tests). */
  logger?: FastifyBaseLogger;
  /** Largest directory upload (BODY_LIMIT_BYTES); every other route takes far less (http/body-limits.ts). */
  bodyLimitBytes?: number;
  /** Headers and body must have arrived within this time, else 408 (default 30 s). */
  requestTimeoutMs?: number;
  /** Proxies whose X-Forwarded-For names the client (rate limits, logs); default none. */
  trustProxy?: false | readonly string[];
  /** Requests per minute and client. Without it nothing is limited: tests inject thousands of requests. */
  rateLimit?: RateLimits;
  /** Mailings: settings, public URL for links, local outbox (defaults: no multipliers, no outbox listing). */
  mail?: Omit<MailingRoutesDeps, 'db'> & { /** Validity of the authority's ticket link (LINK_TTL_DAYS). */ linkTtlDays?: number };
  /** The staff's web interface: idle timeout of a session (SESSION_IDLE_MINUTES, default 30) and the accessibility contact. */
  staff?: {
    sessionIdleMinutes?: number;
    accessibilityContactEmail?: string;
    /** OIDC_*: the sign-in through the Land's identity provider beside the token's; null or absent: the token alone. */
    oidc?: OidcSettings | null;
  };
  /** Extra routes that only exist in one setting (the benchmark's baseline route). */
  extraRoutes?: (app: FastifyInstance) => void | Promise<void>;
}

const VERSION = '0.1.0';

/** Sign-in attempts per minute and client (POST /anmelden): enough for typing errors, too few for guessing. */
const SIGN_IN_ATTEMPTS_PER_MINUTE = 10;

/** Responses from this size on are compressed (gzip, brotli, deflate as the client accepts); smaller ones gain nothing. */
const COMPRESS_THRESHOLD_BYTES = 1024;

/** Errors before a route answers (408, undecodable URLs): people on the answer pages get a German page with the pages' security headers. */
const answerPageError: HtmlErrorPage = (path, status) => (isAnswerPagePath(path) ? { html: String(renderErrorPage(status)), headers: SECURITY_HEADERS } : null);

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const mail = deps.mail ?? {
    settings: { multiplierEmails: [], messageIdDomain: 'land-brandenburg.example' },
    publicBaseUrl: 'http://127.0.0.1:3000',
    outboxDir: null,
    now: deps.engine.now,
  };
  const requestTimeoutMs = deps.requestTimeoutMs ?? 30_000;
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger, logController: new RequestLogController() } : { logger: false }),
    // Small unless a route says otherwise: the directory upload has its own limit.
    bodyLimit: JSON_BODY_LIMIT_BYTES,
    // Fastify turns Node's request deadline off; a client that sends its body byte by
    // byte would hold the connection for good. Node checks the deadline every
    // connectionsCheckingInterval (30 s by default): once a second keeps the 408 on time.
    requestTimeout: requestTimeoutMs,
    http: { connectionsCheckingInterval: Math.min(1000, requestTimeoutMs), headersTimeout: Math.min(60_000, requestTimeoutMs) },
    clientErrorHandler: createClientErrorHandler({
      requestTimeoutMs,
      htmlPageFor: answerPageError,
    }),
    trustProxy: deps.trustProxy ? [...deps.trustProxy] : false,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,100}$/.test(given) ? given : randomUUID();
    },
    // JSON bodies strictly as declared, path and query string with numbers and booleans
    // read from text; request and response schemas compiled on a route's first request.
    schemaController: { compilersFactory: { buildValidator: createRequestValidatorFactory(), buildSerializer: createResponseSerializerFactory() } },
    frameworkErrors: createFrameworkErrorHandler(answerPageError),
  });
  app.decorateRequest('principal', null);
  recordRoutes(app);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(createNotFoundHandler(answerPageNotFound));
  // No route reads plain text; without this parser such a body is a 415, not a confusing 422.
  app.removeContentTypeParser('text/plain');
  app.addHook('preValidation', refuseUnsafeInput);
  app.addHook('preHandler', refuseNonFiniteNumbers);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (reply.statusCode === 401) reply.header('www-authenticate', 'Bearer realm="efa-rollout"');
  });

  // Global and before every route: pages, JSON and the documentation's files alike.
  await app.register(fastifyCompress, { global: true, threshold: COMPRESS_THRESHOLD_BYTES });

  await registerOpenApi(app, { version: VERSION, serverUrl: mail.publicBaseUrl, rateLimited: Boolean(deps.rateLimit) });
  await registerDocsUi(app);

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  const Health = Type.Object({ status: Type.Literal('ok'), database: Type.Enum(['pglite', 'postgres']), version: Type.String() }, { description: 'bereit' });
  const healthSchema: FastifySchema = {
    tags: ['Betrieb'],
    operationId: 'getHealth',
    summary: 'Bereitschaft (200, wenn die Datenbank antwortet)',
    security: [],
    response: {
      200: Health,
      // the input guard checks every request, this one's query string too
      ...problemResponses({ 422: 'ungültige Zeichen in der Adresse (NUL, ungültiges Unicode)', 503: 'nicht bereit: die Datenbank antwortet nicht' }),
    },
  };
  app.get('/health', { schema: healthSchema }, async (request, reply) => {
    try {
      await sql`select 1`.execute(deps.db);
      return { status: 'ok', database: deps.databaseKind, version: VERSION };
    } catch (error) {
      request.log.error({ err: error }, 'Datenbank antwortet nicht');
      return reply.code(503).header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS)).type('application/problem+json').send({
        type: 'about:blank',
        title: 'Nicht bereit',
        status: 503,
        detail: 'Die Datenbank antwortet nicht',
        requestId: request.id,
      });
    }
  });

  startPageRoute(app);

  const limiters = deps.rateLimit ? await createRateLimiters(app, deps.rateLimit) : { api: null, answerPages: null };

  // The authorities' answer pages: public, the signed token in the URL is the authorisation.
  await app.register(async (pages) => {
    if (limiters.answerPages) pages.addHook('onRequest', limiters.answerPages);
    await pages.register(responseRoutes, {
      db: deps.db,
      engine: deps.engine,
      publicBaseUrl: mail.publicBaseUrl,
      now: deps.engine.now,
      ...(mail.linkTtlDays ? { ticketLinkTtlDays: mail.linkTtlDays } : {}),
    });
  });

  // "Kommunale Mitarbeit gesucht": public page, embeddable version and JSON, no sign-in.
  // The JSON lives under /api/v1 in its own scope: the token check (below) never runs for it.
  await app.register(async (pages) => {
    if (limiters.answerPages) pages.addHook('onRequest', limiters.answerPages);
    await pages.register(pilotCallPageRoutes, { db: deps.db, now: deps.engine.now, publicBaseUrl: mail.publicBaseUrl });
  });
  await app.register(
    async (api) => {
      if (limiters.api) api.addHook('onRequest', limiters.api);
      await api.register(publicPilotCallRoutes, { db: deps.db, now: deps.engine.now });
    },
    { prefix: '/api/v1' },
  );

  // The staff's web interface: sign-in, session, staff pages, the accessibility statement.
  // API tokens looked up in the last seconds (principal.cache.ts): the API's hook and both revocation paths share it
  const principals = new PrincipalCache(deps.db, { now: deps.engine.now });
  await app.register(staffPages, {
    forgetToken: (tokenId) => principals.forget(tokenId),
    db: deps.db,
    engine: deps.engine,
    now: deps.engine.now,
    idleMinutes: deps.staff?.sessionIdleMinutes ?? 30,
    publicBaseUrl: mail.publicBaseUrl,
    accessibilityContactEmail: deps.staff?.accessibilityContactEmail ?? 'barrierefreiheit@land-brandenburg.example',
    directoryUploadLimitBytes: deps.bodyLimitBytes,
    mail: { settings: mail.settings, publicBaseUrl: mail.publicBaseUrl, ...(mail.wake ? { wake: mail.wake } : {}) },
    oidc: deps.staff?.oidc ? createOidcSignIn(deps.staff.oidc, { db: deps.db, now: deps.engine.now }) : null,
    signInLimiter: deps.rateLimit
      ? app.rateLimit({
          max: SIGN_IN_ATTEMPTS_PER_MINUTE,
          timeWindow: 60_000,
          keyGenerator: (request) => `anmelden:${request.ip}`,
          errorResponseBuilder: (_request, context) => new TooManyRequestsError(Math.ceil(context.ttl / 1000)),
        })
      : null,
  });

  await app.register(
    async (api) => {
      // Before the token check: a flood is turned away without a database lookup.
      if (limiters.api) api.addHook('onRequest', limiters.api);
      api.addHook('onRequest', createAuthHook(principals));
      api.addHook('onRequest', createSolutionScopeHook(deps.db));
      await api.register(solutionRoutes, { db: deps.db, engine: deps.engine });
      await api.register(pilotRoutes, { db: deps.db, now: deps.engine.now });
      await api.register(busBbRoutes, { db: deps.db, engine: deps.engine });
      await api.register(directoryRoutes, { db: deps.db, uploadLimitBytes: deps.bodyLimitBytes });
      await api.register(tokenRoutes, { db: deps.db, principals });
      await api.register(jobRoutes, { db: deps.db });
      await api.register(templateRoutes, { db: deps.db });
      await api.register(mailingRoutes, { db: deps.db, ...mail });
      await api.register(waveRoutes, { db: deps.db, engine: deps.engine, settings: mail.settings });
      await api.register(ticketRoutes, { db: deps.db, engine: deps.engine });
      await api.register(exportRoutes, { db: deps.db, engine: deps.engine });
      await api.register(snapshotRoutes, { db: deps.db, engine: deps.engine });
      await api.register(coverageRoutes, { db: deps.db, engine: deps.engine });
      await api.register(overviewRoutes, { db: deps.db, engine: deps.engine });
      await api.register(linkRenewalRoutes, { engine: deps.engine, settings: mail.settings });
      if (deps.extraRoutes) await deps.extraRoutes(api);
    },
    { prefix: '/api/v1' },
  );
  return app;
}
