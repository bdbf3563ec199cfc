import closeWithGrace from 'close-with-grace';
import type { Config } from './config.ts';
import { startRuntime, type Runtime } from './runtime.ts';
import { createLogger, resolveLogFormat } from './logging/logger.ts';
import { renderAdminTokenBanner } from './logging/admin-token.banner.ts';
import { describeStartFailure, StartFailure } from './logging/start-failure.ts';

/**
 * Serves the API until SIGINT/SIGTERM, then drains requests and jobs and closes the
 * database. A start that fails undoes what it had started (lock, connections, worker)
 * and rejects with a StartFailure carrying one line for the operator.
 */
export async function serve(config: Config): Promise<void> {
  const logger = createLogger(config);
  // Filled in by the start, read by the shutdown: whatever exists by then is closed.
  const started: { runtime: Runtime | null; stopRequested: boolean } = { runtime: null, stopRequested: false };

  const startup = (async () => {
    const runtime = (started.runtime = await startRuntime(config, logger));
    if (started.stopRequested) return null;
    return runtime.listen();
  })();

  // Installed before the start: a Ctrl-C during a slow first start also closes the
  // database and releases the data-dir lock instead of leaving them to the next start.
  const shutdown = closeWithGrace({ delay: 10_000, logger }, async ({ signal, err, manual }) => {
    started.stopRequested = true;
    if (err) logger.error({ err }, 'Beende wegen Fehler');
    else if (manual) logger.info('Beende: der aufrufende Prozess (npm) ist nicht mehr da');
    else logger.info({ signal }, 'Beende');
    await startup.catch(() => undefined);
    await started.runtime?.close();
    // The operator's sign that requests, jobs and the database were closed in order (a
    // stop that hangs ends without it, by close-with-grace's delay).
    logger.info('efa-rollout gestoppt');
  });

  const stopWatchingParent = stopWhenOrphaned(() => shutdown.close());

  let listening: Awaited<typeof startup>;
  try {
    listening = await startup;
  } catch (error) {
    shutdown.uninstall();
    stopWatchingParent();
    logger.debug({ err: error }, 'Start fehlgeschlagen');
    await started.runtime?.close().catch((closeError: unknown) => logger.warn({ err: closeError }, 'Aufräumen unvollständig'));
    throw new StartFailure(describeStartFailure(error, config), { cause: error });
  }
  if (!listening) return; // stopped during the start; close-with-grace ends the process

  const { address, generatedAdminToken } = listening;
  const base = config.port === 0 ? address : config.publicBaseUrl;
  logger.info({ address, database: started.runtime?.handle.kind, docs: `${base}/docs` }, `efa-rollout bereit: ${address} – API-Dokumentation ${base}/docs`);
  if (generatedAdminToken) {
    const banner = renderAdminTokenBanner(generatedAdminToken, base);
    // JSON logs keep stdout machine-readable: the block goes to stderr there, and the
    // log says where it went (never the token itself).
    if (resolveLogFormat(config.logFormat, process.stdout.isTTY === true) === 'pretty') {
      process.stdout.write(banner);
    } else {
      logger.info('Neues Admin-Token erzeugt und einmalig auf stderr ausgegeben');
      process.stderr.write(banner);
    }
  }
}

/**
 * `npm start` runs the service as `sh -c "node src/cli.ts serve"`. npm passes SIGTERM
 * on to that shell only, and dash dies of it without passing it on: the service would
 * live on as an orphan that keeps the port and the data-dir lock. Started by npm, the
 * service therefore ends gracefully as soon as its parent is gone (also when npm itself
 * was killed). Not otherwise: a service put in the background by a script that then
 * exits must keep running.
 */
function stopWhenOrphaned(stop: () => void): () => void {
  if (!process.env.npm_lifecycle_event) return () => {};
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    stop();
  }, 250);
  timer.unref();
  return () => clearInterval(timer);
}
