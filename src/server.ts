import closeWithGrace from 'close-with-grace';
import type { Config } from './config.ts';
import { createLogger, startRuntime } from './runtime.ts';

/** Serves the API until SIGINT/SIGTERM, then drains requests and jobs and closes the database. */
export async function serve(config: Config): Promise<void> {
  const logger = createLogger(config);
  const runtime = await startRuntime(config, logger, {
    printToken: (token) => {
      // Printed once, on the console only: the database keeps just its hash.
      process.stdout.write(
        `\nNeues Admin-Token (wird nur jetzt angezeigt, bitte sicher aufbewahren):\n  ${token}\n` +
          'Aufrufe: Authorization: Bearer <token>. Eigenes Token vorgeben: EFA_ADMIN_TOKEN.\n\n',
      );
    },
  });
  closeWithGrace({ delay: 10_000, logger }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'Beende wegen Fehler');
    else logger.info({ signal }, 'Beende');
    await runtime.close();
  });
  const address = await runtime.app.listen({ port: config.port, host: config.host });
  logger.info({ address, database: runtime.handle.kind, docs: `${address}/docs` }, 'efa-rollout bereit');
}
