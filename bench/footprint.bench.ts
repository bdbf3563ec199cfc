/**
 * `npm run bench:footprint` – what the embedded default costs a user: time from
 * `npm start` to a 200 on /health and the memory of the service process, on PGlite and
 * on PostgreSQL, beside a bare PGlite process measured in the same run.
 *
 * The service is started as a user starts it: `npm start` in the project directory
 * (a child process tree npm → sh → node src/cli.ts serve) with a clean environment (no
 * npm_* variables, no node_modules/.bin of this checkout on PATH), PORT on a free
 * loopback port and EFA_ADMIN_TOKEN set, so that the one-time token need not be read from
 * the console. Per database:
 *
 * - first start: a fresh DATA_DIR (PGlite) or a fresh database (PostgreSQL): time from
 *   spawn to the first 200 on /health, RSS idle (VmRSS once start has settled) and the
 *   peak so far (VmHWM);
 * - mailing: an Erstinformation to all of Brandenburg (Zuständigkeit `gemeinde`: 195
 *   authorities plus the multipliers) into the local outbox, after setting the contact
 *   (a mailing without one is refused), until every message is `angenommen` and every
 *   participant `informiert`; then RSS idle again and the peak;
 * - Ctrl-C (SIGINT to the process group, as a terminal sends it), then a warm start on
 *   the same DATA_DIR / database: time to /health, RSS idle and peak.
 * RSS is read from /proc/<pid>/status of the process that listens on the port – the
 * service itself, not npm (nor tsx's parent process in older checkouts); the whole
 * tree's RSS is printed beside it.
 *
 * After the warm start has settled, the first requests that pay what the start deferred
 * (schemas compiled on first use, page modules loaded on first request): sign-in through
 * the form, the first staff page (/verwaltung) and the solution's page, the first API list
 * and the solution's JSON – wall time and the service's CPU time of each.
 *
 * Goals of issue 18, printed with goal, measured value and whether it is met: warm start
 * to /health ≤ 1.5 s of CPU on PGlite and on PostgreSQL; idle RSS of the warm PGlite
 * service ≤ the bare tuned PGlite reopen + 100 MB (same run); idle RSS of the warm
 * PostgreSQL service ≤ 150 MB. Medians over the runs.
 *
 * Baseline, in the same run and with the project's own Node and PGlite: a bare process
 * that opens a new PGlite data dir (initdb), and one that reopens it; time from spawn to
 * the answer of `select 1`, RSS peak and idle. Beside them a bare process that reopens
 * it with the options the service uses since issue 7 ("tuned"), and a bare Node process
 * (the floor of any Node service). Ratios service/baseline are printed; nothing is
 * asserted.
 *
 * BENCH_PROJECT_DIR (default: this checkout) names the project to measure, so that the
 * same script measures an older commit in a worktree of its own:
 *   git worktree add /tmp/efa-before <commit> && (cd /tmp/efa-before && npm ci)
 *   BENCH_PROJECT_DIR=/tmp/efa-before npm run bench:footprint
 *
 * Environment: BENCH_PROJECT_DIR, BENCH_FOOTPRINT_RUNS (3; every figure is printed as
 * median and range), BENCH_FOOTPRINT_PGLITE / BENCH_FOOTPRINT_POSTGRES (1; 0 skips the
 * service on that database), BENCH_DATABASE_URL (use that server instead of starting one).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';
import { freeLoopbackPort } from '../test/helpers/net.ts';
import {
  AdminApi,
  benchOnPglite,
  benchOnPostgres,
  hostInfo,
  intEnv,
  isInterrupted,
  onCleanup,
  printTable,
  progress,
  roundTo,
  runBench,
  sleep,
  waitFor,
} from './bench.support.ts';

// ---------------------------------------------------------------- settings

const PROJECT_DIR = resolve(process.env.BENCH_PROJECT_DIR?.trim() || join(dirname(fileURLToPath(import.meta.url)), '..'));
const RUNS = intEnv('BENCH_FOOTPRINT_RUNS', 3, 1);
const WITH_PGLITE = intEnv('BENCH_FOOTPRINT_PGLITE', 1, 0) > 0;
const WITH_POSTGRES = intEnv('BENCH_FOOTPRINT_POSTGRES', 1, 0) > 0;
/** Brandenburg, Gemeinde level: 52 Ämter, 138 amtsfreie Gemeinden, 4 kreisfreie Städte, 1 Verbandsgemeinde. */
const EXPECTED_PARTICIPANTS = 195;
const START_TIMEOUT_MS = 120_000;
const MAILING_TIMEOUT_MS = 300_000;
const STOP_TIMEOUT_MS = 20_000;
/** Idle: RSS moved less than this over SETTLE_WINDOW_MS (or SETTLE_MAX_MS passed). */
const SETTLE_TOLERANCE_KB = 1024;
const SETTLE_WINDOW_MS = 2000;
const SETTLE_MAX_MS = 15_000;
const SAMPLE_MS = 100;

