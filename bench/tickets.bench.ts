/**
 * `npm run bench:tickets` – the Kaz queue when it has grown: BENCH_TICKETS tickets
 * (default 50,000; a fifth of them solved or closed) of 20 solutions and every
 * Brandenburg authority of the fixture directory. Measures, on PGlite and PostgreSQL, the
 * statements the routes run (the service functions themselves):
 *   - the queue's first page (GET /tickets: open first, by next due time, priority),
 *   - the queue filtered as a dashboard would (sla=ueberschritten,bald-faellig in one Landkreis),
 *   - a ministry's queue (its own solutions only),
 *   - the counts per SLA state and status (GET /tickets/counts),
 * each with the queue's urgency index (migration 0012) and, as the baseline in the same
 * run on the same data, without it (the queue as migration 0010 left it: a sort of every
 * ticket). Prints the median of BENCH_TICKETS_ROUNDS runs and the ratio
 * baseline/with.
 */
import { readFile } from 'node:fs/promises';
import { sql, type Kysely } from 'kysely';
import { openDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import type { Database } from '../src/db/schema.ts';
import { importDirectory } from '../src/directory/directory.import.ts';
import { FIXTURE_DIRECTORY } from '../src/runtime.ts';
import type { Principal } from '../src/auth/api-token.service.ts';
import { countTickets, listTickets } from '../src/tickets/ticket.service.ts';
import { hostInfo, intEnv, medianMs, onBothDatabases, printTable, progress, roundTo, runBench } from './bench.support.ts';

const TICKETS = intEnv('BENCH_TICKETS', 50_000, 100);
const ROUNDS = intEnv('BENCH_TICKETS_ROUNDS', 5, 1);
const SOLUTIONS = 20;
const KAZ: Principal = { tokenId: 'bench', role: 'kaz', ministry: null, label: 'bench' };
const MINISTRY: Principal = { tokenId: 'bench', role: 'ministry', ministry: 'MSGIV', label: 'bench' };
const URGENCY_INDEX = 'ticket_urgency_idx';

async function fill(db: Kysely<Database>): Promise<{ kreis: string }> {
  progress('filling: fixture directory');
  await importDirectory(db, { content: await readFile(FIXTURE_DIRECTORY), sourceName: 'bench' });
  progress(`filling: ${SOLUTIONS} solutions with every authority as participant`);
  await sql`
    insert into solution (id, title, ozg_id, leika_keys, lead_ministry, responsibility, stage, state_value, snapshot, machine_version, created_by)
    select gen_random_uuid(), 'Lösung ' || i, 'OZG-' || i, '[]'::jsonb, case when i % 2 = 0 then 'MSGIV' else 'MIK' end,
           '{"level":"gemeinde"}'::jsonb, 'rollout', '"rollout"'::jsonb, '{}'::jsonb, 1, 'bench'
    from generate_series(1, ${SOLUTIONS}) as i`.execute(db);
  await sql`
    insert into participant (solution_id, ars, stage, snapshot, machine_version)
    select s.id, a.ars, 'eingeladen', '{}'::jsonb, 1 from solution s cross join authority a where a.active`.execute(db);
  progress(`filling: ${TICKETS} tickets`);
  // Spread over participants, stages, priorities and due times around now (some overdue).
  await sql`
    with p as (select solution_id, ars, row_number() over (order by solution_id, ars) as n, count(*) over () as total from participant)
    insert into ticket (id, solution_id, ars, category, priority, title, description, source, opened_by, stage, snapshot, machine_version,
                        first_response_due, first_response_warn, resolution_due, resolution_warn, first_responded_at, created_at, updated_at)
    select gen_random_uuid(), p.solution_id, p.ars,
           (array['fachverfahren-anbindung','transport','epayment','bundid','bus-bb-pvog','datenschutz-avv','sonstiges'])[1 + i % 7],
           (array['kritisch','hoch','normal','niedrig'])[1 + i % 4],
           'Ticket ' || i, 'Beschreibung', 'kaz', 'bench',
           (array['neu','in-bearbeitung','wartet-auf-kommune','in-bearbeitung','geloest','neu','in-bearbeitung','geschlossen','in-bearbeitung','neu'])[1 + i % 10],
           '{}'::jsonb, 1,
           now() + ((i % 97) - 20) * interval '1 hour', now() + ((i % 97) - 25) * interval '1 hour',
           now() + ((i % 193) - 40) * interval '1 hour', now() + ((i % 193) - 50) * interval '1 hour',
           case when i % 3 = 0 then now() - interval '1 hour' end,
           now() - (i % 30) * interval '1 day', now()
    from generate_series(1, ${TICKETS}) as i join p on p.n = 1 + (i * 7919) % p.total`.execute(db);
  // settles the new rows (hint bits, visibility map), so the first measured run does not pay for it
  await sql`vacuum analyze`.execute(db);
  const kreis = await db.selectFrom('authority').select('kreis_ars').where('kreis_ars', 'is not', null).groupBy('kreis_ars').orderBy('kreis_ars').executeTakeFirstOrThrow();
  return { kreis: kreis.kreis_ars! };
}

const median = (run: () => Promise<void>) => medianMs(ROUNDS, run);

interface Timings {
  queue: number;
  dashboard: number;
  ministry: number;
  counts: number;
  /** What the first page showed: the same in both runs, or the baseline measured something else. */
  firstNumbers: string;
}

async function measure(db: Kysely<Database>, kreis: string): Promise<Timings> {
  const page = { limit: 50, offset: 0 };
  const now = new Date();
  let firstNumbers = '';
  const queue = await median(async () => {
    const result = await listTickets(db, KAZ, now, {}, page);
    firstNumbers = result.items.slice(0, 5).map((item) => item.number).join(',');
  });
  const dashboard = await median(async () => {
    await listTickets(db, KAZ, now, { sla: ['ueberschritten', 'bald-faellig'], kreisArs: kreis }, page);
  });
  const ministry = await median(async () => {
    await listTickets(db, MINISTRY, now, {}, page);
  });
  const counts = await median(async () => {
    await countTickets(db, KAZ, now, {});
  });
  return { queue, dashboard, ministry, counts, firstNumbers };
}

async function benchDatabase(env: Record<string, string>) {
  const handle = env.DATABASE_URL
    ? await openDatabase({ kind: 'postgres', url: env.DATABASE_URL, poolSize: 2 })
    : await openDatabase({ kind: 'pglite', dataDir: env.DATA_DIR! });
  try {
    await migrateToLatest(handle.db);
    const { kreis } = await fill(handle.db);
    progress('measuring with the urgency index of migration 0012');
    const withIndexes = await measure(handle.db, kreis);
    progress('measuring the baseline: without it');
    await sql.raw(`drop index ${URGENCY_INDEX}`).execute(handle.db);
    const baseline = await measure(handle.db, kreis);
    return { withIndexes, baseline };
  } finally {
    await handle.close();
  }
}

await runBench('bench:tickets', async () => {
  const { results, postgresNote } = await onBothDatabases('efa-bench-tickets', benchDatabase);
  const rows: string[][] = [];
  for (const [name, result] of results) {
    const ms = (value: number) => String(roundTo(value, 1));
    const row = (label: string, key: 'queue' | 'dashboard' | 'ministry' | 'counts') =>
      rows.push([name, label, ms(result.withIndexes[key]), ms(result.baseline[key]), String(roundTo(result.baseline[key] / result.withIndexes[key], 2))]);
    row('queue, first page of 50 (Kaz)', 'queue');
    row('queue filtered: überschritten/bald fällig in one Landkreis', 'dashboard');
    row('queue of one ministry', 'ministry');
    row('counts per SLA state and status', 'counts');
    if (result.withIndexes.firstNumbers !== result.baseline.firstNumbers) throw new Error(`${name}: the two runs' first pages differ`);
  }
  console.log(`\nKaz queue with ${TICKETS} tickets; median of ${ROUNDS} (${JSON.stringify(hostInfo())}; PostgreSQL: ${postgresNote})`);
  printTable(['database', 'operation', 'ms with index', 'ms baseline', 'baseline/with'], rows, 2);
});
