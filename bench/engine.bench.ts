/**
 * `npm run bench:engine` – what one participant event costs through the real service.
 *
 * For each database (PGlite on a temp on-disk data dir; PostgreSQL on a throwaway
 * server of its own, or a fresh database on BENCH_DATABASE_URL) the real runtime is
 * started in-process and driven over HTTP (fetch, keep-alive) with the admin token:
 *
 * - engine:   N participant events via POST /api/v1/solutions/:id/participants/:ars/events
 *             (row locks in a transaction, XState transition, history insert, jobs)
 * - baseline: N requests to POST /api/v1/bench/baseline/:solutionId/:ars, a route added
 *             through `extraRoutes` that does one single-row UPDATE of the same
 *             `participant` row shape behind the same HTTP/auth stack.
 *
 * Both with concurrency C; each worker owns a disjoint set of participants. Engine and
 * baseline run alternately for BENCH_ROUNDS rounds after a warm-up; the best round of
 * each is reported. After every engine run the history rows and participant revisions
 * must have grown by exactly the number of events sent (and the baseline revisions by
 * the number of updates), else the benchmark fails.
 *
 * Environment: BENCH_EVENTS (3000), BENCH_CONCURRENCY (8), BENCH_WARMUP (200),
 * BENCH_ROUNDS (2), BENCH_DATABASE_URL (use that server instead of starting one).
 */
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, appendFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import pg from 'pg';
import { loadConfig } from '../src/config.ts';
import { createLogger, startRuntime, type Runtime } from '../src/runtime.ts';
import { toJson } from '../src/db/schema.ts';
import { runAs, stopServer, type ServerState } from '../test/setup/postgres.stop.ts';

// ---------------------------------------------------------------- settings

function intEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min) throw new Error(`${name}=${raw}: expected an integer >= ${min}`);
  return Number(raw);
}

const EVENTS = intEnv('BENCH_EVENTS', 3000, 1);
const CONCURRENCY = intEnv('BENCH_CONCURRENCY', 8, 1);
const WARMUP = intEnv('BENCH_WARMUP', 200, 0);
const ROUNDS = intEnv('BENCH_ROUNDS', 2, 1);
const EXTERNAL_PG_URL = process.env.BENCH_DATABASE_URL?.trim() || null;
/** Brandenburg, Gemeinde level: 52 Ämter, 138 amtsfreie Gemeinden, 4 kreisfreie Städte, 1 Verbandsgemeinde. */
const EXPECTED_PARTICIPANTS = 195;
const SETUP_TIMEOUT_MS = 180_000;

function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

// ---------------------------------------------------------------- cleanup

/**
 * Cleanup steps, run last-in first-out. Each runs once: whoever asks first (the code
 * path that registered it, or the signal handler) starts it, and everybody else awaits
 * that same run – so a database is never dropped while the runtime on it still closes.
 */
interface CleanupEntry {
  label: string;
  fn: () => Promise<void> | void;
  run: Promise<void> | null;
}
const cleanups: CleanupEntry[] = [];

function runEntry(entry: CleanupEntry): Promise<void> {
  entry.run ??= (async () => {
    if (interrupted) progress(`cleanup: ${entry.label}`);
    try {
      await entry.fn();
    } catch (error) {
      progress(`cleanup "${entry.label}" failed: ${(error as Error).message}`);
    }
  })();
  return entry.run;
}

function onCleanup(label: string, fn: () => Promise<void> | void): () => Promise<void> {
  const entry: CleanupEntry = { label, fn, run: null };
  cleanups.push(entry);
  return () => runEntry(entry);
}

async function runCleanups(): Promise<void> {
  for (const entry of [...cleanups].reverse()) await runEntry(entry);
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) {
      progress(`${signal} again: exiting without cleanup`);
      process.exit(130);
    }
    interrupted = true;
    progress(`${signal}: stopping and cleaning up`);
    void runCleanups().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------- statistics

interface RunResult {
  count: number;
  wallMs: number;
  perSecond: number;
  p50: number;
  p95: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[rank - 1]!;
}

function summarise(latencies: Float64Array, wallMs: number): RunResult {
  const sorted = Float64Array.from(latencies).sort();
  return {
    count: latencies.length,
    wallMs,
    perSecond: (latencies.length / wallMs) * 1000,
    p50: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
  };
}

// ---------------------------------------------------------------- HTTP

class Client {
  constructor(
    readonly base: string,
    private readonly token: string,
  ) {}

