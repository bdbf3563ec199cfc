/**
 * A throwaway PostgreSQL server in a temp dir: find the server binaries, start one
 * (trust auth on 127.0.0.1 only, durability off – it is thrown away), stop it again.
 *
 * A library without side effects, shared by the tap before/after scripts
 * (test/setup/postgres.start.ts / postgres.stop.ts, which add the state shared by
 * concurrent tap runs) and the benchmarks (bench/bench.support.ts). It lives under
 * test/helpers/ because tap runs every other file below test/ as a test.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { freeLoopbackPort } from './net.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ThrowawayServer {
  tempDir: string;
  dataDir: string;
  logFile: string;
  binDir: string;
  /** Unprivileged user the server runs as when we run as root, else null. */
  runAs: string | null;
  port: number;
  url: string;
  pid: number | null;
  version: string;
}

export interface StartOptions {
  /** mkdtemp prefix of the temp dir that holds data dir, log and unix socket. */
  tempDirPrefix: string;
  maxConnections: number;
  /** Written above our settings in postgresql.conf, to tell whose server a stray data dir was. */
  configComment: string;
}

/** Run a command, as `user` via runuser when given (PostgreSQL refuses to run as root). */
export function runAs(user: string | null, command: string, args: string[], cwd?: string) {
  const [cmd, argv] = user ? ['runuser', ['-u', user, '--', command, ...args]] : [command, args];
  return spawnSync(cmd, argv, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
}

export function commandOutput(result: ReturnType<typeof runAs>): string {
  return [result.error?.message, result.stdout, result.stderr].filter(Boolean).join('\n').trim();
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const SERVER_BINARIES = ['initdb', 'pg_ctl', 'postgres'];

function hasServerBinaries(dir: string): boolean {
  return SERVER_BINARIES.every((bin) => existsSync(join(dir, bin)));
}

/** Directory with initdb/pg_ctl/postgres: pg_config --bindir, else the highest /usr/lib/postgresql/N/bin, else PATH. */
export function findPostgresBinDir(): string | null {
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

function logTail(logFile: string): string {
  try {
    return readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '';
  }
}

/** The user the server runs as: PostgreSQL refuses root, so as root take `postgres` (else `nobody`). */
function serverUser(): string | null {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root) return null;
  return runAs(null, 'id', ['-u', 'postgres']).status === 0 ? 'postgres' : 'nobody';
}

function idOf(user: string, flag: '-u' | '-g'): number {
  return Number(runAs(null, 'id', [flag, user]).stdout.trim());
}

/**
 * initdb and start a server in a new temp dir. On failure nothing is left behind
 * (server stopped, temp dir removed) and the error carries initdb's or pg_ctl's output.
 */
export async function startThrowawayServer(binDir: string, options: StartOptions): Promise<ThrowawayServer> {
  const user = serverUser();
  const tempDir = mkdtempSync(join(tmpdir(), options.tempDirPrefix));
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
    if (initdb.status !== 0) throw new Error(`initdb failed:\n${commandOutput(initdb)}`);

    let lastError = '';
    for (let attempt = 1; attempt <= 3; attempt++) {
      const port = await freeLoopbackPort();
      const settings = {
        listen_addresses: "'127.0.0.1'",
        port: String(port),
        unix_socket_directories: `'${tempDir}'`,
        max_connections: String(options.maxConnections),
        fsync: 'off',
        synchronous_commit: 'off',
        full_page_writes: 'off',
      };
      // Appended again on a retry: the last setting of a name wins.
      appendFileSync(
        join(dataDir, 'postgresql.conf'),
        `\n# ${options.configComment}\n${Object.entries(settings)
          .map(([k, v]) => `${k} = ${v}`)
          .join('\n')}\n`,
      );
      const pgCtl = runAs(user, join(binDir, 'pg_ctl'), ['start', '-D', dataDir, '-l', logFile, '-w', '-t', '60'], tempDir);
      if (pgCtl.status === 0) {
        const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]) || null;
        return { tempDir, dataDir, logFile, binDir, runAs: user, port, url: `postgres://postgres@127.0.0.1:${port}/postgres`, pid, version };
      }
      lastError = `pg_ctl start failed (port ${port}):\n${commandOutput(pgCtl)}\n${logTail(logFile)}`;
      // a port taken between probing and binding: try another one
    }
    throw new Error(lastError);
  } catch (error) {
    runAs(user, join(binDir, 'pg_ctl'), ['stop', '-D', join(tempDir, 'data'), '-m', 'immediate'], tempDir);
    rmSync(tempDir, { recursive: true, force: true });
    throw error;
  }
}

function postmasterPid(server: ThrowawayServer): number | null {
  try {
    const pid = Number(readFileSync(join(server.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return server.pid;
  }
}

/** Is this pid a postmaster of our data dir (and not some other postgres)? */
function isOurPostmaster(pid: number, dataDir: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(dataDir);
  } catch {
    return false;
  }
}

/** Stop the server (immediate shutdown) and delete its temp dir; problems go to `log`. Never throws. */
export function stopThrowawayServer(server: ThrowawayServer, log: (message: string) => void): void {
  const pid = postmasterPid(server);
  if (existsSync(server.dataDir) && pid !== null && pidAlive(pid)) {
    const pgCtl = join(server.binDir, 'pg_ctl');
    const result = runAs(server.runAs, pgCtl, ['stop', '-D', server.dataDir, '-m', 'immediate', '-w', '-t', '30'], server.tempDir);
    if (result.status !== 0) {
      log(`pg_ctl stop failed (${(result.stderr || result.error?.message || '').trim()})`);
      if (pidAlive(pid) && isOurPostmaster(pid, server.dataDir)) {
        log(`killing postmaster ${pid}`);
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
  }
  try {
    rmSync(server.tempDir, { recursive: true, force: true });
  } catch (error) {
    log(`could not remove ${server.tempDir}: ${(error as Error).message}`);
  }
}
