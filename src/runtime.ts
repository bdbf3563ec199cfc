import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { openDatabase, type DatabaseHandle } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';
import { ensureAdminToken } from './auth/api-token.service.ts';
import { importDirectory } from './directory/directory.import.ts';
import type { JobWorker } from './engine/job.queue.ts';
import type { EngineDeps } from './engine/workflow.engine.ts';
import type { AppDeps } from './app.ts';
import { composeService, ensureRecurringJobs } from './composition.ts';
import { describeDatabaseUrl } from './logging/start-failure.ts';
import { useMinistryNames } from './solutions/ministry-names.ts';
import { recordServiceAddress } from './db/data-dir.lock.ts';

export { createLogger } from './logging/logger.ts';

export const FIXTURE_DIRECTORY = fileURLToPath(new URL('../fixtures/brandenburg-kommunalverzeichnis.csv', import.meta.url));

export async function openConfiguredDatabase(config: Config, logger?: Logger): Promise<DatabaseHandle> {
  return config.databaseUrl
    ? openDatabase({
        kind: 'postgres',
        url: config.databaseUrl,
        poolSize: config.databasePoolSize,
        onIdleConnectionError: (error) => logger?.warn({ err: error }, 'Ruhende Datenbankverbindung getrennt'),
      })
    : openDatabase({ kind: 'pglite', dataDir: config.dataDir });
}

/** Loads the project's Brandenburg directory when the database has no authorities yet. */
export async function loadFixtureDirectoryIfEmpty(handle: DatabaseHandle, logger: Logger): Promise<void> {
  const { count } = await handle.db
    .selectFrom('authority')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirstOrThrow();
  if (Number(count) > 0) {
    logger.info({ authorities: Number(count) }, `Kommunalverzeichnis: ${count} Behörden vorhanden`);
    return;
  }
  const summary = await importDirectory(handle.db, { content: await readFile(FIXTURE_DIRECTORY), sourceName: 'fixtures/brandenburg-kommunalverzeichnis.csv' });
  logger.info({ counts: summary.counts, total: summary.total }, `Kommunalverzeichnis Brandenburg geladen: ${summary.total} Behörden`);
}

export interface Runtime {
  app: FastifyInstance;
  handle: DatabaseHandle;
  worker: JobWorker;
  engine: EngineDeps;
  /**
   * Listens on HOST:PORT; only then – the start has succeeded – a database without an
   * admin token gets a generated one, returned here to be shown once. Before, a start
   * that failed afterwards (port in use) showed a token and then lost it.
   */
  listen(): Promise<{ address: string; generatedAdminToken: string | null }>;
  /** Stops everything started so far; safe to call more than once. */
  close(): Promise<void>;
}

const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

/**
 * Everything a serving instance needs: database (migrated), the admin token from
 * EFA_ADMIN_TOKEN, the Brandenburg directory on an empty database, then the service
 * wired from the configuration (composeService: engine, mail, job worker, app). Each step is logged: the first start takes a while, and a person
 * at the terminal should see what it is doing. A failing step undoes the earlier ones.
 */