// ---------------------------------------------------------------- /proc

interface Memory {
  /** VmRSS, KiB. */
  rssKb: number;
  /** VmHWM (peak RSS of the process so far), KiB. */
  hwmKb: number;
}

function readMemory(pid: number): Memory | null {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null; // gone
  }
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssKb: field('VmRSS'), hwmKb: field('VmHWM') };
}

/** Parent pid, CPU time used (user + system, all threads) and start time from /proc/<pid>/stat, in clock ticks. */
function readStat(pid: number): { ppid: number; cpuTicks: number; startTicks: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (2nd field) may hold spaces and parentheses: split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), cpuTicks: Number(fields[11]) + Number(fields[12]), startTicks: Number(fields[19]) };
  } catch {
    return null;
  }
}

/** `root` and every process below it. */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (!stat) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(Number(entry));
    children.set(stat.ppid, list);
  }
  const tree: number[] = [];
  const walk = (pid: number) => {
    tree.push(pid);
    for (const child of children.get(pid) ?? []) walk(child);
  };
  walk(root);
  return tree;
}

/** Socket inodes listening on 127.0.0.1:`port` (IPv4 and IPv6 tables). */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // local_address is addr:port in hex; state 0A is LISTEN; inode is column 10.
      if (cols.length > 9 && cols[1]!.endsWith(`:${hexPort}`) && cols[3] === '0A') inodes.add(cols[9]!);
    }
  }
  return inodes;
}

/** The process of `root`'s tree that holds the listening socket on `port`: the service itself. */
function findListeningProcess(root: number, port: number): number | null {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return null;
  for (const pid of processTree(root)) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
        if (inode && inodes.has(inode)) return pid;
      } catch {
        /* closed meanwhile */
      }
    }
  }
  return null;
}

function treeRssKb(root: number): number {
  return processTree(root).reduce((sum, pid) => sum + (readMemory(pid)?.rssKb ?? 0), 0);
}

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux

// ---------------------------------------------------------------- child processes

/** The environment of a user's shell: without what `npm run` added for this checkout. */
function userEnvironment(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(name) || name === 'INIT_CWD' || name === 'NODE' || name.startsWith('BENCH_')) continue;
    env[name] = value;
  }
  env.PATH = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => dir && !dir.includes(`${'/'}node_modules${'/'}.bin`) && !dir.includes('node-gyp-bin'))
    .join(delimiter);
  delete env.DATABASE_URL;
  delete env.DATA_DIR;
  return { ...env, ...extra };
}

/** The Node a project's npm scripts run on: its own node_modules/.bin/node, else the one on PATH. */
function projectNode(projectDir: string): string {
  const own = join(projectDir, 'node_modules', '.bin', 'node');
  return existsSync(own) ? own : 'node';
}

interface Launched {
  child: ChildProcess;
  spawnedAt: number;
  /** Last lines of stdout/stderr, for an error message. */
  tail(): string;
  exited: Promise<number | string>;
}

function launch(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, label: string): Launched {
  const spawnedAt = performance.now();
  // A process group of its own: stopped as a terminal stops it (signal to the group).
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > 60) lines.splice(0, lines.length - 60);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | string>((resolveExit) => {
    child.on('exit', (code, signal) => resolveExit(code ?? signal ?? 'unknown'));
    child.on('error', (error) => resolveExit(error.message));
  });
  const killGroup = onCleanup(`${label} process group`, () => {
    if (child.exitCode === null && child.signalCode === null) signalGroup(child, 'SIGKILL');
  });
  void exited.then(() => killGroup());
  return { child, spawnedAt, tail: () => lines.join('\n'), exited };
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    /* already gone */
  }
}

