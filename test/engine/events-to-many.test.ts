import t from 'tap';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { databaseKinds } from '../helpers/databases.ts';
import { bearer, buildTestApp, type TestApp } from '../helpers/app.ts';
import { createSolution } from '../helpers/rollout.ts';
import { sendParticipantEvent, sendParticipantEventToMany } from '../../src/solutions/participant.target.ts';
import type { EventResult } from '../../src/engine/workflow.engine.ts';

/**
 * sendEventToMany against sendEvent one by one: the same results, participant rows,
 * history and jobs (modulo ids, times and the solution's id in the keys) for a mix of
 * participants – applied, already applied under the same key, refused in their stage,
 * not a participant – across chunk boundaries; and no lost update beside a single event.
 */

const SYSTEM = { actor: 'system:test', origin: 'system' as const };
const UNKNOWN_ARS = '129999999999';

async function startedSolution(env: TestApp, token: string): Promise<{ id: string; arsList: string[] }> {
  const id = await createSolution(env, token);
  const started = await env.app.inject({ method: 'POST', url: `/api/v1/solutions/${id}/events`, headers: bearer(token), payload: { type: 'ERSTINFORMATION_STARTEN' } });
  if (started.statusCode !== 200) throw new Error(started.body);
  const rows = await env.handle.db.selectFrom('participant').select('ars').where('solution_id', '=', id).orderBy('ars').execute();
  return { id, arsList: rows.map((row) => row.ars) };
}

/** The earlier history of the mix: three informed under the batch's own key, three under another. */
async function prepareMix(env: TestApp, solutionId: string, arsList: string[]) {
  for (const [index, ars] of arsList.slice(0, 6).entries()) {
    const key = index < 3 ? `${solutionId}:${ars}` : `early:${solutionId}:${ars}`;
    const result = await sendParticipantEvent(env.engine, { solutionId, ars, event: { type: 'INFORMIEREN' }, ...SYSTEM }, { idempotencyKey: key });
    if (result.kind !== 'applied') throw new Error(`prepare ${ars}: ${result.kind}`);
  }
}

const withoutIds = (result: EventResult) => {
  const { historyId: _historyId, ...rest } = result as EventResult & { historyId?: number };
  return rest;
};

async function stateOf(env: TestApp, solutionId: string) {
  const db = env.handle.db;
  const participants = await db.selectFrom('participant').select(['ars', 'stage', 'revision', 'snapshot']).where('solution_id', '=', solutionId).orderBy('ars').execute();
  const history = await db
    .selectFrom('history')
    .select(['participant_ars', 'event_type', 'event', 'from_stage', 'to_stage', 'actor', 'machine_version', 'idempotency_key'])
    .where('solution_id', '=', solutionId)
    .where('participant_ars', 'is not', null)
    .orderBy('participant_ars')
    .orderBy('id')
    .execute();
  const jobs = await db.selectFrom('job').select(['kind', 'ars', 'idempotency_key', 'status']).where('solution_id', '=', solutionId).orderBy('ars').orderBy('kind').orderBy('id').execute();
  const neutral = (text: string | null) => text?.replaceAll(solutionId, '<solution>') ?? null;
  return {
    participants,
    history: history.map((row) => ({ ...row, event: { ...(row.event as Record<string, unknown>), at: '<at>' }, idempotency_key: neutral(row.idempotency_key) })),
    jobs: jobs.map((row) => ({ ...row, idempotency_key: neutral(row.idempotency_key) })),
  };
}