export async function startRuntime(
  config: Config,
  logger: Logger,
  options: { extraRoutes?: AppDeps['extraRoutes'] } = {},
): Promise<Runtime> {
  const cleanups: Array<() => Promise<void>> = [];
  let closing: Promise<void> | null = null;
  const closeAll = () =>
    (closing ??= (async () => {
      for (const cleanup of [...cleanups].reverse()) await cleanup();
    })());

  try {
    useMinistryNames(config.ministryNames);
    const opening = performance.now();
    if (config.databaseUrl) {
      logger.info({ database: 'postgres', server: describeDatabaseUrl(config.databaseUrl) }, `Datenbank: PostgreSQL ${describeDatabaseUrl(config.databaseUrl)}`);
    } else {
      logger.info({ database: 'pglite', dataDir: config.dataDir }, `Datenbank: PGlite in ${config.dataDir} wird geöffnet …`);
    }
    const handle = await openConfiguredDatabase(config, logger);
    cleanups.push(() => handle.close());
    const { applied } = await migrateToLatest(handle.db);
    logger.info(
      { applied, durationMs: Math.round(performance.now() - opening) },
      applied.length ? `Datenbank bereit, ${applied.length} Migrationen angewandt (${seconds(opening)})` : `Datenbank bereit, Schema aktuell (${seconds(opening)})`,
    );
    if (config.adminToken) {
      // Known to the operator already: nothing is lost if the start fails later.
      const { installed } = await ensureAdminToken(handle.db, config.adminToken);
      if (installed) logger.info('Admin-Token aus EFA_ADMIN_TOKEN eingerichtet');
    }
    if (config.loadFixtureDirectory) await loadFixtureDirectoryIfEmpty(handle, logger);

    const { app, engine, worker, mail } = await composeService(handle, {
      logger,
      httpLogger: logger.child({ component: 'http' }),
      tickets: {
        officeHours: config.slaOfficeHours,
        reopenDays: config.ticketReopenDays,
        noticeGatherMinutes: config.ticketNoticeGatherMinutes,
        repliesPerDay: config.ticketRepliesPerDay,
      },
      mail: {
        smtpUrl: config.smtpUrl,
        smtpMaxConnections: config.smtpMaxConnections,
        smtpRateLimitPerSecond: config.smtpRateLimitPerSecond,
        dataDir: config.dataDir,
        mailFrom: config.mailFrom,
        messageIdDomain: config.messageIdDomain,
        publicBaseUrl: config.publicBaseUrl,
        linkTtlDays: config.linkTtlDays,
        multiplierEmails: config.multiplierEmails,
        kazQueueEmail: config.kazQueueEmail,
      },
      jobs: {
        concurrency: config.jobConcurrency,
        pollIntervalMs: config.jobPollIntervalMs,
        leaseMs: config.jobLeaseSeconds * 1000,
        ...(config.jobRetentionDays > 0 ? { retentionMs: config.jobRetentionDays * 24 * 60 * 60 * 1000 } : {}),
      },
      http: {
        bodyLimitBytes: config.bodyLimitBytes,
        requestTimeoutMs: config.requestTimeoutMs,
        trustProxy: config.trustProxy,
        rateLimit: { apiPerMinute: config.rateLimitApiPerMinute, answerPagesPerMinute: config.rateLimitAnswerPagesPerMinute },
        extraRoutes: options.extraRoutes,
        staff: { sessionIdleMinutes: config.sessionIdleMinutes, accessibilityContactEmail: config.accessibilityContactEmail, oidc: config.oidc },
      },
    });
    cleanups.push(() => mail.transport.close());
    logger.info(
      mail.transport.kind === 'smtp' ? { smtp: 'konfiguriert' } : { outbox: mail.routes.outboxDir },
      mail.transport.kind === 'smtp' ? 'Mails gehen per SMTP hinaus' : `Kein SMTP_URL: Mails landen nur im lokalen Postausgang ${mail.routes.outboxDir}`,
    );
    cleanups.push(() => worker.stop()); // after the app has closed: no new requests, then no new jobs
    cleanups.push(async () => {
      // Requests in flight may finish; a keep-alive connection that stays open
      // afterwards must not hold the shutdown for the keep-alive timeout.
      const forceClose = setTimeout(() => app.server.closeAllConnections(), 3000);
      try {
        await app.close();
      } finally {
        clearTimeout(forceClose);
      }
    });
    await ensureRecurringJobs(handle, engine.now());
    worker.start();
    return {
      app,
      handle,
      worker,
      engine,
      async listen() {
        const address = await app.listen({
          port: config.port,
          host: config.host,
          listenTextResolver: (at) => `Lauscht auf ${at}`,
        });
        // PGlite: the CLI, refused the busy data directory, points to this address.
        if (!config.databaseUrl && config.dataDir) {
          const forgetAddress = recordServiceAddress(config.dataDir, address);
          cleanups.push(async () => forgetAddress());
        }
        const { generatedToken } = await ensureAdminToken(handle.db, null);
        return { address, generatedAdminToken: generatedToken };
      },
      close: closeAll,
    };
  } catch (error) {
    await closeAll().catch((closeError: unknown) => logger.warn({ err: closeError }, 'Aufräumen nach gescheitertem Start unvollständig'));
    throw error;
  }
}