/** Ctrl-C: SIGINT to the group; SIGKILL if it has not exited in time. Returns the seconds it took. */
async function stopGroup(launched: Launched, label: string): Promise<number> {
  const started = performance.now();
  signalGroup(launched.child, 'SIGINT');
  const outcome = await Promise.race([launched.exited, sleep(STOP_TIMEOUT_MS).then(() => 'timeout' as const)]);
  if (outcome === 'timeout') {
    progress(`${label}: still running ${STOP_TIMEOUT_MS / 1000} s after SIGINT – SIGKILL`);
    signalGroup(launched.child, 'SIGKILL');
    await launched.exited;
  }
  // npm may exit before the service does: wait for the rest of the group.
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (groupAlive(launched.child.pid!) && Date.now() < deadline) await sleep(50);
  if (groupAlive(launched.child.pid!)) {
    progress(`${label}: processes of the group still running after npm exited – SIGKILL`);
    signalGroup(launched.child, 'SIGKILL');
  }
  return (performance.now() - started) / 1000;
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** RSS samples until the last SETTLE_WINDOW_MS moved less than SETTLE_TOLERANCE_KB (or SETTLE_MAX_MS passed). */
async function settle(pid: number, what: string): Promise<Memory> {
  const samples: { at: number; rssKb: number }[] = [];
  const started = Date.now();
  for (;;) {
    if (isInterrupted()) throw new Error('interrupted');
    const memory = readMemory(pid);
    if (!memory) throw new Error(`${what}: process ${pid} is gone`);
    const now = Date.now();
    samples.push({ at: now, rssKb: memory.rssKb });
    const window = samples.filter((s) => s.at >= now - SETTLE_WINDOW_MS);
    const spanned = now - samples[0]!.at >= SETTLE_WINDOW_MS;
    const values = window.map((s) => s.rssKb);
    if ((spanned && Math.max(...values) - Math.min(...values) < SETTLE_TOLERANCE_KB) || now - started > SETTLE_MAX_MS) {
      return memory;
    }
    await sleep(250);
  }
}

// ---------------------------------------------------------------- baseline: bare processes

/**
 * Opens (or creates: initdb) a PGlite data dir with the project's PGlite and default
 * options, answers `select 1`, says "ready" and idles until SIGINT/SIGTERM. Plain
 * JavaScript, so that it runs on any project's Node (Node 20 cannot run TypeScript).
 * With "tuned" it opens PGlite as src/db/database.ts does since issue 7 (16 MB shared
 * buffers, WebAssembly on V8's baseline compiler only): what the service's own code
 * costs on top of its database shows against that.
 */
const BARE_PGLITE = `
const [moduleUrl, dataDir, variant] = process.argv.slice(1);
const tuned = variant === 'tuned';
if (tuned) {
  const v8 = await import('node:v8');
  v8.setFlagsFromString('--no-wasm-tier-up');
  v8.setFlagsFromString('--no-wasm-dynamic-tiering');
}
const { PGlite } = await import(moduleUrl);
const db = await PGlite.create({ dataDir, ...(tuned ? { startParams: [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'] } : {}) });
await db.query('select 1');
process.stdout.write('ready\\n');
const stop = async () => { await db.close(); process.exit(0); };
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
setInterval(() => {}, 1 << 30);
`;
const BARE_NODE = `
process.stdout.write('ready\\n');
process.on('SIGINT', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
setInterval(() => {}, 1 << 30);
`;

/** The ESM entry of the project's @electric-sql/pglite (from its package.json exports). */
function projectPgliteUrl(projectDir: string): { url: string; version: string } {
  const packageDir = join(projectDir, 'node_modules', '@electric-sql', 'pglite');
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
  const entry = manifest.exports?.['.']?.import?.default ?? manifest.module ?? 'dist/index.js';
  return { url: pathToFileURL(join(packageDir, entry)).href, version: manifest.version };
}

interface BareResult {
  seconds: number;
  cpuSeconds: number;
  peakKb: number;
  idleKb: number;
}

async function measureBare(label: string, code: string, args: string[]): Promise<BareResult> {
  // Bare means Node's defaults: no options meant for the service.
  const env = userEnvironment({});
  delete env.NODE_OPTIONS;
  delete env.NODE_COMPILE_CACHE;
  const launched = launch(projectNode(PROJECT_DIR), ['--input-type=module', '-e', code, ...args], PROJECT_DIR, env, label);
  const ready = new Promise<void>((resolveReady) => {
    let seen = '';
    launched.child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      if (seen.includes('ready\n')) resolveReady();
    });
  });
  const outcome = await Promise.race([ready.then(() => 'ready' as const), launched.exited, sleep(START_TIMEOUT_MS).then(() => 'timeout' as const)]);
  if (outcome !== 'ready') throw new Error(`${label}: ${outcome === 'timeout' ? 'no answer in time' : `exited (${outcome})`}\n${launched.tail()}`);
  const seconds = (performance.now() - launched.spawnedAt) / 1000;
  const cpuSeconds = (readStat(launched.child.pid!)?.cpuTicks ?? Number.NaN) / CLOCK_TICKS_PER_SECOND;
  const idle = await settle(launched.child.pid!, label);
  const peakKb = readMemory(launched.child.pid!)?.hwmKb ?? idle.hwmKb;
  await stopGroup(launched, label);
  return { seconds, cpuSeconds, peakKb, idleKb: idle.rssKb };
}

interface BaselineRun {
  initdb: BareResult;
  reopen: BareResult;
  reopenTuned: BareResult;
  node: BareResult;
}

