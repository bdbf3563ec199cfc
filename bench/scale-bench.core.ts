/**
 * What `npm run bench:scale` does, and what test/scale/scale-reduced.test.ts runs at a
 * small size: import the German directory (Destatis extract, ../shared/data), make three
 * template solutions through the service's own API (Brandenburg, Gemeinde level: one in
 * Erstinformation, one in the pilot phase, one in rollout with waves, live authorities
 * and tickets – bench/ui-bench.fill.ts, as a ministry would over weeks), then seed
 * `solutions` solutions with Gemeinde-level Zuständigkeit for the chosen Länder set-based:
 * each a copy of a template's solution row, each participant a copy of one of the
 * template's participant rows – stage, snapshot, machine version, revision as the service
 * wrote them – with its own ARS (`jsonb_set` of `context.ars`, the only field of a
 * participant snapshot that names the authority). History, wave members, pilots and mails
 * of the copies are not seeded: none of the measured reads uses them, except the coverage's
 * answer deadlines (from the history's EINLADEN, so no copy is "overdue").
 *
 * Then every measured read through the real HTTP API beside the simplest indexed SQL query
 * returning the same rows (the baseline), p50/p95/p99 of each; every pair is checked to
 * return the same rows, and a sample of seeded participants is read back through the
 * service (their events are offered as for any participant).
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../src/db/schema.ts';
import type { Runtime } from '../src/runtime.ts';
import { importDirectory } from '../src/directory/directory.import.ts';
import { ADDRESSEE_KINDS, normalizeResponsibility, resolveParticipants } from '../src/solutions/responsibility.resolve.ts';
import { fillSolutions, type PlannedSolution } from './ui-bench.fill.ts';
import { jobQueueIdle, progress, waitFor, type AdminApi } from './bench.support.ts';

export const DESTATIS_FILE = fileURLToPath(new URL('../../shared/data/destatis-gv-auszug.csv', import.meta.url));
const ALL_LAENDER = ['01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12', '13', '14', '15', '16'];

export interface ScaleSettings {
  solutions: number;
  /** 2-digit keys; must include 12 (the templates are Brandenburg's). */
  laender: string[] | 'all';
  /** Measured runs per read (after one warm-up). */
  rounds: number;
  /** Bulk actions measured (each on another solution). */
  bulkRounds: number;
  /** Participants per bulk action. */
  bulkSize: number;
}

export interface Measured {
  name: string;
  service: number[];
  baseline: number[];
  /** Rows compared between service and baseline. */
  rows: number;
}

export interface ScaleResult {
  importMs: number;
  templatesMs: number;
  seedMs: number;
  solutions: number;
  participants: number;
  addressees: number;
  measured: Measured[];
  sampleChecked: number;
}

const TEMPLATE_PLAN: PlannedSolution[] = [
  { stage: 'erstinformation', level: 'gemeinde', tickets: 0 },
  { stage: 'pilotphase', level: 'gemeinde', tickets: 0 },
  { stage: 'rollout', level: 'gemeinde', tickets: 12 },
];

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function time<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const start = performance.now();
  const value = await fn();
  return [performance.now() - start, value];
}

function sameOrThrow(what: string, service: unknown, baseline: unknown): void {
  const a = JSON.stringify(service);
  const b = JSON.stringify(baseline);
  if (a !== b) throw new Error(`${what}: the service and the baseline differ:\n service  ${a.slice(0, 400)}\n baseline ${b.slice(0, 400)}`);
}

/** Imports the Länder (each as its own import, so that another Land's authorities stay untouched) and gives every authority a synthetic address. */
async function importLaender(db: Kysely<Database>, laender: string[] | 'all'): Promise<void> {
  const content = readFileSync(DESTATIS_FILE);
  if (laender === 'all') {
    await importDirectory(db, { content, sourceName: 'destatis-gv-auszug.csv', allowDeactivation: true });
  } else {
    for (const land of laender) await importDirectory(db, { content, sourceName: 'destatis-gv-auszug.csv', land, allowDeactivation: true });
  }
  await sql`update authority set email = 'poststelle.' || ars || '@kommunen.example' where email is null`.execute(db);
}

