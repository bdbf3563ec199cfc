/**
 * tap `after` script: stops the throwaway PostgreSQL test server that
 * test/setup/postgres.start.ts (tap `before`) started, deletes its temp dir and
 * `.tap/test-postgres.{url,json}`.
 *
 * Several tap runs in the same checkout share one server: each run registers
 * itself (its tap runner pid) as an owner in `.tap/test-postgres.json`; the
 * server is stopped when the last live owner is gone. A detached watchdog
 * (`postgres.stop.ts --watchdog <tempDir>`) stops it too when every owner died
 * without running this script (tap killed, Ctrl-C).
 *
 * Also exports the tap-run bookkeeping used by the start script; starting and
 * stopping the server itself is test/helpers/throwaway-postgres.ts.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pidAlive, stopThrowawayServer, type ThrowawayServer } from '../helpers/throwaway-postgres.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const TAP_DIR = join(REPO_ROOT, '.tap');
export const URL_FILE = join(TAP_DIR, 'test-postgres.url');
export const STATE_FILE = join(TAP_DIR, 'test-postgres.json');
const LOCK_DIR = join(TAP_DIR, 'test-postgres.lock');

export interface Owner {
  pid: number;
  /** /proc/<pid>/stat start time, to tell a reused pid apart; null off Linux. */
  start: string | null;
}

/** `.tap/test-postgres.json`: the server and the tap runs using it. */
export interface ServerState extends ThrowawayServer {
  startedAt: string;
  owners: Owner[];
}

export function log(message: string): void {
  // stderr: stdout of before/after scripts is interleaved with tap's own report.
  process.stderr.write(`[test-postgres] ${message}\n`);
}

function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** The tap run this script belongs to: the runner that spawned the before/after script. */
export function currentOwner(): Owner {
  return { pid: process.ppid, start: processStart(process.ppid) };
}

export function ownerAlive(owner: Owner): boolean {
  if (!pidAlive(owner.pid)) return false;
  const start = processStart(owner.pid);
  return owner.start === null || start === null || start === owner.start;
}

export function sameOwner(a: Owner, b: Owner): boolean {
  return a.pid === b.pid && a.start === b.start;
}

export function readState(): ServerState | null {
  if (!existsSync(STATE_FILE)) return null;
  try {
    return JSON.parse(readFileSync(STATE_FILE, 'utf8')) as ServerState;
  } catch {
    return null;
  }
}

export function writeState(state: ServerState): void {
  mkdirSync(TAP_DIR, { recursive: true });
  const tmp = `${STATE_FILE}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, STATE_FILE);
}

export function removeStateFiles(): void {
  rmSync(URL_FILE, { force: true });
  rmSync(STATE_FILE, { force: true });
}

/** Serialises start/stop/watchdog of concurrent tap runs in this checkout. */
export async function withLock<T>(fn: () => Promise<T> | T): Promise<T> {
  mkdirSync(TAP_DIR, { recursive: true });
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      try {
        // a holder never keeps it longer than a server start (pg_ctl -t 60)
        if (Date.now() - statSync(LOCK_DIR).mtimeMs > 90_000) rmSync(LOCK_DIR, { recursive: true, force: true });
      } catch {
        /* vanished meanwhile */
      }
      if (Date.now() > deadline) throw new Error(`lock ${LOCK_DIR} not released within 120 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK_DIR, { recursive: true, force: true });
  }
}

/** Stop the server (immediate shutdown) and delete its temp dir. Never throws. */
export function stopServer(state: ServerState): void {
  const started = Date.now();
  stopThrowawayServer(state, log);
  log(`PostgreSQL test server on port ${state.port} stopped (${((Date.now() - started) / 1000).toFixed(2)} s)`);
}

/** `after` script: deregister this tap run; stop the server when no live run uses it any more. */
async function afterRun(): Promise<void> {
  await withLock(() => {
    const state = readState();
    if (!state) return;
    const me = currentOwner();
    const others = state.owners.filter((o) => !sameOwner(o, me) && ownerAlive(o));
    if (others.length > 0) {
      writeState({ ...state, owners: others });
      log(`server on port ${state.port} still used by tap run(s) ${others.map((o) => o.pid).join(', ')} – left running`);
      return;
    }
    stopServer(state);
    removeStateFiles();
  });
}

/** Detached watchdog: stop the server once every tap run that used it is gone. */
async function watchdog(tempDir: string): Promise<void> {
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    if (!existsSync(tempDir)) return;
    const state = readState();
    if (!state || state.tempDir !== tempDir) return;
    if (state.owners.some(ownerAlive)) continue;
    await withLock(() => {
      const current = readState();
      if (!current || current.tempDir !== tempDir || current.owners.some(ownerAlive)) return;
      stopServer(current);
      removeStateFiles();
    });
    return;
  }
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const [mode, arg] = process.argv.slice(2);
  try {
    if (mode === '--watchdog' && arg) await watchdog(arg);
    else await afterRun();
  } catch (error) {
    log(`stop failed: ${(error as Error).stack ?? String(error)}`);
    process.exitCode = 1;
  }
}
