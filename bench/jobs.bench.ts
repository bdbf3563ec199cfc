/**
 * `npm run bench:jobs` – the job table when it has grown: BENCH_JOBS_FINISHED finished
 * jobs (default 1,000,000) and BENCH_JOBS_QUEUED queued mail deliveries (default 20,000)
 * beside one due timer. Measures, on PGlite and PostgreSQL:
 *   - the operators' counts per kind and status (GET /api/v1/admin/jobs),
 *   - claiming the next due job (does the timer come before the 20,000 mails?),
 *   - deleting the finished jobs past their retention,
 * each with the indexes of migration 0005 and, as the baseline in the same run on the
 * same data, without them (the plan a table without those indexes gets). Prints the
 * median of BENCH_JOBS_ROUNDS runs and the ratio baseline/with.
 */
import { performance } from 'node:perf_hooks';
import { sql, type Kysely } from 'kysely';
import { openDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import type { Database } from '../src/db/schema.ts';
import { JOB_PRIORITY, purgeFinishedJobs } from '../src/engine/job.queue.ts';
import { hostInfo, intEnv, medianMs, onBothDatabases, printTable, progress, roundTo, runBench } from './bench.support.ts';

const FINISHED = intEnv('BENCH_JOBS_FINISHED', 1_000_000, 1000);
const QUEUED = intEnv('BENCH_JOBS_QUEUED', 20_000, 100);
const ROUNDS = intEnv('BENCH_JOBS_ROUNDS', 5, 1);

interface Timings {
  counts: number;
  claim: number;
  claimedKind: string;
}

async function fill(db: Kysely<Database>): Promise<void> {
  progress(`filling: ${FINISHED} finished, ${QUEUED} queued mails, 1 due timer`);
  // generate_series keeps the data out of the JS heap; half the finished jobs are old.
  await sql`
    insert into job (kind, payload, idempotency_key, status, priority, run_at, finished_at, created_at)
    select case when i % 10 = 0 then 'timer.deliverEvent' else 'mail.send' end, '{}'::jsonb, 'f' || i,
           case when i % 7 = 0 then 'cancelled' else 'done' end, 10,
           now() - interval '40 days', now() - (i % 60) * interval '1 day', now() - interval '60 days'
    from generate_series(1, ${FINISHED}) as i`.execute(db);
  await sql`
    insert into job (kind, payload, idempotency_key, status, priority, run_at)
    select 'mail.send', '{}'::jsonb, 'q' || i, 'pending', ${JOB_PRIORITY.bulk}, now() - interval '1 minute'
    from generate_series(1, ${QUEUED}) as i`.execute(db);
  await sql`insert into job (kind, payload, idempotency_key, status, priority, run_at)
    values ('timer.deliverEvent', '{}'::jsonb, 'the-timer', 'pending', ${JOB_PRIORITY.urgent}, now())`.execute(db);
  await sql`analyze job`.execute(db);
}

const median = (run: () => Promise<void>) => medianMs(ROUNDS, run);

/** The same statements the admin route and the worker run (claim without the update). */
async function measure(db: Kysely<Database>, ordered: boolean): Promise<Timings> {
  const counts = await median(async () => {
    await db.selectFrom('job').select(['kind', 'status', sql<number>`count(*)::int`.as('n')]).groupBy(['kind', 'status']).execute();
  });
  let claimedKind = '';
  const claim = await median(async () => {
    const [first] = ordered
      ? // as the worker claims since migration 0005: expired leases back to pending, then one ordered walk
        await (async () => {
          await db.updateTable('job').set({ status: 'pending' }).where('status', '=', 'running').where('locked_until', '<', new Date()).execute();
          return db
            .selectFrom('job')
            .select(['id', 'kind'])
            .where('status', '=', 'pending')
            .where('run_at', '<=', new Date())
            .orderBy('priority')
            .orderBy('run_at')
            .orderBy('id')
            .limit(4)
            .execute();
        })()
      : // as it claimed before: one statement over pending and expired, by due time
        await db
          .selectFrom('job')
          .select(['id', 'kind'])
          .where((eb) =>
            eb.or([eb.and([eb('status', '=', 'pending'), eb('run_at', '<=', new Date())]), eb.and([eb('status', '=', 'running'), eb('locked_until', '<', new Date())])]),
          )
          .orderBy('run_at')
          .orderBy('id')
          .limit(4)
          .execute();
    claimedKind = first?.kind ?? '';
  });
  return { counts, claim, claimedKind };
}

const NEW_INDEXES = ['job_due_idx', 'job_lease_idx', 'job_finished_idx', 'job_status_kind_idx'];

async function benchDatabase(env: Record<string, string>) {
  const handle = env.DATABASE_URL
    ? await openDatabase({ kind: 'postgres', url: env.DATABASE_URL, poolSize: 2 })
    : await openDatabase({ kind: 'pglite', dataDir: env.DATA_DIR! });
  try {
    await migrateToLatest(handle.db);
    await fill(handle.db);
    progress('measuring with the indexes of migration 0005');
    const withIndexes = await measure(handle.db, true);
    progress('measuring the baseline: without them, claim ordered by due time only');
    const definitions = await sql<{ indexdef: string }>`select indexdef from pg_indexes where indexname in (${sql.join(NEW_INDEXES)})`.execute(handle.db);
    for (const name of NEW_INDEXES) await sql.raw(`drop index ${name}`).execute(handle.db);
    await sql`create index job_due_old_idx on job (run_at) where status in ('pending', 'running')`.execute(handle.db);
    const baseline = await measure(handle.db, false);
    const purgeBaseline = await timeOnce(() => purgeFinishedJobs(handle.db, new Date(Date.now() - 30 * 86_400_000)));
    await sql`drop index job_due_old_idx`.execute(handle.db);
    for (const { indexdef } of definitions.rows) await sql.raw(indexdef).execute(handle.db);
    // the purge deleted the old jobs: put the same amount back for the measured run
    await sql`delete from job`.execute(handle.db);
    await fill(handle.db);
    const purge = await timeOnce(() => purgeFinishedJobs(handle.db, new Date(Date.now() - 30 * 86_400_000)));
    return { withIndexes, baseline, purge, purgeBaseline };
  } finally {
    await handle.close();
  }
}

async function timeOnce(run: () => Promise<number>): Promise<{ ms: number; deleted: number }> {
  const start = performance.now();
  const deleted = await run();
  return { ms: performance.now() - start, deleted };
}

await runBench('bench:jobs', async () => {
  const { results, postgresNote } = await onBothDatabases('efa-bench-jobs', benchDatabase);
  const rows: string[][] = [];
  for (const [name, result] of results) {
    const ms = (value: number) => String(roundTo(value, 1));
    rows.push([name, 'admin counts per kind and status', ms(result.withIndexes.counts), ms(result.baseline.counts), String(roundTo(result.baseline.counts / result.withIndexes.counts, 2))]);
    rows.push([
      name,
      `claim next due (first: ${result.withIndexes.claimedKind}; baseline first: ${result.baseline.claimedKind})`,
      ms(result.withIndexes.claim),
      ms(result.baseline.claim),
      String(roundTo(result.baseline.claim / result.withIndexes.claim, 2)),
    ]);
    rows.push([name, `purge ${result.purge.deleted} finished jobs past retention`, ms(result.purge.ms), ms(result.purgeBaseline.ms), String(roundTo(result.purgeBaseline.ms / result.purge.ms, 2))]);
  }
  console.log(`\njob table with ${FINISHED} finished and ${QUEUED} queued jobs; median of ${ROUNDS} (${JSON.stringify(hostInfo())}; PostgreSQL: ${postgresNote})`);
  printTable(['database', 'operation', 'ms with indexes', 'ms baseline', 'baseline/with'], rows, 2);
});
