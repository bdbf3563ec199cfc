/**
 * tap `before` script: starts a throwaway PostgreSQL server for the test suite
 * and writes its URL to `.tap/test-postgres.url` (read by
 * test/helpers/databases.ts), so every database test also runs against real
 * PostgreSQL. test/setup/postgres.stop.ts (tap `after`) stops it again.
 *
 * - TEST_DATABASE_URL set: nothing to do, the tests use that server.
 * - No PostgreSQL server binaries: notice, tests run against PGlite only
 *   (with CI set: error, exit 1).
 * - A server of another tap run still in progress in this checkout is shared.
 * - A stale server of a crashed run is stopped and removed first.
 */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPostgresBinDir, runAs, startThrowawayServer } from '../helpers/throwaway-postgres.ts';
import {
  REPO_ROOT,
  URL_FILE,
  currentOwner,
  log,
  ownerAlive,
  readState,
  removeStateFiles,
  stopServer,
  withLock,
  writeState,
  type ServerState,
} from './postgres.stop.ts';

const STOP_SCRIPT = fileURLToPath(new URL('./postgres.stop.ts', import.meta.url));
function serverResponds(state: ServerState): boolean {
  const isReady = join(state.binDir, 'pg_isready');
  if (!existsSync(isReady)) return existsSync(join(state.dataDir, 'postmaster.pid'));
  return runAs(null, isReady, ['-q', '-h', '127.0.0.1', '-p', String(state.port), '-t', '3']).status === 0;
}

async function startServer(binDir: string): Promise<ServerState> {
  const started = Date.now();
  const server = await startThrowawayServer(binDir, {
    tempDirPrefix: 'efa-test-pg-',
    maxConnections: 200,
    configComment: 'efa-rollout test server (test/setup/postgres.start.ts)',
  });
  log(
    `${server.version} test server on 127.0.0.1:${server.port}${server.runAs ? ` (as ${server.runAs})` : ''} ready in ` +
      `${((Date.now() - started) / 1000).toFixed(2)} s, data in ${server.dataDir}`,
  );
  return { ...server, startedAt: new Date().toISOString(), owners: [currentOwner()] };
}

/** Stops the server once every tap run using it is gone, even if the `after` script never runs. */
function spawnWatchdog(tempDir: string): void {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k !== 'NODE_OPTIONS' && !k.startsWith('_TAPJS') && !k.startsWith('TAP')) env[k] = v;
  }
  const child = spawn(process.execPath, [STOP_SCRIPT, '--watchdog', tempDir], {
    cwd: REPO_ROOT,
    env,
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
}

function fail(message: string): never {
  if (process.env.CI) {
    log(`FEHLER: ${message}`);
    process.exit(1);
  }
  log(`WARNUNG: ${message}`);
  log('Tests laufen nur gegen PGlite.');
  process.exit(0);
}

async function main(): Promise<void> {
  if (process.env.TEST_DATABASE_URL) {
    log('TEST_DATABASE_URL is set – using that server, starting none.');
    return;
  }
  const binDir = findPostgresBinDir();
  if (!binDir) {
    if (process.env.CI) {
      log('FEHLER: PostgreSQL nicht gefunden (kein initdb/pg_ctl/postgres: pg_config --bindir, /usr/lib/postgresql/*/bin, PATH).');
      log('CI braucht den Server: .ci/run installiert das Debian-Paket "postgresql", oder TEST_DATABASE_URL setzen.');
      process.exit(1);
    }
    log('PostgreSQL nicht gefunden – Tests laufen nur gegen PGlite');
    log('(apt-get install postgresql, oder TEST_DATABASE_URL=postgres://… setzen)');
    return;
  }

  let error: Error | null = null;
  await withLock(async () => {
    const me = currentOwner();
    const existing = readState();
    if (existing) {
      const live = existing.owners.filter(ownerAlive);
      if (live.length > 0 && serverResponds(existing)) {
        writeState({ ...existing, owners: [...live, me] });
        writeFileSync(URL_FILE, `${existing.url}\n`);
        log(`sharing test server on port ${existing.port} with running tap run(s) ${live.map((o) => o.pid).join(', ')}`);
        return;
      }
      log(`removing stale test server of a previous run (port ${existing.port}, ${existing.tempDir})`);
      stopServer(existing);
    }
    removeStateFiles();
    try {
      const state = await startServer(binDir);
      writeState(state);
      writeFileSync(URL_FILE, `${state.url}\n`);
      spawnWatchdog(state.tempDir);
    } catch (e) {
      error = e as Error;
    }
  });
  if (error) fail(`PostgreSQL-Testserver konnte nicht gestartet werden: ${(error as Error).message}`);
}

await main();