async function measureBaseline(pgliteUrl: string): Promise<BaselineRun> {
  const dir = mkdtempSync(join(tmpdir(), 'efa-footprint-bare-'));
  const remove = onCleanup('bare PGlite data dir', () => rmSync(dir, { recursive: true, force: true }));
  try {
    const dataDir = join(dir, 'pglite');
    const initdb = await measureBare('bare PGlite (initdb)', BARE_PGLITE, [pgliteUrl, dataDir]);
    const reopen = await measureBare('bare PGlite (reopen)', BARE_PGLITE, [pgliteUrl, dataDir]);
    const reopenTuned = await measureBare('bare PGlite (reopen, tuned)', BARE_PGLITE, [pgliteUrl, dataDir, 'tuned']);
    const node = await measureBare('bare Node', BARE_NODE, []);
    return { initdb, reopen, reopenTuned, node };
  } finally {
    await remove();
  }
}

// ---------------------------------------------------------------- the service

interface StartResult {
  /** Spawn of `npm start` to the first 200 on /health. */
  seconds: number;
  /** CPU time the service process used until then (all threads): less at the mercy of other load than `seconds`. */
  cpuSeconds: number;
  /** Of that, until the service process existed (npm, shell, loader). */
  launcherSeconds: number;
  idleKb: number;
  peakKb: number;
  treeIdleKb: number;
}

/** The first request of a kind after the start: wall time and the service's CPU time. */
interface FirstRequest {
  what: string;
  ms: number;
  cpuMs: number;
}

interface Started {
  launched: Launched;
  pid: number;
  api: AdminApi;
  result: StartResult;
}

async function startService(label: string, env: Record<string, string>, adminToken: string): Promise<Started> {
  const port = await freeLoopbackPort();
  const base = `http://127.0.0.1:${port}`;
  const launched = launch(
    'npm',
    ['start'],
    PROJECT_DIR,
    userEnvironment({ ...env, PORT: String(port), HOST: '127.0.0.1', EFA_ADMIN_TOKEN: adminToken }),
    label,
  );
  let exitedWith: number | string | null = null;
  void launched.exited.then((code) => (exitedWith = code));
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (exitedWith !== null) throw new Error(`${label}: npm start exited (${exitedWith}) before /health answered\n${launched.tail()}`);
    if (isInterrupted()) throw new Error('interrupted');
    if (Date.now() > deadline) throw new Error(`${label}: no 200 on /health after ${START_TIMEOUT_MS / 1000} s\n${launched.tail()}`);
    try {
      const response = await fetch(`${base}/health`, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === 200) break;
    } catch {
      /* not listening yet */
    }
    await sleep(SAMPLE_MS / 2);
  }
  const seconds = (performance.now() - launched.spawnedAt) / 1000;
  const pid = findListeningProcess(launched.child.pid!, port);
  if (!pid) throw new Error(`${label}: no process of the npm start tree listens on port ${port}`);
  const launcherStat = readStat(launched.child.pid!);
  const serviceStat = readStat(pid);
  const launcherSeconds = launcherStat && serviceStat ? (serviceStat.startTicks - launcherStat.startTicks) / CLOCK_TICKS_PER_SECOND : Number.NaN;
  const cpuSeconds = serviceStat ? serviceStat.cpuTicks / CLOCK_TICKS_PER_SECOND : Number.NaN;
  const idle = await settle(pid, label);
  return {
    launched,
    pid,
    api: new AdminApi(base, adminToken),
    result: { seconds, cpuSeconds, launcherSeconds, idleKb: idle.rssKb, peakKb: readMemory(pid)?.hwmKb ?? idle.hwmKb, treeIdleKb: treeRssKb(launched.child.pid!) },
  };
}

/**
 * After a settled warm start: the first request of each kind, in the order a person
 * works (sign in, the list, a solution) and as an API client reads, each timed.
 */
