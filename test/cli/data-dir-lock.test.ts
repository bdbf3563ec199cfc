import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DataDirLockedError,
  currentProcessHolder,
  lockDataDir,
  parseLockHolder,
  readProcessStartTime,
  startTimeFromStat,
} from '../../src/db/data-dir.lock.ts';

const LOCK = 'efa-rollout.lock';

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'efa-lock-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A process that lives until the test ends: a PID that is certainly in use. */
async function livingProcess(t: Test): Promise<number> {
  const child = spawn('sleep', ['300'], { stdio: 'ignore' });
  t.teardown(() => child.kill('SIGKILL'));
  await new Promise((resolve) => child.once('spawn', resolve));
  return child.pid!;
}

function writeLock(dir: string, holder: object | string): void {
  writeFileSync(join(dir, LOCK), typeof holder === 'string' ? holder : JSON.stringify(holder));
}

function refusal(fn: () => unknown): DataDirLockedError | null {
  try {
    fn();
    return null;
  } catch (error) {
    if (error instanceof DataDirLockedError) return error;
    throw error;
  }
}

const self = currentProcessHolder();

t.test('the lock names its holder by PID, start time and boot id, and is released', async (t) => {
  const dir = tempDir(t);
  const release = lockDataDir(dir);
  const holder = parseLockHolder(readFileSync(join(dir, LOCK), 'utf8'));
  t.equal(holder?.pid, process.pid);
  t.equal(holder?.startTime, readProcessStartTime(process.pid), 'start time from /proc/<pid>/stat');
  t.ok(holder?.startTime, 'Linux: a start time is recorded');
  t.equal(holder?.bootId, self.bootId);
  release();
  t.notOk(existsSync(join(dir, LOCK)));
  release(); // twice is harmless
});

t.test('a directory locked in this process is refused a second time', async (t) => {
  const dir = tempDir(t);
  const release = lockDataDir(dir);
  t.teardown(release);
  const error = refusal(() => lockDataDir(dir));
  t.ok(error, 'refused');
  t.equal(error?.holderPid, process.pid);
  t.match(error?.message, /in diesem Prozess schon geöffnet/);
});

t.test('container restart: a stale lock with our own PID but another start time is taken over', async (t) => {
  // A container runs its service as PID 1 after every restart: the lock left by the
  // last run holds the same PID as the new process.
  const dir = tempDir(t);
  writeLock(dir, { pid: process.pid, startTime: '1', bootId: self.bootId });
  const release = lockDataDir(dir);
  t.equal(parseLockHolder(readFileSync(join(dir, LOCK), 'utf8'))?.startTime, self.startTime, 'the lock is ours now');
  release();

  // The bare-PID lock file of earlier versions, with our PID: stale as well.
  writeLock(dir, String(process.pid));
  lockDataDir(dir)();
  t.notOk(existsSync(join(dir, LOCK)));
});

t.test('a reused PID: a living process that is not the holder does not keep the lock', async (t) => {
  const dir = tempDir(t);
  const pid = await livingProcess(t);
  const startTime = readProcessStartTime(pid)!;
  t.ok(startTime);

  writeLock(dir, { pid, startTime: String(Number(startTime) - 1), bootId: self.bootId });
  const release = lockDataDir(dir);
  t.equal(parseLockHolder(readFileSync(join(dir, LOCK), 'utf8'))?.pid, process.pid, 'taken over');
  release();

  writeLock(dir, { pid, startTime, bootId: 'another-boot' });
  lockDataDir(dir)();
  t.pass('a lock from before a reboot is stale whatever its PID');
});

t.test('a lock held by a living process is respected', async (t) => {
  const dir = tempDir(t);
  const pid = await livingProcess(t);
  writeLock(dir, { pid, startTime: readProcessStartTime(pid), bootId: self.bootId });
  const error = refusal(() => lockDataDir(dir));
  t.equal(error?.holderPid, pid);
  t.match(error?.message, new RegExp(`Prozess ${pid}`));
  t.ok(existsSync(join(dir, LOCK)), 'the holder keeps its lock');

  // An old-style lock of a living PID cannot be checked further: respected too.
  writeLock(dir, String(pid));
  t.equal(refusal(() => lockDataDir(dir))?.holderPid, pid);
});

t.test('dead holders, garbled files and an abandoned takeover do not block', async (t) => {
  const dir = tempDir(t);
  const child = spawn('true');
  await new Promise((resolve) => child.once('exit', resolve));
  writeLock(dir, { pid: child.pid, startTime: '1', bootId: self.bootId });
  lockDataDir(dir)();
  writeLock(dir, '');
  lockDataDir(dir)();
  writeLock(dir, '{"pid":');
  lockDataDir(dir)();

  // A process died while taking over a stale lock: its guard file is stale as well.
  writeLock(dir, { pid: child.pid, startTime: '1', bootId: self.bootId });
  writeFileSync(join(dir, `${LOCK}.takeover`), JSON.stringify({ pid: child.pid, startTime: '1', bootId: self.bootId }));
  lockDataDir(dir)();
  t.notOk(existsSync(join(dir, `${LOCK}.takeover`)));
});

t.test('a living process taking over a stale lock right now is not disturbed', async (t) => {
  const dir = tempDir(t);
  const pid = await livingProcess(t);
  writeLock(dir, '{"pid":');
  writeFileSync(join(dir, `${LOCK}.takeover`), JSON.stringify({ pid, startTime: readProcessStartTime(pid), bootId: self.bootId }));
  t.equal(refusal(() => lockDataDir(dir))?.holderPid, pid);
});

t.test('releasing never removes a lock that another process holds by now', async (t) => {
  const dir = tempDir(t);
  const release = lockDataDir(dir);
  const other = JSON.stringify({ pid: 999_999, startTime: '1', bootId: self.bootId });
  writeLock(dir, other);
  release();
  t.equal(readFileSync(join(dir, LOCK), 'utf8'), other);
});

t.test('lock files and /proc/<pid>/stat are read defensively', async (t) => {
  t.equal(parseLockHolder('4711')?.pid, 4711, 'the bare PID of earlier versions');
  t.equal(parseLockHolder('{"pid":0}'), null);
  t.equal(parseLockHolder('kaputt'), null);
  // The command name (field 2) may hold spaces and parentheses: fields count from the last ')'.
  const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
  t.equal(startTimeFromStat(`4711 (node (x) y) ${fields.join(' ')}`), '22');
  t.equal(startTimeFromStat('4711 (kurz) S 1'), null);
  t.match(readProcessStartTime(process.pid), /^\d+$/);
  t.equal(readProcessStartTime(2 ** 22 + 1), null, 'no such process');
});
