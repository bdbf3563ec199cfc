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
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  REPO_ROOT,
  URL_FILE,
  currentOwner,
  log,
  ownerAlive,
  readState,
  removeStateFiles,
  runAs,
  stopServer,
  withLock,
  writeState,
  type ServerState,
} from './postgres.stop.ts';

const STOP_SCRIPT = fileURLToPath(new URL('./postgres.stop.ts', import.meta.url));
const SERVER_BINARIES = ['initdb', 'pg_ctl', 'postgres'];

function hasServerBinaries(dir: string): boolean {
  return SERVER_BINARIES.every((bin) => existsSync(join(dir, bin)));
}

/** Directory with initdb/pg_ctl/postgres: pg_config --bindir, else the highest /usr/lib/postgresql/N/bin, else PATH. */
function findPostgresBinDir(): string | null {
  const pgConfig = runAs(null, 'pg_config', ['--bindir']);
  const fromPgConfig = pgConfig.status === 0 ? pgConfig.stdout.trim() : '';
  if (fromPgConfig && hasServerBinaries(fromPgConfig)) return fromPgConfig;
  try {
    const versions = readdirSync('/usr/lib/postgresql')
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) {
      const dir = `/usr/lib/postgresql/${v}/bin`;
      if (hasServerBinaries(dir)) return dir;
    }
  } catch {
    /* no Debian layout */
  }
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && hasServerBinaries(dir)) return dir;
  }
  return null;
}

function userExists(user: string): boolean {
  return runAs(null, 'id', ['-u', user]).status === 0;
}

function idOf(user: string, flag: '-u' | '-g'): number {
  return Number(runAs(null, 'id', [flag, user]).stdout.trim());
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function output(result: ReturnType<typeof runAs>): string {
  return [result.error?.message, result.stdout, result.stderr].filter(Boolean).join('\n').trim();
}

function logTail(logFile: string): string {
  try {
    return readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '';
  }
}

function serverResponds(state: ServerState): boolean {
  const isReady = join(state.binDir, 'pg_isready');
  if (!existsSync(isReady)) return existsSync(join(state.dataDir, 'postmaster.pid'));
  return runAs(null, isReady, ['-q', '-h', '127.0.0.1', '-p', String(state.port), '-t', '3']).status === 0;
}

async function startServer(binDir: string): Promise<ServerState> {
  const started = Date.now();
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const user = root ? (userExists('postgres') ? 'postgres' : 'nobody') : null;
  const tempDir = mkdtempSync(join(tmpdir(), 'efa-test-pg-'));
  try {
    if (user) chownSync(tempDir, idOf(user, '-u'), idOf(user, '-g'));
    const dataDir = join(tempDir, 'data');
    const logFile = join(tempDir, 'postgres.log');
    const version = runAs(null, join(binDir, 'postgres'), ['--version']).stdout.trim();

    const initdb = runAs(
      user,
      join(binDir, 'initdb'),
      ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync', '--no-instructions'],
      tempDir,
    );
    if (initdb.status !== 0) throw new Error(`initdb failed:\n${output(initdb)}`);

    let lastError = '';
    for (let attempt = 1; attempt <= 3; attempt++) {
      const port = await freeLoopbackPort();
      const settings = {
        listen_addresses: "'127.0.0.1'",
        port: String(port),
        unix_socket_directories: `'${tempDir}'`,
        max_connections: '200',
        fsync: 'off',
        synchronous_commit: 'off',
        full_page_writes: 'off',
      };
      appendFileSync(
        join(dataDir, 'postgresql.conf'),
        `\n# efa-rollout test server (test/setup/postgres.start.ts)\n${Object.entries(settings)
          .map(([k, v]) => `${k} = ${v}`)
          .join('\n')}\n`,
      );
      const pgCtl = runAs(user, join(binDir, 'pg_ctl'), ['start', '-D', dataDir, '-l', logFile, '-w', '-t', '60'], tempDir);
      if (pgCtl.status === 0) {
        const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]) || null;
        const state: ServerState = {
          tempDir,
          dataDir,
          logFile,
          binDir,
          runAs: user,
          port,
          url: `postgres://postgres@127.0.0.1:${port}/postgres`,
          pid,
          version,
          startedAt: new Date().toISOString(),
          owners: [currentOwner()],
        };
        log(
          `${version} test server on 127.0.0.1:${port}${user ? ` (as ${user})` : ''} ready in ` +
            `${((Date.now() - started) / 1000).toFixed(2)} s, data in ${dataDir}`,
        );
        return state;
      }
      lastError = `pg_ctl start failed (port ${port}):\n${output(pgCtl)}\n${logTail(logFile)}`;
      // a port taken between probing and binding: try another one
    }
    throw new Error(lastError);
  } catch (error) {
    runAs(user, join(binDir, 'pg_ctl'), ['stop', '-D', join(tempDir, 'data'), '-m', 'immediate'], tempDir);
    rmSync(tempDir, { recursive: true, force: true });
    throw error;
  }
}

/** Stops the server once every tap run using it is gone, even if the `after` script never runs. */
function spawnWatchdog(tempDir: string): void {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k !== 'NODE_OPTIONS' && !k.startsWith('_TAPJS') && !k.startsWith('TAP')) env[k] = v;
  }
  const child = spawn(process.execPath, ['--import', 'tsx', STOP_SCRIPT, '--watchdog', tempDir], {
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