  async request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: any; text: string }> {
    const response = await fetch(this.base + path, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let json: any = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    return { status: response.status, json, text };
  }

  async expect(status: number, method: 'GET' | 'POST', path: string, body?: unknown) {
    const response = await this.request(method, path, body);
    if (response.status !== status) {
      throw new Error(`${method} ${path}: expected ${status}, got ${response.status}: ${response.text.slice(0, 500)}`);
    }
    return response.json;
  }
}

// ---------------------------------------------------------------- baseline route

/** Snapshot JSON text per `${solutionId}:${ars}`, read once before the baseline runs. */
const baselineSnapshots = new Map<string, { snapshot: string; stage: string }>();

function baselineRoutes(getRuntime: () => Runtime) {
  return (api: FastifyInstance) => {
    api.post<{ Params: { solutionId: string; ars: string } }>(
      '/bench/baseline/:solutionId/:ars',
      {
        config: { roles: ['admin'] },
        schema: {
          hide: true,
          params: {
            type: 'object',
            properties: { solutionId: { type: 'string', format: 'uuid' }, ars: { type: 'string', pattern: '^[0-9]{12}$' } },
            required: ['solutionId', 'ars'],
          },
        },
      },
      async (request, reply) => {
        const { solutionId, ars } = request.params;
        const row = baselineSnapshots.get(`${solutionId}:${ars}`);
        if (!row) return reply.code(404).send({ error: 'no baseline row' });
        // One statement: the same columns an engine step writes on the same table.
        const updated = await getRuntime()
          .handle.db.updateTable('participant')
          .set({
            snapshot: row.snapshot as ReturnType<typeof toJson>,
            stage: row.stage,
            revision: sql<number>`revision + 1`,
            updated_at: sql<Date>`now()`,
          })
          .where('solution_id', '=', solutionId)
          .where('ars', '=', ars)
          .returning('revision')
          .executeTakeFirst();
        if (!updated) return reply.code(404).send({ error: 'row vanished' });
        return { revision: updated.revision };
      },
    );
  };
}

// ---------------------------------------------------------------- workload

type Phase = 'informiert' | 'interessiert' | 'pilot-kandidat';

interface Participant {
  ars: string;
  phase: Phase;
}

const NEXT_EVENT: Record<Phase, { event: Record<string, unknown>; to: Phase }> = {
  informiert: { event: { type: 'INTERESSE_BEKUNDEN' }, to: 'interessiert' },
  interessiert: { event: { type: 'ALS_PILOT_BEWERBEN' }, to: 'pilot-kandidat' },
  'pilot-kandidat': {
    event: { type: 'PILOT_ZURUECKSTELLEN', reason: 'Benchmark: Pilotierung zurückgestellt' },
    to: 'interessiert',
  },
};

/** Participants dealt round-robin to C workers: disjoint sets, so no two requests wait on the same row. */
function partition<T>(items: T[], parts: number): T[][] {
  const groups: T[][] = Array.from({ length: parts }, () => []);
  items.forEach((item, index) => groups[index % parts]!.push(item));
  return groups.filter((g) => g.length > 0);
}

/**
 * Sends `total` requests with `groups.length` concurrent workers; worker w walks its own
 * participants round-robin. Stops at the first failure and throws it.
 */
async function drive(
  total: number,
  groups: Participant[][],
  send: (participant: Participant) => Promise<string | null /* error */>,
): Promise<RunResult> {
  const latencies = new Float64Array(total);
  let next = 0;
  let failure: string | null = null;
  let failures = 0;
  const worker = async (own: Participant[]) => {
    let cursor = 0;
    for (;;) {
      if (failure) return;
      if (interrupted) {
        failure = 'interrupted';
        return;
      }
      const index = next++;
      if (index >= total) return;
      const participant = own[cursor++ % own.length]!;
      const started = performance.now();
      let error: string | null;
      try {
        error = await send(participant);
      } catch (e) {
        error = (e as Error).message;
      }
      latencies[index] = performance.now() - started;
      if (error) {
        failures++;
        failure ??= `${participant.ars}: ${error}`;
        return;
      }
    }
  };
  const started = performance.now();
  await Promise.all(groups.map(worker));
  const wallMs = performance.now() - started;
  if (interrupted) throw new Error('interrupted');
  if (failure) throw new Error(`${failures} request(s) failed – aborting the benchmark. First failure: ${failure}`);
  return summarise(latencies, wallMs);
}

// ---------------------------------------------------------------- one database