for (const kind of databaseKinds()) {
  t.test(`${kind}: one event to many participants: the same as one by one, a few statements per chunk`, async (t) => {
    const env = await buildTestApp(t, kind);
    const token = await env.ministryToken('MSGIV');
    const single = await startedSolution(env, token);
    const batched = await startedSolution(env, token);
    await prepareMix(env, single.id, single.arsList);
    await prepareMix(env, batched.id, batched.arsList);
    const targets = (arsList: string[]) => [...arsList.slice(3), UNKNOWN_ARS, ...arsList.slice(0, 3)];

    const oneByOne: EventResult[] = [];
    for (const ars of targets(single.arsList)) {
      oneByOne.push(await sendParticipantEvent(env.engine, { solutionId: single.id, ars, event: { type: 'INFORMIEREN' }, ...SYSTEM }, { idempotencyKey: `${single.id}:${ars}` }));
    }

    let statements = 0;
    const counter: KyselyPlugin = {
      transformQuery: (args: PluginTransformQueryArgs): RootOperationNode => args.node,
      transformResult: async (args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> => {
        statements++;
        return args.result;
      },
    };
    const many = await sendParticipantEventToMany(
      { ...env.engine, db: env.handle.db.withPlugin(counter) },
      { participants: targets(batched.arsList).map((ars) => ({ solutionId: batched.id, ars })), event: { type: 'INFORMIEREN' }, ...SYSTEM },
      { idempotencyKeyOf: ({ solutionId, ars }) => `${solutionId}:${ars}`, chunkSize: 7 },
    );
    t.same(
      many.map((result) => result.kind),
      oneByOne.map((result) => result.kind),
      'the same outcome for each participant',
    );
    t.same(
      many.map(withoutIds).map((result) => JSON.stringify(result).replaceAll(batched.id, '<solution>')),
      oneByOne.map(withoutIds).map((result) => JSON.stringify(result).replaceAll(single.id, '<solution>')),
      'the same results (stages, revisions, allowed and blocked events, reasons)',
    );
    t.same(
      many.reduce<Record<string, number>>((counts, result) => ({ ...counts, [result.kind]: (counts[result.kind] ?? 0) + 1 }), {}),
      { applied: 12, refused: 3, 'not-found': 1, 'already-applied': 3 },
      'the mix: applied, refused in its stage, not a participant, already applied under its key',
    );
    t.same(await stateOf(env, batched.id), await stateOf(env, single.id), 'the same participant rows, history and jobs');
    const historyRows = await env.handle.db.selectFrom('history').select(['id', 'participant_ars']).where('solution_id', '=', batched.id).execute();
    const arsOfHistory = new Map(historyRows.map((row) => [row.id, row.participant_ars]));
    const batchedTargets = targets(batched.arsList);
    t.ok(
      many.every((result, index) => result.kind !== 'applied' || arsOfHistory.get(result.historyId) === batchedTargets[index]),
      'each applied result names its own history row',
    );
    // 19 participants in chunks of 7: per chunk one lock, one key look-up, one save of snapshots and history;
    // the missing participant's fallback look-up once; a refusal's choice may ask preconditions.
    t.ok(statements <= 3 * 3 + 1 + 3, `few statements for 19 participants in 3 chunks: ${statements}`);
    t.comment(`${kind}: INFORMIEREN an 19 (7 je Teil): ${statements} SQL-Anweisungen (+ 3 BEGIN/COMMIT)`);
  });

  t.test(`${kind}: a batch beside a single event on one of its participants loses no update`, async (t) => {
    const env = await buildTestApp(t, kind);
    const token = await env.ministryToken('MSGIV');
    const { id, arsList } = await startedSolution(env, token);
    const contested = arsList[5]!;
    const [many, one] = await Promise.all([
      sendParticipantEventToMany(env.engine, { participants: arsList.map((ars) => ({ solutionId: id, ars })), event: { type: 'INFORMIEREN' }, ...SYSTEM }, { chunkSize: 4 }),
      sendParticipantEvent(env.engine, { solutionId: id, ars: contested, event: { type: 'INFORMIEREN' }, ...SYSTEM }),
    ]);
    const contestedResult = many[arsList.indexOf(contested)]!;
    t.same([contestedResult.kind, one.kind].sort(), ['applied', 'refused'], 'one of the two applies, the other sees the new state');
    t.equal(many.filter((result) => result.kind === 'applied').length, arsList.length - (one.kind === 'applied' ? 1 : 0));
    const rows = await env.handle.db.selectFrom('participant').select(['stage', 'revision']).where('solution_id', '=', id).execute();
    t.ok(rows.every((row) => row.stage === 'informiert' && row.revision === 1), 'every participant informed once, revision 1');
    const history = await env.handle.db.selectFrom('history').select('participant_ars').where('solution_id', '=', id).where('event_type', '=', 'INFORMIEREN').execute();
    t.equal(history.length, arsList.length, 'one history row per participant');
    t.equal(new Set(history.map((row) => row.participant_ars)).size, arsList.length);
  });

  t.test(`${kind}: a participant event: one statement locks and reads, one saves snapshot and history`, async (t) => {
    const env = await buildTestApp(t, kind);
    const token = await env.ministryToken('MSGIV');
    const { id, arsList } = await startedSolution(env, token);
    const ars = arsList[0]!;
    await sendParticipantEvent(env.engine, { solutionId: id, ars, event: { type: 'INFORMIEREN' }, ...SYSTEM });
    const executed: string[] = [];
    const built = new WeakMap<object, string>();
    const log: KyselyPlugin = {
      transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
        built.set(args.queryId, args.node.kind);
        return args.node;
      },
      async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
        executed.push(built.get(args.queryId) ?? '?');
        return args.result;
      },
    };
    const counted = await sendParticipantEvent({ ...env.engine, db: env.handle.db.withPlugin(log) }, { solutionId: id, ars, event: { type: 'INTERESSE_BEKUNDEN' }, actor: 'test', origin: 'client' });
    t.equal(counted.kind, 'applied');
    // Before issue 18: lock solution, lock participant, update, insert history (+ BEGIN/COMMIT).
    t.same(executed, ['SelectQueryNode', 'InsertQueryNode'], 'one statement locks and reads, one saves snapshot and history');
    t.comment(`${kind}: INTERESSE_BEKUNDEN: ${executed.length} SQL-Anweisungen (+ BEGIN/COMMIT) im Engine-Teil`);
    const row = await env.handle.db.selectFrom('participant').select(['stage', 'revision']).where('solution_id', '=', id).where('ars', '=', ars).executeTakeFirstOrThrow();
    t.same(row, { stage: 'interessiert', revision: 2 }, 'the save ran inside the history statement');
  });
}