async function measureFirstRequests(service: Started, token: string, solutionId: string | null): Promise<FirstRequest[]> {
  const { api, pid } = service;
  const results: FirstRequest[] = [];
  const timed = async (what: string, send: () => Promise<Response>, expected: number) => {
    const cpuBefore = readStat(pid)?.cpuTicks ?? Number.NaN;
    const started = performance.now();
    const response = await send();
    const body = await response.text();
    const ms = performance.now() - started;
    if (response.status !== expected) throw new Error(`${what}: ${response.status}, expected ${expected}: ${body.slice(0, 200)}`);
    results.push({ what, ms, cpuMs: (((readStat(pid)?.cpuTicks ?? Number.NaN) - cpuBefore) * 1000) / CLOCK_TICKS_PER_SECOND });
    return { response, body };
  };
  let cookie = '';
  const keepCookie = (response: Response) => {
    const set = response.headers.getSetCookie().find((c) => c.startsWith('efa_sitzung='));
    if (set) cookie = set.split(';')[0]!;
  };
  const form = await timed('staff: sign-in form GET /anmelden', () => fetch(`${api.base}/anmelden`, { redirect: 'manual' }), 200);
  keepCookie(form.response);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1];
  if (!csrf) throw new Error('sign-in form without CSRF value');
  const signedIn = await timed(
    'staff: sign in POST /anmelden',
    () =>
      fetch(`${api.base}/anmelden`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, origin: api.base, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf, token }).toString(),
      }),
    303,
  );
  keepCookie(signedIn.response);
  const staffPage = (path: string) => () => fetch(`${api.base}${path}`, { headers: { cookie }, redirect: 'manual' });
  const apiGet = (path: string) => () => fetch(`${api.base}${path}`, { headers: { authorization: `Bearer ${token}` } });
  await timed('staff: first page GET /verwaltung', staffPage('/verwaltung'), 200);
  if (solutionId) await timed('staff: a solution\'s page', staffPage(`/verwaltung/loesungen/${solutionId}`), 200);
  await timed('API: first request GET /api/v1/solutions', apiGet('/api/v1/solutions'), 200);
  if (solutionId) await timed('API: a solution GET /api/v1/solutions/:id', apiGet(`/api/v1/solutions/${solutionId}`), 200);
  return results;
}

interface MailingResult {
  solutionId: string;
  seconds: number;
  messages: number;
  idleKb: number;
  peakKb: number;
}

/** The Erstinformation of a Gemeinde-level solution to all of Brandenburg, into the local outbox. */
async function mailAllBrandenburg(label: string, service: Started): Promise<MailingResult> {
  const { api } = service;
  const solution = await api.expect(201, 'POST', '/api/v1/solutions', {
    title: 'Footprint Erstinformation',
    ozgId: '99999',
    leikaKeys: ['99000000000000'],
    leadMinistry: 'MIK',
    description: 'Benchmark',
    responsibility: { level: 'gemeinde' },
  });
  const base = `/api/v1/solutions/${solution.id}`;
  await api.expect(200, 'POST', `${base}/events`, { type: 'ERSTINFORMATION_STARTEN' });
  await api.expect(200, 'PUT', `${base}/mail-details`, { kontaktName: 'Benchmark', kontaktEmail: 'bench@mik.example' });
  const started = performance.now();
  const created = await api.expect(201, 'POST', `${base}/mailings`, { kind: 'erstinformation' });
  const messages = Number(created.messages);
  if (!(messages >= EXPECTED_PARTICIPANTS)) throw new Error(`${label}: mailing has ${created.messages} messages, expected ≥ ${EXPECTED_PARTICIPANTS}`);
  await waitFor(`${label}: mailing done`, MAILING_TIMEOUT_MS, 250, async () => {
    const state = await api.expect(200, 'GET', `${base}/mailings/${created.mailingId}`);
    if (state.messages.done && (state.messages.byStatus?.angenommen ?? 0) !== messages) {
      throw new Error(`${label}: mailing done with ${JSON.stringify(state.messages.byStatus)}, expected ${messages} angenommen`);
    }
    return Boolean(state.messages.done);
  });
  await waitFor(`${label}: all participants informiert`, MAILING_TIMEOUT_MS, 250, async () => {
    const page = await api.expect(200, 'GET', `${base}/participants?stage=informiert&limit=1`);
    return page.total === EXPECTED_PARTICIPANTS;
  });
  const seconds = (performance.now() - started) / 1000;
  const idle = await settle(service.pid, `${label} after the mailing`);
  return { solutionId: String(solution.id), seconds, messages, idleKb: idle.rssKb, peakKb: readMemory(service.pid)?.hwmKb ?? idle.hwmKb };
}

interface DatabaseRun {
  first: StartResult;
  mailing: MailingResult;
  warm: StartResult;
  /** After the warm start has settled. */
  firstRequests: FirstRequest[];
  stopSeconds: number;
}

async function measureService(database: string, env: Record<string, string>): Promise<DatabaseRun> {
  const adminToken = randomBytes(30).toString('base64url');
  const firstStart = await startService(`${database} first start`, env, adminToken);
  let mailing: MailingResult;
  try {
    progress(`${database}: first start ${firstStart.result.seconds.toFixed(2)} s, idle ${mb(firstStart.result.idleKb)} MB (pid ${firstStart.pid})`);
    mailing = await mailAllBrandenburg(database, firstStart);
    progress(`${database}: mailing of ${mailing.messages} messages in ${mailing.seconds.toFixed(1)} s, idle ${mb(mailing.idleKb)} MB, peak ${mb(mailing.peakKb)} MB`);
  } finally {
    await stopGroup(firstStart.launched, `${database} first start`);
  }
  const warmStart = await startService(`${database} warm start`, env, adminToken);
  let stopSeconds: number;
  let firstRequests: FirstRequest[];
  try {
    progress(`${database}: warm start ${warmStart.result.seconds.toFixed(2)} s, CPU ${warmStart.result.cpuSeconds.toFixed(2)} s, idle ${mb(warmStart.result.idleKb)} MB`);
    firstRequests = await measureFirstRequests(warmStart, adminToken, mailing.solutionId);
    progress(`${database}: first requests ${firstRequests.map((r) => `${r.what} ${r.ms.toFixed(0)} ms`).join(', ')}`);
  } finally {
    stopSeconds = await stopGroup(warmStart.launched, `${database} warm start`);
  }
  return { first: firstStart.result, mailing, warm: warmStart.result, firstRequests, stopSeconds };
}

