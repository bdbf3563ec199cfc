import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';

export class DataDirLockedError extends Error {
  readonly dataDir: string;
  readonly holderPid: number;

  constructor(dataDir: string, holderPid: number) {
    super(
      holderPid === process.pid
        ? `Das Datenverzeichnis ${dataDir} ist in diesem Prozess schon geöffnet.`
        : `Das Datenverzeichnis ${dataDir} wird bereits von Prozess ${holderPid} verwendet. ` +
            'PGlite verträgt nur einen Prozess je Verzeichnis; für mehrere Instanzen DATABASE_URL (PostgreSQL) setzen.',
    );
    this.name = 'DataDirLockedError';
    this.dataDir = dataDir;
    this.holderPid = holderPid;
  }
}

/**
 * Who holds a lock. A PID alone is not an identity: a container restarts its service
 * as PID 1 again, and after a crash the kernel hands the PID to any other process. The
 * start time (clock ticks since boot, /proc/<pid>/stat) and the boot id tell a living
 * holder from such a namesake.
 */
export interface LockHolder {
  pid: number;
  /** null where /proc is missing (not Linux): then only the PID can be checked. */
  startTime: string | null;
  bootId: string | null;
  since?: string;
}

const LOCK_FILE = 'efa-rollout.lock';

/** Data directories this process has locked: its own PID in a lock file is no proof of that. */
const lockedHere = new Set<string>();

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** Field 22 of a /proc/<pid>/stat line; the command name before it may itself contain spaces and ')'. */
export function startTimeFromStat(stat: string): string | null {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return /^\d+$/.test(fields[19] ?? '') ? fields[19]! : null;
}

export function readProcessStartTime(pid: number): string | null {
  const stat = readText(`/proc/${pid}/stat`);
  return stat ? startTimeFromStat(stat) : null;
}

function readBootId(): string | null {
  return readText('/proc/sys/kernel/random/boot_id')?.trim() || null;
}

export function currentProcessHolder(): LockHolder {
  return { pid: process.pid, startTime: readProcessStartTime(process.pid), bootId: readBootId() };
}

/** Reads a lock file; earlier versions wrote the bare PID. null: unreadable or garbled. */
export function parseLockHolder(content: string): LockHolder | null {
  const text = content.trim();
  if (/^\d+$/.test(text)) return { pid: Number(text), startTime: null, bootId: null };
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    if (!Number.isInteger(value.pid) || (value.pid as number) <= 0) return null;
    return {
      pid: value.pid as number,
      startTime: typeof value.startTime === 'string' ? value.startTime : null,
      bootId: typeof value.bootId === 'string' ? value.bootId : null,
      since: typeof value.since === 'string' ? value.since : undefined,
    };
  } catch {
    return null;
  }
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the holder named in a lock file still runs. `dataDir` tells this process's
 * own locks from the one a former incarnation with the same PID left behind.
 */
export function isLockHolderAlive(holder: LockHolder, dataDir: string): boolean {
  const bootId = readBootId();
  if (holder.bootId && bootId && holder.bootId !== bootId) return false; // written before a reboot
  if (holder.pid === process.pid) return lockedHere.has(dataDir);
  if (!isProcessAlive(holder.pid)) return false;
  const startTime = readProcessStartTime(holder.pid);
  // Without a recorded or readable start time the PID is all there is: assume it is the holder.
  if (!holder.startTime || !startTime) return true;
  return holder.startTime === startTime;
}

/**
 * Creates `path` with `content`, failing with EEXIST if it exists. Written to a temp
 * file first and linked into place, so no reader ever sees a half-written lock.
 */
function createExclusive(path: string, content: string): void {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(temp, content);
  try {
    linkSync(temp, path);
  } finally {
    unlinkSync(temp);
  }
}

function isExists(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'EEXIST';
}

/**
 * Removes a stale lock file. Two processes that both found it stale must not both
 * remove it – the second would delete the lock the first has just taken – so the
 * removal happens under a second, short-lived lock file, and only if the file still
 * holds the stale content that was judged.
 */
function removeStaleLock(lockFile: string, staleContent: string, dataDir: string, self: string): void {
  const guard = `${lockFile}.takeover`;
  try {
    createExclusive(guard, self);
  } catch (error) {
    if (!isExists(error)) throw error;
    const holder = parseLockHolder(readText(guard) ?? '');
    if (holder && isLockHolderAlive(holder, dataDir)) throw new DataDirLockedError(dataDir, holder.pid);
    unlinkSync(guard); // left by a process that died while taking over
    return;
  }
  try {
    if (readText(lockFile) === staleContent) unlinkSync(lockFile);
  } finally {
    unlinkSync(guard);
  }
}

/**
 * Takes an exclusive lock on a PGlite data directory: a lock file that names its holder
 * (PID, process start time, boot id). A lock whose holder no longer runs is taken over;
 * one held by a running process refuses the start with DataDirLockedError.
 * Returns the function that releases the lock.
 */
export function lockDataDir(dataDir: string): () => void {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const lockFile = join(dir, LOCK_FILE);
  const self = JSON.stringify({ ...currentProcessHolder(), since: new Date().toISOString() });
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      createExclusive(lockFile, self);
      lockedHere.add(dir);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        lockedHere.delete(dir);
        // Only our own lock: never one another process took over in the meantime.
        if (readText(lockFile) === self) unlinkSync(lockFile);
      };
    } catch (error) {
      if (!isExists(error)) throw error;
      const content = readText(lockFile);
      if (content === null) continue; // removed in the meantime
      const holder = parseLockHolder(content);
      if (holder && isLockHolderAlive(holder, dir)) throw new DataDirLockedError(dir, holder.pid);
      removeStaleLock(lockFile, content, dir, self);
    }
  }
  throw new Error(`Sperrdatei ${lockFile} konnte nicht angelegt werden`);
}

/**
 * Where the service holding a data directory listens, for the CLI's hints: a command
 * refused because the directory is busy names the running service's real address, not
 * the one its own environment would give (the service may have been started with
 * another PORT or HOST). Written after the service listens, removed when it stops.
 */
const ADDRESS_FILE = 'efa-rollout.address.json';

export function recordServiceAddress(dataDir: string, address: string): () => void {
  const file = join(resolve(dataDir), ADDRESS_FILE);
  const content = JSON.stringify({ pid: process.pid, address });
  writeFileSync(file, content);
  return () => {
    if (readText(file) === content) unlinkSync(file);
  };
}

/** The address the process `holderPid` recorded for the data directory, or null (none, or another process's). */
export function readServiceAddress(dataDir: string, holderPid: number): string | null {
  const text = readText(join(resolve(dataDir), ADDRESS_FILE));
  if (!text) return null;
  try {
    const value = JSON.parse(text) as { pid?: unknown; address?: unknown };
    if (value.pid !== holderPid || typeof value.address !== 'string' || !/^https?:\/\/\S+$/.test(value.address)) return null;
    // A service listening on every interface is reached locally through the loopback address.
    return value.address.replace('://0.0.0.0:', '://127.0.0.1:').replace('://[::]:', '://[::1]:');
  } catch {
    return null;
  }
}
