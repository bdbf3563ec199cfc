import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export class DataDirLockedError extends Error {
  constructor(readonly dataDir: string, readonly holderPid: number) {
    super(
      `Das Datenverzeichnis ${dataDir} wird bereits von Prozess ${holderPid} verwendet. ` +
        'PGlite verträgt nur einen Prozess je Verzeichnis; für mehrere Instanzen DATABASE_URL (PostgreSQL) setzen.',
    );
    this.name = 'DataDirLockedError';
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
 * Takes an exclusive lock on a PGlite data directory: a lock file created with
 * O_EXCL that carries the holder's pid. A lock left behind by a dead process is
 * taken over; one held by a live process refuses the start.
 * Returns the function that releases the lock.
 */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const lockFile = join(dataDir, 'efa-rollout.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockFile, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          unlinkSync(lockFile);
        } catch {
          // already gone: nothing to release
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holderPid = Number.parseInt(readFileSync(lockFile, 'utf8'), 10);
      if (Number.isInteger(holderPid) && holderPid !== process.pid && isProcessAlive(holderPid)) {
        throw new DataDirLockedError(dataDir, holderPid);
      }
      if (holderPid === process.pid) throw new DataDirLockedError(dataDir, holderPid);
      unlinkSync(lockFile); // stale lock of a crashed process
    }
  }
  throw new Error(`Sperrdatei ${lockFile} konnte nicht angelegt werden`);
}