// ---------------------------------------------------------------- report

const mb = (kb: number) => (kb / 1024).toFixed(0);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** "median (min–max)" of the runs, or the one value. */
function spread(values: number[], digits: number, scale = 1): string {
  const scaled = values.map((v) => v / scale);
  const m = median(scaled).toFixed(digits);
  if (scaled.length === 1) return m;
  return `${m} (${Math.min(...scaled).toFixed(digits)}–${Math.max(...scaled).toFixed(digits)})`;
}

async function main(): Promise<void> {
  if (!existsSync(join(PROJECT_DIR, 'package.json'))) throw new Error(`BENCH_PROJECT_DIR=${PROJECT_DIR}: no package.json`);
  const pglite = projectPgliteUrl(PROJECT_DIR);
  const manifest = JSON.parse(readFileSync(join(PROJECT_DIR, 'package.json'), 'utf8'));
  const nodeVersion = await new Promise<string>((resolveVersion) => {
    const child = spawn(projectNode(PROJECT_DIR), ['--version'], { env: userEnvironment({}), stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', () => resolveVersion(out.trim() || 'unknown'));
  });
  const host = hostInfo();
  console.log('efa-rollout footprint benchmark: npm start to /health and service RSS, beside a bare PGlite process');
  console.log(
    `project ${PROJECT_DIR} | npm start = ${manifest.scripts?.start} | its node ${nodeVersion}, PGlite ${pglite.version} | ` +
      `${host.cpu} (${host.cores} cores) | ${RUNS} run(s): median (min–max)`,
  );

  const baselines: BaselineRun[] = [];
  const pgliteRuns: DatabaseRun[] = [];
  const postgresRuns: DatabaseRun[] = [];
  let postgresNote = 'skipped (BENCH_FOOTPRINT_POSTGRES=0)';
  for (let run = 1; run <= RUNS; run++) {
    progress(`run ${run}/${RUNS}: bare PGlite and bare Node`);
    const baseline = await measureBaseline(pglite.url);
    baselines.push(baseline);
    progress(
      `bare PGlite: initdb ${baseline.initdb.seconds.toFixed(2)} s (peak ${mb(baseline.initdb.peakKb)} MB, idle ${mb(baseline.initdb.idleKb)} MB), ` +
        `reopen ${baseline.reopen.seconds.toFixed(2)} s (peak ${mb(baseline.reopen.peakKb)} MB, idle ${mb(baseline.reopen.idleKb)} MB); bare Node idle ${mb(baseline.node.idleKb)} MB`,
    );
    if (WITH_PGLITE) pgliteRuns.push(await benchOnPglite('efa-footprint', (env) => measureService('pglite', env)));
    if (WITH_POSTGRES) {
      const postgres = await benchOnPostgres('efa-footprint', (env) => measureService('postgres', env));
      postgresNote = postgres.note;
      if (postgres.result) postgresRuns.push(postgres.result);
    }
  }

  const pick = <T>(runs: T[], get: (run: T) => number) => runs.map(get);
  const rows: string[][] = [];
  const add = (what: string, values: number[], digits: number, unit: 's' | 'MB') =>
    rows.push([what, unit, spread(values, digits, unit === 'MB' ? 1024 : 1)]);
  add('bare PGlite: new dir (initdb), spawn to select 1', pick(baselines, (b) => b.initdb.seconds), 2, 's');
  add('bare PGlite: new dir, CPU time until select 1', pick(baselines, (b) => b.initdb.cpuSeconds), 2, 's');
  add('bare PGlite: new dir, RSS peak', pick(baselines, (b) => b.initdb.peakKb), 0, 'MB');
  add('bare PGlite: new dir, RSS idle', pick(baselines, (b) => b.initdb.idleKb), 0, 'MB');
  add('bare PGlite: reopen, spawn to select 1', pick(baselines, (b) => b.reopen.seconds), 2, 's');
  add('bare PGlite: reopen, CPU time until select 1', pick(baselines, (b) => b.reopen.cpuSeconds), 2, 's');
  add('bare PGlite: reopen, RSS peak', pick(baselines, (b) => b.reopen.peakKb), 0, 'MB');
  add('bare PGlite: reopen, RSS idle', pick(baselines, (b) => b.reopen.idleKb), 0, 'MB');
  add('bare PGlite tuned (16 MB shared buffers, Liftoff only): reopen, spawn to select 1', pick(baselines, (b) => b.reopenTuned.seconds), 2, 's');
  add('bare PGlite tuned: reopen, RSS peak', pick(baselines, (b) => b.reopenTuned.peakKb), 0, 'MB');
  add('bare PGlite tuned: reopen, RSS idle', pick(baselines, (b) => b.reopenTuned.idleKb), 0, 'MB');
  add('bare Node: RSS idle', pick(baselines, (b) => b.node.idleKb), 0, 'MB');
  const serviceRows = (database: string, runs: DatabaseRun[]) => {
    if (runs.length === 0) return;
    add(`${database}: first start, spawn to /health 200`, pick(runs, (r) => r.first.seconds), 2, 's');
    add(`${database}: first start, of that npm until the service process`, pick(runs, (r) => r.first.launcherSeconds), 2, 's');
    add(`${database}: first start, CPU time of the service process until /health`, pick(runs, (r) => r.first.cpuSeconds), 2, 's');
    add(`${database}: first start, RSS idle`, pick(runs, (r) => r.first.idleKb), 0, 'MB');
    add(`${database}: first start, RSS peak`, pick(runs, (r) => r.first.peakKb), 0, 'MB');
    add(`${database}: first start, RSS idle of the npm start tree`, pick(runs, (r) => r.first.treeIdleKb), 0, 'MB');
    add(`${database}: mailing all Brandenburg (outbox), until all informiert`, pick(runs, (r) => r.mailing.seconds), 1, 's');
    add(`${database}: after the mailing, RSS idle`, pick(runs, (r) => r.mailing.idleKb), 0, 'MB');
    add(`${database}: after the mailing, RSS peak`, pick(runs, (r) => r.mailing.peakKb), 0, 'MB');
    add(`${database}: warm start, spawn to /health 200`, pick(runs, (r) => r.warm.seconds), 2, 's');
    add(`${database}: warm start, CPU time of the service process until /health`, pick(runs, (r) => r.warm.cpuSeconds), 2, 's');
    add(`${database}: warm start, RSS idle`, pick(runs, (r) => r.warm.idleKb), 0, 'MB');
    add(`${database}: warm start, RSS peak`, pick(runs, (r) => r.warm.peakKb), 0, 'MB');
    add(`${database}: Ctrl-C to exit of the tree`, pick(runs, (r) => r.stopSeconds), 2, 's');
    for (const [index, first] of runs[0]!.firstRequests.entries()) {
      rows.push([`${database}: after the warm start, ${first.what}`, 'ms', spread(pick(runs, (r) => r.firstRequests[index]?.ms ?? Number.NaN), 0)]);
      rows.push([`${database}: after the warm start, ${first.what}, CPU time of the service`, 'ms', spread(pick(runs, (r) => r.firstRequests[index]?.cpuMs ?? Number.NaN), 0)]);
    }
  };
  serviceRows('pglite', pgliteRuns);
  serviceRows('postgres', postgresRuns);

  // Ratios per run (service / baseline of the same run), then median and range.
  const ratio = (what: string, values: number[], digits = 2) => rows.push([what, 'ratio', spread(values, digits)]);
  const diff = (what: string, values: number[]) => rows.push([what, 'MB', spread(values, 0, 1024)]);
  if (pgliteRuns.length) {
    const paired = pgliteRuns.map((run, i) => ({ run, base: baselines[i]! }));
    ratio('pglite first start / bare initdb (time)', paired.map(({ run, base }) => run.first.seconds / base.initdb.seconds));
    ratio('pglite warm start / bare reopen (time)', paired.map(({ run, base }) => run.warm.seconds / base.reopen.seconds));
    ratio('pglite warm start / bare reopen (CPU time)', paired.map(({ run, base }) => run.warm.cpuSeconds / base.reopen.cpuSeconds));
    ratio('pglite first start RSS peak / bare initdb peak', paired.map(({ run, base }) => run.first.peakKb / base.initdb.peakKb));
    ratio('pglite warm start RSS idle / bare reopen idle', paired.map(({ run, base }) => run.warm.idleKb / base.reopen.idleKb));
    diff('pglite warm start RSS idle − bare reopen idle', paired.map(({ run, base }) => run.warm.idleKb - base.reopen.idleKb));
    diff('pglite first start RSS idle − bare reopen idle', paired.map(({ run, base }) => run.first.idleKb - base.reopen.idleKb));
    diff('pglite after mailing RSS idle − bare reopen idle', paired.map(({ run, base }) => run.mailing.idleKb - base.reopen.idleKb));
    diff('pglite warm start RSS idle − bare tuned reopen idle (the service\'s own share)', paired.map(({ run, base }) => run.warm.idleKb - base.reopenTuned.idleKb));
  }
  if (postgresRuns.length) {
    ratio('postgres warm start RSS idle / bare Node idle', postgresRuns.map((run, i) => run.warm.idleKb / baselines[i]!.node.idleKb));
  }

  // The goals of issue 18 (medians over the runs; each run's service beside its own baseline).
  const goals: string[][] = [];
  const goal = (what: string, limit: string, measured: string, met: boolean) => goals.push([what, limit, measured, met ? 'yes' : 'no']);
  const mib = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;
  for (const [database, runs] of [['pglite', pgliteRuns], ['postgres', postgresRuns]] as const) {
    if (runs.length === 0) continue;
    const cpu = median(pick(runs, (r) => r.warm.cpuSeconds));
    goal(`${database}: warm start, CPU time until /health`, '≤ 1.50 s', `${cpu.toFixed(2)} s (${spread(pick(runs, (r) => r.warm.cpuSeconds), 2)})`, cpu <= 1.5);
  }
  if (pgliteRuns.length) {
    const share = median(pgliteRuns.map((run, i) => run.warm.idleKb - baselines[i]!.reopenTuned.idleKb));
    goal(
      'pglite: warm start RSS idle − bare tuned PGlite reopen idle',
      '≤ 100 MB',
      `${mib(share)} (service ${mib(median(pick(pgliteRuns, (r) => r.warm.idleKb)))}, bare tuned ${mib(median(pick(baselines, (b) => b.reopenTuned.idleKb)))})`,
      share <= 100 * 1024,
    );
  }
  if (postgresRuns.length) {
    const idle = median(pick(postgresRuns, (r) => r.warm.idleKb));
    goal('postgres: warm start RSS idle', '≤ 150 MB', `${mib(idle)} (${spread(pick(postgresRuns, (r) => r.warm.idleKb), 0, 1024)} MB)`, idle <= 150 * 1024);
  }

  console.log(`postgres: ${postgresNote}`);
  console.log('');
  printTable(['measurement', 'unit', RUNS > 1 ? `median (min–max) of ${RUNS}` : 'value'], rows, 2);
  console.log('');
  console.log('Goals (issue 18):');
  printTable(['goal', 'limit', 'measured (median)', 'met'], goals, 2);
  console.log('');
  const kbToMb = (kb: number) => roundTo(kb / 1024, 1);
  const runJson = (run: DatabaseRun) => ({
    firstStartS: roundTo(run.first.seconds, 3),
    firstLauncherS: roundTo(run.first.launcherSeconds, 2),
    firstCpuS: roundTo(run.first.cpuSeconds, 2),
    firstIdleMb: kbToMb(run.first.idleKb),
    firstPeakMb: kbToMb(run.first.peakKb),
    firstTreeIdleMb: kbToMb(run.first.treeIdleKb),
    mailingS: roundTo(run.mailing.seconds, 2),
    mailingMessages: run.mailing.messages,
    afterMailingIdleMb: kbToMb(run.mailing.idleKb),
    afterMailingPeakMb: kbToMb(run.mailing.peakKb),
    warmStartS: roundTo(run.warm.seconds, 3),
    warmCpuS: roundTo(run.warm.cpuSeconds, 2),
    warmIdleMb: kbToMb(run.warm.idleKb),
    warmPeakMb: kbToMb(run.warm.peakKb),
    firstRequests: run.firstRequests.map((r) => ({ what: r.what, ms: roundTo(r.ms, 1), cpuMs: roundTo(r.cpuMs, 0) })),
    stopS: roundTo(run.stopSeconds, 2),
  });
  const bareJson = (b: BareResult) => ({ s: roundTo(b.seconds, 3), cpuS: roundTo(b.cpuSeconds, 2), peakMb: kbToMb(b.peakKb), idleMb: kbToMb(b.idleKb) });
  console.log(
    JSON.stringify({
      ...host,
      project: PROJECT_DIR,
      projectNode: nodeVersion,
      pglite: pglite.version,
      postgres: postgresNote,
      runs: RUNS,
      baseline: baselines.map((b) => ({ initdb: bareJson(b.initdb), reopen: bareJson(b.reopen), reopenTuned: bareJson(b.reopenTuned), nodeIdleMb: kbToMb(b.node.idleKb) })),
      pgliteRuns: pgliteRuns.map(runJson),
      postgresRuns: postgresRuns.map(runJson),
    }),
  );
}

await runBench('footprint', main);