interface DatabaseResult {
  database: string;
  engine: RunResult;
  baseline: RunResult;
  ratio: number;
  verified: boolean;
}

async function waitFor(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + SETUP_TIMEOUT_MS;
  while (!(await check())) {
    if (interrupted) throw new Error(`interrupted while waiting for ${what}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${SETUP_TIMEOUT_MS / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function createInformedSolution(client: Client, title: string): Promise<{ id: string; participants: Participant[] }> {
  const solution = await client.expect(201, 'POST', '/api/v1/solutions', {
    title,
    ozgId: '99999',
    leikaKeys: ['99000000000000'],
    leadMinistry: 'MIK',
    description: 'Benchmark',
    responsibility: { level: 'gemeinde' },
  });
  const vorgemerkt = solution.participantsByStage?.vorgemerkt;
  if (vorgemerkt !== EXPECTED_PARTICIPANTS) {
    throw new Error(`${title}: expected ${EXPECTED_PARTICIPANTS} participants, got ${JSON.stringify(solution.participantsByStage)}`);
  }
  const base = `/api/v1/solutions/${solution.id}`;
  await client.expect(200, 'POST', `${base}/events`, { type: 'ERSTINFORMATION_STARTEN' });
  await client.expect(200, 'POST', `${base}/events`, { type: 'ERSTINFORMATION_VERSANDT' });
  // The job worker informs every participant after the commit.
  await waitFor(`${title}: all participants informiert`, async () => {
    const page = await client.expect(200, 'GET', `${base}/participants?stage=informiert&limit=1`);
    return page.total === EXPECTED_PARTICIPANTS;
  });
  const list = await client.expect(200, 'GET', `${base}/participants?limit=1000`);
  const participants: Participant[] = list.items.map((p: { ars: string; stage: string }) => {
    if (p.stage !== 'informiert') throw new Error(`${p.ars} is ${p.stage}, expected informiert`);
    return { ars: p.ars, phase: 'informiert' as Phase };
  });
  if (participants.length !== EXPECTED_PARTICIPANTS) throw new Error(`${title}: listed ${participants.length} participants`);
  return { id: solution.id, participants };
}

async function counts(runtime: Runtime, solutionId: string): Promise<{ history: number; revisions: number }> {
  const db = runtime.handle.db;
  const history = await db
    .selectFrom('history')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('solution_id', '=', solutionId)
    .executeTakeFirstOrThrow();
  const revisions = await db
    .selectFrom('participant')
    .select(sql<number>`coalesce(sum(revision), 0)::int`.as('n'))
    .where('solution_id', '=', solutionId)
    .executeTakeFirstOrThrow();
  return { history: history.n, revisions: revisions.n };
}

async function benchDatabase(label: string, env: Record<string, string>): Promise<DatabaseResult> {
  const adminToken = randomBytes(30).toString('base64url'); // 40 characters
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: '',
    ...env,
    PORT: '0',
    LOG_LEVEL: 'warn',
    LOAD_FIXTURE_DIRECTORY: 'true',
    EFA_ADMIN_TOKEN: adminToken,
  });
  const logger = createLogger(config);
  let runtime: Runtime | null = null;
  const setupStarted = performance.now();
  const options = {
    extraRoutes: baselineRoutes(() => {
      if (!runtime) throw new Error('runtime not started');
      return runtime;
    }),
  };
  runtime = await startRuntime(config, logger, options);
  const rt = runtime;
  const closeRuntime = onCleanup(`${label} runtime`, async () => {
    const closing = rt.close();
    // A keep-alive socket that was busy when close() began is not closed once it turns
    // idle, and server.close() would wait for Fastify's keep-alive timeout (72 s): after a
    // grace second for requests in flight (only on an abort), end every connection.
    const force = setTimeout(() => rt.app.server.closeAllConnections(), 1000);
    try {
      await closing;
    } finally {
      clearTimeout(force);
    }
  });
  try {
    await rt.app.listen({ port: 0, host: '127.0.0.1' });
    const address = rt.app.server.address();
    if (!address || typeof address === 'string') throw new Error('server has no TCP address');
    const client = new Client(`http://127.0.0.1:${address.port}`, adminToken);

    const health = await client.expect(200, 'GET', '/health');
    const engineSolution = await createInformedSolution(client, 'Benchmark Engine');
    const baselineSolution = await createInformedSolution(client, 'Benchmark Baseline');
    await waitFor('the job queue to be idle', async () => {
      const open = await rt.handle.db
        .selectFrom('job')
        .select(sql<number>`count(*)::int`.as('n'))
        .where('status', 'in', ['pending', 'running'])
        .where('run_at', '<=', new Date())
        .executeTakeFirstOrThrow();
      return open.n === 0;
    });
    for (const row of await rt.handle.db
      .selectFrom('participant')
      .select(['ars', 'snapshot', 'stage'])
      .where('solution_id', '=', baselineSolution.id)
      .execute()) {
      baselineSnapshots.set(`${baselineSolution.id}:${row.ars}`, { snapshot: JSON.stringify(row.snapshot), stage: row.stage });
    }
    progress(
      `${label}: ${health.database} ready, 2 × ${EXPECTED_PARTICIPANTS} participants informiert ` +
        `(setup ${((performance.now() - setupStarted) / 1000).toFixed(1)} s)`,
    );

    const engineGroups = partition(engineSolution.participants, CONCURRENCY);
    const baselineGroups = partition(baselineSolution.participants, CONCURRENCY);
    const engineBase = `/api/v1/solutions/${engineSolution.id}/participants`;

    const runEngine = async (n: number): Promise<RunResult> => {
      const before = await counts(rt, engineSolution.id);
      const result = await drive(n, engineGroups, async (participant) => {
        const step = NEXT_EVENT[participant.phase];
        const response = await client.request('POST', `${engineBase}/${participant.ars}/events`, step.event);
        if (response.status !== 200) return `HTTP ${response.status} for ${String(step.event.type)}: ${response.text.slice(0, 300)}`;
        if (response.json?.stage !== step.to) return `${String(step.event.type)} led to ${response.json?.stage}, expected ${step.to}`;
        participant.phase = step.to;
        return null;
      });
      const after = await counts(rt, engineSolution.id);
      if (after.history - before.history !== n || after.revisions - before.revisions !== n) {
        throw new Error(
          `verification failed (${label}, engine): sent ${n} events, history grew by ${after.history - before.history}, ` +
            `participant revisions by ${after.revisions - before.revisions}`,
        );
      }
      return result;
    };
    const runBaseline = async (n: number): Promise<RunResult> => {
      const before = await counts(rt, baselineSolution.id);
      const result = await drive(n, baselineGroups, async (participant) => {
        const response = await client.request('POST', `/api/v1/bench/baseline/${baselineSolution.id}/${participant.ars}`);
        if (response.status !== 200) return `HTTP ${response.status}: ${response.text.slice(0, 300)}`;
        if (typeof response.json?.revision !== 'number') return `unexpected answer ${response.text.slice(0, 200)}`;
        return null;
      });
      const after = await counts(rt, baselineSolution.id);
      if (after.revisions - before.revisions !== n || after.history !== before.history) {
        throw new Error(
          `verification failed (${label}, baseline): sent ${n} updates, revisions grew by ${after.revisions - before.revisions}, ` +
            `history by ${after.history - before.history}`,
        );
      }
      return result;
    };

    if (WARMUP > 0) {
      progress(`${label}: warm-up, ${WARMUP} engine events + ${WARMUP} baseline updates`);
      await runEngine(WARMUP);
      await runBaseline(WARMUP);
    }
    const engineRuns: RunResult[] = [];
    const baselineRuns: RunResult[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const engine = await runEngine(EVENTS);
      engineRuns.push(engine);
      const baseline = await runBaseline(EVENTS);
      baselineRuns.push(baseline);
      progress(
        `${label}: round ${round}/${ROUNDS}: engine ${engine.perSecond.toFixed(0)} events/s ` +
          `(p50 ${engine.p50.toFixed(2)} / p95 ${engine.p95.toFixed(2)} ms), baseline ${baseline.perSecond.toFixed(0)} updates/s ` +
          `(p50 ${baseline.p50.toFixed(2)} / p95 ${baseline.p95.toFixed(2)} ms)`,
      );
    }
    const best = (runs: RunResult[]) => runs.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
    const engine = best(engineRuns);
    const baseline = best(baselineRuns);
    progress(`${label}: verified (history rows and revisions grew by exactly the events sent, every run)`);
    return { database: label, engine, baseline, ratio: engine.perSecond / baseline.perSecond, verified: true };
  } finally {
    await closeRuntime();
  }
}

// ---------------------------------------------------------------- PostgreSQL server

const SERVER_BINARIES = ['initdb', 'pg_ctl', 'postgres'];

function hasServerBinaries(dir: string): boolean {
  return SERVER_BINARIES.every((bin) => existsSync(join(dir, bin)));
}

function findPostgresBinDir(): string | null {
  const pgConfig = runAs(null, 'pg_config', ['--bindir']);
  const fromPgConfig = pgConfig.status === 0 ? pgConfig.stdout.trim() : '';
  if (fromPgConfig && hasServerBinaries(fromPgConfig)) return fromPgConfig;
  try {
    const versions = readdirSync('/usr/lib/postgresql')
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (hasServerBinaries(`/usr/lib/postgresql/${v}/bin`)) return `/usr/lib/postgresql/${v}/bin`;
  } catch {
    /* no Debian layout */
  }
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && hasServerBinaries(dir)) return dir;
  return null;
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

function commandOutput(result: ReturnType<typeof runAs>): string {
  return [result.error?.message, result.stdout, result.stderr].filter(Boolean).join('\n').trim();
}

/** Server settings of the throwaway server (as the test server: durability off, it is thrown away). */
const PG_SETTINGS = {
  listen_addresses: "'127.0.0.1'",
  max_connections: '100',
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
};

/**
 * Starts a PostgreSQL server in a bench-local temp dir, the way test/setup/postgres.start.ts
 * does (as an unprivileged user when running as root, trust auth on 127.0.0.1 only), but
 * without touching the shared `.tap` state of concurrent tap runs.
 */
async function startOwnServer(binDir: string): Promise<ServerState> {
  const started = performance.now();
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const user = root ? (runAs(null, 'id', ['-u', 'postgres']).status === 0 ? 'postgres' : 'nobody') : null;
  const tempDir = mkdtempSync(join(tmpdir(), 'efa-bench-pg-'));
  const dataDir = join(tempDir, 'data');
  const logFile = join(tempDir, 'postgres.log');
  const partial: ServerState = {
    tempDir,
    dataDir,
    logFile,
    binDir,
    runAs: user,
    port: 0,
    url: '',
    pid: null,
    version: '',
    startedAt: new Date().toISOString(),
    owners: [],
  };
  try {
    if (user) {
      const uid = Number(runAs(null, 'id', ['-u', user]).stdout.trim());
      const gid = Number(runAs(null, 'id', ['-g', user]).stdout.trim());
      chownSync(tempDir, uid, gid);
    }
    partial.version = runAs(null, join(binDir, 'postgres'), ['--version']).stdout.trim();
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
      const settings = { ...PG_SETTINGS, port: String(port), unix_socket_directories: `'${tempDir}'` };
      appendFileSync(
        join(dataDir, 'postgresql.conf'),
        `\n# efa-rollout benchmark server (bench/engine.bench.ts)\n${Object.entries(settings)
          .map(([k, v]) => `${k} = ${v}`)
          .join('\n')}\n`,
      );
      const pgCtl = runAs(user, join(binDir, 'pg_ctl'), ['start', '-D', dataDir, '-l', logFile, '-w', '-t', '60'], tempDir);
      if (pgCtl.status === 0) {
        partial.port = port;
        partial.url = `postgres://postgres@127.0.0.1:${port}/postgres`;
        partial.pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]) || null;
        progress(`${partial.version} on 127.0.0.1:${port}${user ? ` (as ${user})` : ''} ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
        return partial;
      }
      lastError = `pg_ctl start failed (port ${port}):\n${commandOutput(pgCtl)}`;
    }
    throw new Error(lastError);
  } catch (error) {
    stopServer(partial);
    throw error;
  }
}

async function withFreshDatabase<T>(serverUrl: string, fn: (url: string) => Promise<T>): Promise<T> {
  const name = `efa_bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const drop = onCleanup(`drop database ${name}`, async () => {
    const dropper = new pg.Client({ connectionString: serverUrl });
    await dropper.connect();
    try {
      await dropper.query(`drop database if exists ${name} with (force)`);
    } finally {
      await dropper.end();
    }
  });
  try {
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    return await fn(url.toString());
  } finally {
    await drop();
  }
}

// ---------------------------------------------------------------- main

function fmt(value: number, digits = 0): string {
  return value.toFixed(digits);
}

async function main(): Promise<void> {
  const cpuList = cpus();
  const header = {
    node: process.version,
    cpu: cpuList[0]?.model.trim() ?? 'unknown',
    cores: cpuList.length,
    events: EVENTS,
    concurrency: CONCURRENCY,
    warmup: WARMUP,
    rounds: ROUNDS,
  };
  console.log('efa-rollout engine benchmark: participant events through HTTP vs. single-row UPDATE baseline');
  console.log(`node ${header.node} | ${header.cpu} (${header.cores} cores) | N=${EVENTS} events, C=${CONCURRENCY} concurrent, warm-up ${WARMUP}, ${ROUNDS} alternating rounds, best round reported`);

  const results: DatabaseResult[] = [];
  let postgresNote: string | null = null;

  // PGlite on a temp on-disk data dir, as `npm start` with DATA_DIR.
  {
    const dataDir = mkdtempSync(join(tmpdir(), 'efa-bench-pglite-'));
    const remove = onCleanup('pglite data dir', () => rmSync(dataDir, { recursive: true, force: true }));
    try {
      progress(`pglite: data dir ${dataDir}`);
      results.push(await benchDatabase('pglite', { DATA_DIR: dataDir }));
    } finally {
      await remove();
    }
  }

  // PostgreSQL: BENCH_DATABASE_URL, else a throwaway server of our own.
  const scratchDataDir = mkdtempSync(join(tmpdir(), 'efa-bench-data-'));
  const removeScratch = onCleanup('scratch data dir', () => rmSync(scratchDataDir, { recursive: true, force: true }));
  try {
    if (EXTERNAL_PG_URL) {
      postgresNote = 'BENCH_DATABASE_URL (fresh database)';
      progress(`postgres: fresh database on BENCH_DATABASE_URL`);
      results.push(await withFreshDatabase(EXTERNAL_PG_URL, (url) => benchDatabase('postgres', { DATABASE_URL: url, DATA_DIR: scratchDataDir })));
    } else {
      const binDir = findPostgresBinDir();
      if (!binDir) {
        postgresNote = 'skipped: no PostgreSQL server binaries (initdb/pg_ctl/postgres) found and BENCH_DATABASE_URL unset';
        console.log(`PostgreSQL: ${postgresNote} – PGlite only.`);
      } else {
        const server = await startOwnServer(binDir);
        const stop = onCleanup('postgres server', () => stopServer(server));
        try {
          postgresNote = `throwaway ${server.version} (fsync=off, synchronous_commit=off, full_page_writes=off)`;
          results.push(await withFreshDatabase(server.url, (url) => benchDatabase('postgres', { DATABASE_URL: url, DATA_DIR: scratchDataDir })));
        } finally {
          await stop();
        }
      }
    }
  } finally {
    await removeScratch();
  }

  if (postgresNote) console.log(`postgres: ${postgresNote}`);
  console.log('');
  const rows = [
    ['database', 'engine events/s', 'baseline updates/s', 'ratio', 'engine p50/p95 ms', 'baseline p50/p95 ms'],
    ...results.map((r) => [
      r.database,
      fmt(r.engine.perSecond),
      fmt(r.baseline.perSecond),
      fmt(r.ratio, 2),
      `${fmt(r.engine.p50, 2)} / ${fmt(r.engine.p95, 2)}`,
      `${fmt(r.baseline.p50, 2)} / ${fmt(r.baseline.p95, 2)}`,
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) => `| ${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join(' | ')} |`;
  console.log(line(rows[0]!));
  console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const row of rows.slice(1)) console.log(line(row));
  console.log(`verified: ${results.map((r) => `${r.database} ${r.verified ? 'ok' : 'FAILED'}`).join(', ')} (history rows and participant revisions grew by exactly the events sent)`);
  console.log('');
  const round = (v: number, d: number) => Number(v.toFixed(d));
  console.log(
    JSON.stringify({
      ...header,
      pick: 'best',
      postgres: postgresNote,
      results: results.map((r) => ({
        database: r.database,
        engineEventsPerSec: round(r.engine.perSecond, 1),
        baselineUpdatesPerSec: round(r.baseline.perSecond, 1),
        ratio: round(r.ratio, 3),
        engineP50Ms: round(r.engine.p50, 3),
        engineP95Ms: round(r.engine.p95, 3),
        baselineP50Ms: round(r.baseline.p50, 3),
        baselineP95Ms: round(r.baseline.p95, 3),
        verified: r.verified,
      })),
    }),
  );
}

try {
  await main();
} catch (error) {
  process.exitCode = 1;
  console.error(`\nBENCHMARK FAILED: ${(error as Error).stack ?? String(error)}`);
} finally {
  await runCleanups();
}