/** Drives a few Brandenburg participants of the rollout template to live, as the Landesredaktion would (one held up by a blocking ticket stays where it is). */
async function driveToLive(api: AdminApi, solutionId: string, count: number): Promise<number> {
  const linked = (await api.expect(200, 'GET', `/api/v1/solutions/${solutionId}/participants?stage=bus-bb-verknuepft&limit=${count}`)).items as { ars: string }[];
  let live = 0;
  for (const { ars } of linked) {
    const path = `/api/v1/solutions/${solutionId}/participants/${ars}/events`;
    for (const schritt of ['online-dienst-angelegt', 'zustaendigkeit-zugeordnet', 'lsp-sichtbar']) await api.expect(200, 'POST', path, { type: 'BUS_BB_SCHRITT_BESTAETIGEN', schritt });
    const confirmed = await api.request('POST', path, { type: 'LIVE_BESTAETIGEN' });
    if (confirmed.status === 200) live++;
    else if (confirmed.status !== 409) throw new Error(`LIVE_BESTAETIGEN ${ars}: ${confirmed.status} ${confirmed.text.slice(0, 300)}`);
  }
  return live;
}

export async function runScale(runtime: Runtime, api: AdminApi, settings: ScaleSettings): Promise<ScaleResult> {
  const db = runtime.handle.db;
  const laender = settings.laender === 'all' ? ALL_LAENDER : [...settings.laender].sort();
  if (!laender.includes('12')) throw new Error('BENCH_SCALE_LAENDER must include 12: the template solutions are Brandenburg’s');

  progress(`import: Destatis extract, Länder ${settings.laender === 'all' ? 'all' : laender.join(',')}`);
  const [importMs] = await time(() => importLaender(db, settings.laender));

  progress('templates: three Brandenburg solutions through the API (Erstinformation, pilot phase, rollout)');
  const [templatesMs, templates] = await time(async () => {
    const filled = await fillSolutions(runtime, api, 'MSGIV', TEMPLATE_PLAN);
    await driveToLive(api, filled[2]!.id, 15);
    await waitFor('template jobs', 600_000, 100, () => jobQueueIdle(runtime));
    return filled;
  });

  const responsibility = normalizeResponsibility(settings.laender === 'all' ? { level: 'gemeinde', land: 'alle' } : { level: 'gemeinde', laender });
  const addressees = (await resolveParticipants(db, responsibility, [])).length;
  progress(`seeding: ${settings.solutions} solutions × ${addressees} participants, set-based`);
  const [seedMs] = await time(async () => {
    await sql`create temporary table if not exists scale_template (slot int primary key, template_id uuid not null)`.execute(db);
    for (let index = 0; index < settings.solutions; index++) {
      const template = templates[index % templates.length]!;
      // the solution: the template's row as the service wrote it, with its own id, title and rule
      const created = await sql<{ id: string }>`
        insert into solution (id, title, ozg_id, leika_keys, lead_ministry, description, responsibility, stage, state_value, snapshot,
                              machine_version, revision, created_by, mail_details)
        select gen_random_uuid(), 'Skala ' || ${index + 1}::text || ': ' || s.stage, (20000 + ${index}::int)::text, s.leika_keys,
               case when ${index}::int % 3 = 0 then 'MIK' else 'MSGIV' end, s.description, ${JSON.stringify(responsibility)}::jsonb,
               s.stage, s.state_value, s.snapshot, s.machine_version, s.revision, s.created_by, s.mail_details
        from solution s where s.id = ${template.id}::uuid
        returning id`.execute(db);
      const id = created.rows[0]!.id;
      // every addressee of the Länder takes the row of one of the template's participants (by a hash of its ARS)
      await sql`
        with t as (select row_number() over (order by ars) - 1 as slot, count(*) over () as n, stage, snapshot, machine_version, revision, updated_at
                   from participant where solution_id = ${template.id}::uuid),
             a as (select ars from authority where active and kind = any(${ADDRESSEE_KINDS.gemeinde}::text[])
                   and ${sql.raw(responsibility.land === 'alle' ? 'true' : 'land = any(')}${responsibility.land === 'alle' ? sql`` : sql`${responsibility.laender ?? [responsibility.land!]}::text[])`})
        insert into participant (solution_id, ars, stage, snapshot, machine_version, revision, updated_at)
        select ${id}::uuid, a.ars, t.stage, jsonb_set(t.snapshot, '{context,ars}', to_jsonb(a.ars::text)), t.machine_version, t.revision, t.updated_at
        from a join t on t.slot = mod(abs(hashtext(a.ars || ${String(index)})), t.n)`.execute(db);
      if ((index + 1) % 50 === 0) progress(`seeding: ${index + 1}/${settings.solutions}`);
    }
    await sql`analyze`.execute(db);
  });
  const participants = Number((await sql<{ n: string }>`select count(*) as n from participant`.execute(db)).rows[0]!.n);
  const seeded = (await db.selectFrom('solution').select(['id', 'stage']).where('title', 'like', 'Skala %').orderBy('ozg_id').execute());

  // the service reads the seeded rows as its own: a sample through the API
  let sampleChecked = 0;
  for (const solution of seeded.filter((_, i) => i % Math.max(1, Math.floor(seeded.length / 5)) === 0)) {
    const view = await api.expect(200, 'GET', `/api/v1/solutions/${solution.id}`);
    const total = Object.values(view.participantsByStage as Record<string, number>).reduce((a, b) => a + b, 0);
    if (total !== addressees) throw new Error(`seeded solution ${solution.id}: ${total} participants, resolveParticipants gives ${addressees}`);
    if ('authorities' in view.responsibility) throw new Error('a seeded solution stores the expanded list');
    const sample = await db.selectFrom('participant').select(['ars', 'stage']).where('solution_id', '=', solution.id).orderBy(sql`md5(ars)`).limit(5).execute();
    for (const row of sample) {
      const detail = await api.expect(200, 'GET', `/api/v1/solutions/${solution.id}/participants/${row.ars}`);
      if (detail.ars !== row.ars || detail.context.ars !== row.ars || detail.stage !== row.stage || !Array.isArray(detail.allowedEvents)) {
        throw new Error(`seeded participant ${row.ars} of ${solution.id} read back wrongly: ${JSON.stringify(detail).slice(0, 300)}`);
      }
      sampleChecked++;
    }
  }

  // the measured solution: a seeded copy of the rollout template (live ones, tickets beside it)
  const measuredSolution = seeded.find((s) => s.stage === 'rollout') ?? seeded[0]!;
  const id = measuredSolution.id;
  const ticketTargets = await db.selectFrom('participant').select('ars').where('solution_id', '=', id).orderBy(sql`md5(ars)`).limit(40).execute();
  for (const [i, { ars }] of ticketTargets.entries()) {
    await api.expect(201, 'POST', '/api/v1/tickets', {
      solutionId: id,
      ars,
      category: (['transport', 'epayment', 'bundid', 'fachverfahren-anbindung'] as const)[i % 4],
      priority: (['kritisch', 'hoch', 'normal', 'niedrig'] as const)[i % 4],
      blocking: i % 3 === 0,
      title: `Anbindungsproblem ${i + 1}`,
      description: 'Die Verbindung zum Fachverfahren bricht beim Abschicken ab.',
    });
  }
  await waitFor('ticket jobs', 600_000, 100, () => jobQueueIdle(runtime));
  await sql`analyze`.execute(db);

  const measured: Measured[] = [];
  async function measure(name: string, service: () => Promise<unknown>, baseline: () => Promise<unknown>, rounds = settings.rounds) {
    const serviceRows = await service();
    const baselineRows = await baseline();
    sameOrThrow(name, serviceRows, baselineRows);
    const entry: Measured = { name, service: [], baseline: [], rows: Array.isArray(serviceRows) ? serviceRows.length : 1 };
    for (let round = 0; round < rounds; round++) {
      entry.service.push((await time(service))[0]);
      entry.baseline.push((await time(baseline))[0]);
    }
    measured.push(entry);
    progress(`${name}: p95 ${percentile(entry.service, 95).toFixed(1)} ms vs baseline ${percentile(entry.baseline, 95).toFixed(1)} ms`);
  }

  const byStage = (rows: { stage: string; n: number }[]) => Object.fromEntries(rows.map((r) => [r.stage, Number(r.n)]).sort(([a], [b]) => String(a).localeCompare(String(b))));
  await measure(
    'progress summary (GET /solutions/:id)',
    async () => byStage(Object.entries((await api.expect(200, 'GET', `/api/v1/solutions/${id}`)).participantsByStage as Record<string, number>).map(([stage, n]) => ({ stage, n }))),
    async () => byStage((await sql<{ stage: string; n: number }>`select stage, count(*)::int as n from participant where solution_id = ${id}::uuid group by stage`.execute(db)).rows),
  );

  await measure(
    'coverage per Kreis (GET /solutions/:id/coverage)',
    async () => {
      const coverage = await api.expect(200, 'GET', `/api/v1/solutions/${id}/coverage`);
      return (coverage.kreise as { kreisArs: string | null; responsible: number }[]).filter((k) => k.responsible > 0).map((k) => [k.kreisArs, k.responsible]).sort();
    },
    async () =>
      (
        await sql<{ kreis_ars: string; n: number }>`
          select a.kreis_ars, count(*)::int as n from participant p join authority a on a.ars = p.ars
          where p.solution_id = ${id}::uuid and p.stage not in ('nicht-zustaendig', 'ausgeschlossen') group by a.kreis_ars`.execute(db)
      ).rows
        .map((r) => [r.kreis_ars, r.n])
        .sort(),
  );

  const listBaseline = (after: { name: string; ars: string } | null) => async () =>
    (
      await sql<{ ars: string }>`
        select p.ars from participant p join authority a on a.ars = p.ars
        where p.solution_id = ${id}::uuid and p.stage in ('eingeladen', 'informiert', 'interessiert')
        ${after ? sql`and (a.name, a.ars) > (${after.name}, ${after.ars})` : sql``}
        order by a.name, a.ars limit 50`.execute(db)
    ).rows.map((r) => r.ars.trim());
  const listPath = `/api/v1/solutions/${id}/participants?stage=eingeladen,informiert,interessiert&limit=50`;
  const firstPage = await api.expect(200, 'GET', listPath);
  await measure('participant list, filtered, first page (with total)', async () => ((await api.expect(200, 'GET', listPath)).items as { ars: string }[]).map((p) => p.ars), listBaseline(null));
  if (firstPage.nextCursor) {
    const last = firstPage.items[firstPage.items.length - 1] as { ars: string; name: string };
    await measure(
      'participant list, filtered, next page (after)',
      async () => ((await api.expect(200, 'GET', `${listPath}&after=${firstPage.nextCursor}`)).items as { ars: string }[]).map((p) => p.ars),
      listBaseline(last),
    );
  }

  await measure(
    'statewide overview (GET /overview)',
    async () => ((await api.expect(200, 'GET', '/api/v1/overview')).solutions as { id: string }[]).map((s) => s.id).sort(),
    async () => (await sql<{ id: string }>`select s.id, count(p.ars) from solution s left join participant p on p.solution_id = s.id group by s.id`.execute(db)).rows.map((r) => r.id).sort(),
    Math.max(3, Math.ceil(settings.rounds / 5)),
  );

  await measure(
    'Kaz queue (GET /tickets)',
    async () => ((await api.expect(200, 'GET', '/api/v1/tickets?limit=50')).items as { id: string }[]).map((t) => t.id),
    async () =>
      (
        await sql<{ id: string }>`
          select id from ticket order by (case when stage in ('geloest', 'geschlossen') then 1 else 0 end),
            (case when first_responded_at is null then first_response_due else resolution_due end),
            (case priority when 'kritisch' then 0 when 'hoch' then 1 when 'normal' then 2 else 3 end), number
          limit 50`.execute(db)
      ).rows.map((r) => r.id),
  );

  // a bulk action on bulkSize informed participants, each round on another Erstinformation copy; the baseline updates as many rows in one statement
  const bulk: Measured = { name: `bulk action on ${settings.bulkSize} participants (POST …/participants/events)`, service: [], baseline: [], rows: 0 };
  const erstinfo = seeded.filter((s) => s.stage === 'erstinformation');
  for (let round = 0; round < Math.min(settings.bulkRounds, erstinfo.length); round++) {
    const target = erstinfo[round]!.id;
    const informed = await db.selectFrom('participant').select('ars').where('solution_id', '=', target).where('stage', '=', 'informiert').orderBy('ars').limit(settings.bulkSize * 2).execute();
    const forService = informed.slice(0, Math.floor(informed.length / 2)).map((r) => r.ars);
    const forBaseline = informed.slice(Math.floor(informed.length / 2)).map((r) => r.ars);
    const [serviceMs, result] = await time(() =>
      api.expect(200, 'POST', `/api/v1/solutions/${target}/participants/events`, { event: { type: 'INTERESSE_BEKUNDEN' }, authorities: forService }),
    );
    const applied = (result.results as { outcome: string }[] | undefined)?.filter((r) => r.outcome === 'applied').length ?? result.applied;
    const [baselineMs] = await time(() =>
      sql`update participant set stage = 'interessiert', snapshot = jsonb_set(snapshot, '{value}', '"interessiert"'), revision = revision + 1, updated_at = now()
          where solution_id = ${target}::uuid and ars = any(${forBaseline}::text[])`.execute(db),
    );
    const now = await db.selectFrom('participant').select(sql<number>`count(*)::int`.as('n')).where('solution_id', '=', target).where('ars', 'in', forService).where('stage', '=', 'interessiert').executeTakeFirstOrThrow();
    if (now.n !== forService.length) throw new Error(`bulk action: ${now.n} of ${forService.length} participants interessiert afterwards (applied: ${String(applied)})`);
    bulk.service.push(serviceMs);
    bulk.baseline.push(baselineMs);
    bulk.rows = forService.length;
  }
  if (bulk.service.length) measured.push(bulk);

  return { importMs, templatesMs, seedMs, solutions: seeded.length, participants, addressees, measured, sampleChecked };
}
