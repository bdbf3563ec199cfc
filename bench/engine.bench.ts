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
import { performance } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Runtime } from '../src/runtime.ts';
import { toJson } from '../src/db/schema.ts';
import {
  benchOnPglite,
  benchOnPostgres,
  hostInfo,
  intEnv,
  isInterrupted,
  jobQueueIdle,
  printTable,
  progress,
  roundTo,
  runBench,
  startBenchService,
  waitFor,
  type AdminApi,
} from './bench.support.ts';

// ---------------------------------------------------------------- settings

const EVENTS = intEnv('BENCH_EVENTS', 3000, 1);
const CONCURRENCY = intEnv('BENCH_CONCURRENCY', 8, 1);
const WARMUP = intEnv('BENCH_WARMUP', 200, 0);
const ROUNDS = intEnv('BENCH_ROUNDS', 2, 1);
/** Brandenburg, Gemeinde level: 52 Ämter, 138 amtsfreie Gemeinden, 4 kreisfreie Städte, 1 Verbandsgemeinde. */
const EXPECTED_PARTICIPANTS = 195;
const SETUP_TIMEOUT_MS = 180_000;

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
      if (isInterrupted()) {
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
  if (isInterrupted()) throw new Error('interrupted');
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

async function createInformedSolution(client: AdminApi, title: string): Promise<{ id: string; participants: Participant[] }> {
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
  // Step 1 as a ministry does it: the Erstinformation mailing (to the local outbox); each
  // participant is informed when its mail is accepted.
  await client.expect(200, 'PUT', `${base}/mail-details`, { kontaktName: 'Benchmark', kontaktEmail: 'bench@mik.example' });
  await client.expect(201, 'POST', `${base}/mailings`, { kind: 'erstinformation' });
  await waitFor(`${title}: all participants informiert`, SETUP_TIMEOUT_MS, 100, async () => {
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

async function counts(runtime: Runtime, solutionId: string): Promise<{ history: number; lastHistoryId: number; revisions: number }> {
  const db = runtime.handle.db;
  const history = await db
    .selectFrom('history')
    .select([sql<number>`count(*)::int`.as('n'), sql<number>`coalesce(max(id), 0)::int`.as('last')])
    .where('solution_id', '=', solutionId)
    .executeTakeFirstOrThrow();
  const revisions = await db
    .selectFrom('participant')
    .select(sql<number>`coalesce(sum(revision), 0)::int`.as('n'))
    .where('solution_id', '=', solutionId)
    .executeTakeFirstOrThrow();
  return { history: history.n, lastHistoryId: history.last, revisions: revisions.n };
}

/** What wrote history during a run that should not have: for the failure message. */
async function unexpectedHistory(runtime: Runtime, solutionId: string, afterId: number): Promise<string> {
  const rows = await runtime.handle.db
    .selectFrom('history')
    .select(['event_type', 'actor', 'participant_ars'])
    .where('solution_id', '=', solutionId)
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(5)
    .execute();
  return rows.map((r) => `${r.event_type} by ${r.actor}${r.participant_ars ? ` (${r.participant_ars})` : ''}`).join(', ');
}

async function benchDatabase(label: string, env: Record<string, string>): Promise<DatabaseResult> {
  // The baseline route is registered before the runtime exists; it asks for it per request.
  let runtime: Runtime | null = null;
  const setupStarted = performance.now();
  const service = await startBenchService(label, env, {
    extraRoutes: baselineRoutes(() => {
      if (!runtime) throw new Error('runtime not started');
      return runtime;
    }),
  });
  runtime = service.runtime;
  const rt = service.runtime;
  try {
    const client = service.api;

    const health = await client.expect(200, 'GET', '/health');
    const engineSolution = await createInformedSolution(client, 'Benchmark Engine');
    const baselineSolution = await createInformedSolution(client, 'Benchmark Baseline');
    await waitFor('the job queue to be idle', SETUP_TIMEOUT_MS, 100, () => jobQueueIdle(rt));
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
            `history by ${after.history - before.history} (${await unexpectedHistory(rt, baselineSolution.id, before.lastHistoryId)})`,
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
    await service.close();
  }
}

// ---------------------------------------------------------------- main

function fmt(value: number, digits = 0): string {
  return value.toFixed(digits);
}

async function main(): Promise<void> {
  const header = {
    ...hostInfo(),
    events: EVENTS,
    concurrency: CONCURRENCY,
    warmup: WARMUP,
    rounds: ROUNDS,
  };
  console.log('efa-rollout engine benchmark: participant events through HTTP vs. single-row UPDATE baseline');
  console.log(`node ${header.node} | ${header.cpu} (${header.cores} cores) | N=${EVENTS} events, C=${CONCURRENCY} concurrent, warm-up ${WARMUP}, ${ROUNDS} alternating rounds, best round reported`);

  const results: DatabaseResult[] = [];
  results.push(await benchOnPglite('efa-bench', (env) => benchDatabase('pglite', env)));
  const postgres = await benchOnPostgres('efa-bench', (env) => benchDatabase('postgres', env));
  if (postgres.result) results.push(postgres.result);
  else console.log(`PostgreSQL: ${postgres.note} – PGlite only.`);

  console.log(`postgres: ${postgres.note}`);
  console.log('');
  printTable(
    ['database', 'engine events/s', 'baseline updates/s', 'ratio', 'engine p50/p95 ms', 'baseline p50/p95 ms'],
    results.map((r) => [
      r.database,
      fmt(r.engine.perSecond),
      fmt(r.baseline.perSecond),
      fmt(r.ratio, 2),
      `${fmt(r.engine.p50, 2)} / ${fmt(r.engine.p95, 2)}`,
      `${fmt(r.baseline.p50, 2)} / ${fmt(r.baseline.p95, 2)}`,
    ]),
    1,
  );
  console.log(`verified: ${results.map((r) => `${r.database} ${r.verified ? 'ok' : 'FAILED'}`).join(', ')} (history rows and participant revisions grew by exactly the events sent)`);
  console.log('');
  console.log(
    JSON.stringify({
      ...header,
      pick: 'best',
      postgres: postgres.note,
      results: results.map((r) => ({
        database: r.database,
        engineEventsPerSec: roundTo(r.engine.perSecond, 1),
        baselineUpdatesPerSec: roundTo(r.baseline.perSecond, 1),
        ratio: roundTo(r.ratio, 3),
        engineP50Ms: roundTo(r.engine.p50, 3),
        engineP95Ms: roundTo(r.engine.p95, 3),
        baselineP50Ms: roundTo(r.baseline.p50, 3),
        baselineP95Ms: roundTo(r.baseline.p95, 3),
        verified: r.verified,
      })),
    }),
  );
}

await runBench('bench', main);
