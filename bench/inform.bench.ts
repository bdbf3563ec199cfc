/**
 * `npm run bench:inform` – one event to many participants: informing every participant of
 * Gemeinde-level solutions (Brandenburg: 195 each) one by one (sendParticipantEvent, one
 * transaction each, as the effects did before issue 18) beside sendParticipantEventToMany
 * (chunks of 500), on the real runtime, PGlite and PostgreSQL. Both with the same keys; both
 * must end with every participant `informiert`, revision 1 and one history row, else the
 * benchmark fails. BENCH_INFORM_SOLUTIONS (1) solutions per side: 21 give 4,095 participants.
 */
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import type { Runtime } from '../src/runtime.ts';
import { sendParticipantEvent, sendParticipantEventToMany, type ParticipantRef } from '../src/solutions/participant.target.ts';
import { benchOnPglite, benchOnPostgres, hostInfo, intEnv, printTable, progress, runBench, startBenchService, type AdminApi } from './bench.support.ts';

const SOLUTIONS = intEnv('BENCH_INFORM_SOLUTIONS', 1, 1);
const SYSTEM = { actor: 'system:bench', origin: 'system' as const };

async function solutionsWithParticipants(client: AdminApi, runtime: Runtime, title: string): Promise<ParticipantRef[]> {
  const refs: ParticipantRef[] = [];
  for (let i = 0; i < SOLUTIONS; i++) {
    const solution = await client.expect(201, 'POST', '/api/v1/solutions', {
      title: `${title} ${i + 1}`,
      ozgId: '99999',
      leikaKeys: ['99000000000000'],
      leadMinistry: 'MIK',
      responsibility: { level: 'gemeinde' },
    });
    await client.expect(200, 'POST', `/api/v1/solutions/${solution.id}/events`, { type: 'ERSTINFORMATION_STARTEN' });
    const rows = await runtime.handle.db.selectFrom('participant').select('ars').where('solution_id', '=', solution.id).orderBy('ars').execute();
    refs.push(...rows.map((row) => ({ solutionId: solution.id as string, ars: row.ars })));
  }
  return refs;
}

async function verify(runtime: Runtime, refs: ParticipantRef[], label: string) {
  const ids = [...new Set(refs.map((ref) => ref.solutionId))];
  const row = await runtime.handle.db
    .selectFrom('participant')
    .select([
      sql<number>`count(*) filter (where stage = 'informiert' and revision = 1)::int`.as('informed'),
      sql<number>`(select count(*)::int from history h where h.solution_id = any(${ids}::uuid[]) and h.event_type = 'INFORMIEREN')`.as('history'),
    ])
    .where('solution_id', 'in', ids)
    .executeTakeFirstOrThrow();
  if (row.informed !== refs.length || row.history !== refs.length) {
    throw new Error(`${label}: ${row.informed} informiert, ${row.history} history rows for ${refs.length} participants`);
  }
}

async function benchDatabase(label: string, env: Record<string, string>) {
  const service = await startBenchService(label, env);
  try {
    const { runtime, api } = service;
    const single = await solutionsWithParticipants(api, runtime, 'Einzeln');
    const batched = await solutionsWithParticipants(api, runtime, 'Gesammelt');
    progress(`${label}: 2 × ${single.length} participants vorgemerkt`);
    let started = performance.now();
    for (const ref of single) {
      const result = await sendParticipantEvent(runtime.engine, { ...ref, event: { type: 'INFORMIEREN' }, ...SYSTEM }, { idempotencyKey: `bench:${ref.solutionId}:${ref.ars}` });
      if (result.kind !== 'applied') throw new Error(`${label}: one by one ${ref.ars}: ${result.kind}`);
    }
    const oneByOneMs = performance.now() - started;
    await verify(runtime, single, `${label} one by one`);
    started = performance.now();
    const results = await sendParticipantEventToMany(runtime.engine, { participants: batched, event: { type: 'INFORMIEREN' }, ...SYSTEM }, { idempotencyKeyOf: (ref) => `bench:${ref.solutionId}:${ref.ars}` });
    const batchedMs = performance.now() - started;
    if (results.some((result) => result.kind !== 'applied')) throw new Error(`${label}: batched: ${results.find((result) => result.kind !== 'applied')!.kind}`);
    await verify(runtime, batched, `${label} batched`);
    progress(`${label}: one by one ${oneByOneMs.toFixed(0)} ms, batched ${batchedMs.toFixed(0)} ms (verified)`);
    return { database: label, participants: single.length, oneByOneMs, batchedMs };
  } finally {
    await service.close();
  }
}

async function main() {
  const host = hostInfo();
  console.log(`efa-rollout inform benchmark: INFORMIEREN to every participant of ${SOLUTIONS} Gemeinde-level solution(s), one by one vs sendEventToMany`);
  console.log(`node ${host.node} | ${host.cpu} (${host.cores} cores)`);
  const results = [await benchOnPglite('efa-inform', (env) => benchDatabase('pglite', env))];
  const postgres = await benchOnPostgres('efa-inform', (env) => benchDatabase('postgres', env));
  if (postgres.result) results.push(postgres.result);
  console.log(`postgres: ${postgres.note}`);
  printTable(
    ['database', 'participants', 'one by one ms', 'batched ms', 'speed-up'],
    results.map((r) => [r.database, String(r.participants), r.oneByOneMs.toFixed(0), r.batchedMs.toFixed(0), (r.oneByOneMs / r.batchedMs).toFixed(1)]),
    1,
  );
  console.log(JSON.stringify({ ...host, solutions: SOLUTIONS, results }));
}

await runBench('bench', main);
