import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import type { Config } from './config.ts';
import { openDatabase, type DatabaseHandle } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';
import { ensureAdminToken } from './auth/api-token.service.ts';
import { importDirectory } from './directory/directory.import.ts';
import { JobWorker } from './engine/job.queue.ts';
import { createEffectHandlers } from './engine/effect.activities.ts';
import type { EngineDeps } from './engine/workflow.engine.ts';
import { buildApp, type AppDeps } from './app.ts';
import { createMailModule } from './mailings/mail.module.ts';

export const FIXTURE_DIRECTORY = fileURLToPath(new URL('../fixtures/brandenburg-kommunalverzeichnis.csv', import.meta.url));

export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({ level: config.logLevel, base: { service: 'efa-rollout' } });
}

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
  const any = await handle.db.selectFrom('authority').select('ars').limit(1).executeTakeFirst();
  if (any) return;
  const summary = await importDirectory(handle.db, { content: await readFile(FIXTURE_DIRECTORY), sourceName: 'fixtures/brandenburg-kommunalverzeichnis.csv' });
  logger.info({ counts: summary.counts, total: summary.total }, 'Kommunalverzeichnis Brandenburg geladen');
}

export interface Runtime {
  app: FastifyInstance;
  handle: DatabaseHandle;
  worker: JobWorker;
  engine: EngineDeps;
  close(): Promise<void>;
}

/**
 * Everything a serving instance needs, wired together: database (migrated), first
 * admin token, the Brandenburg directory on an empty database, the job worker and the app.
 */
export async function startRuntime(
  config: Config,
  logger: Logger,
  options: { extraRoutes?: AppDeps['extraRoutes']; printToken?: (token: string) => void } = {},
): Promise<Runtime> {
  const handle = await openConfiguredDatabase(config, logger);
  try {
    const { applied } = await migrateToLatest(handle.db);
    if (applied.length) logger.info({ applied }, 'Migrationen angewandt');
    const bootstrap = await ensureAdminToken(handle.db, config.adminToken);
    if (bootstrap.generatedToken) options.printToken?.(bootstrap.generatedToken);
    else if (bootstrap.installed) logger.info('Admin-Token aus EFA_ADMIN_TOKEN eingerichtet');
    if (config.loadFixtureDirectory) await loadFixtureDirectoryIfEmpty(handle, logger);

    let worker!: JobWorker;
    const engine: EngineDeps = { db: handle.db, now: () => new Date(), onJobsEnqueued: () => worker.poke() };
    const mail = createMailModule({ db: handle.db, engine, logger: logger.child({ component: 'mail' }), ...config });
    logger.info(
      mail.transport.kind === 'smtp' ? { smtp: 'konfiguriert' } : { outbox: mail.routes.outboxDir },
      mail.transport.kind === 'smtp' ? 'Mails gehen per SMTP hinaus' : 'Kein SMTP_URL: Mails landen nur im lokalen Postausgang',
    );
    worker = new JobWorker({
      db: handle.db,
      handlers: { ...createEffectHandlers(engine, logger.child({ component: 'effects' })), ...mail.handlers },
      logger: logger.child({ component: 'jobs' }),
      concurrency: config.jobConcurrency,
      pollIntervalMs: config.jobPollIntervalMs,
      leaseMs: config.jobLeaseSeconds * 1000,
    });
    const app = await buildApp({
      db: handle.db,
      databaseKind: handle.kind,
      engine,
      logger: logger.child({ component: 'http' }),
      bodyLimitBytes: config.bodyLimitBytes,
      mail: mail.routes,
      extraRoutes: options.extraRoutes,
    });
    worker.start();
    return {
      app,
      handle,
      worker,
      engine,
      async close() {
        // Requests in flight may finish; a keep-alive connection that stays open
        // afterwards must not hold the shutdown for the keep-alive timeout.
        const forceClose = setTimeout(() => app.server.closeAllConnections(), 3000);
        await app.close();
        clearTimeout(forceClose);
        await worker.stop();
        await mail.transport.close();
        await handle.close();
      },
    };
  } catch (error) {
    await handle.close();
    throw error;
  }
}
