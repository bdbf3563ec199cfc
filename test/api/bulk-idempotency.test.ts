import t from 'tap';
import { randomUUID } from 'node:crypto';
import type { KyselyPlugin } from 'kysely';
import { databaseKinds } from '../helpers/databases.ts';
import { bearer, buildTestApp, type TestApp } from '../helpers/app.ts';
import { solutionInRollout } from '../helpers/waves.ts';
import { createApiToken } from '../../src/auth/api-token.service.ts';
import { sendBulkParticipantEvent } from '../../src/solutions/bulk-events.service.ts';

// Issue 14, point 7: a bulk action's idempotencyKey belongs to one solution, one caller
// and one request body. Before, `bulk:<key>:<ars>` was looked up anywhere in the history.

async function stageOf(env: TestApp, solutionId: string, ars: string) {
  const row = await env.handle.db.selectFrom('participant').select('stage').where('solution_id', '=', solutionId).where('ars', '=', ars).executeTakeFirstOrThrow();
  return row.stage;
}

async function historyRows(env: TestApp, solutionId: string) {
  return env.handle.db.selectFrom('history').select(['participant_ars', 'event_type']).where('solution_id', '=', solutionId).execute();
}

async function participantsOf(env: TestApp, base: string, token: string): Promise<string[]> {
  const all = (await env.app.inject({ url: `${base}/participants?limit=1000`, headers: bearer(token) })).json();
  return all.items.map((p: { ars: string }) => p.ars);
}

for (const kind of databaseKinds()) {
  t.test(`${kind}: a bulk idempotency key belongs to one solution, one caller and one request`, async (t) => {
    const env = await buildTestApp(t, kind);
    const msgiv = await env.ministryToken('MSGIV');
    const mik = await env.ministryToken('MIK');
    const ours = await solutionInRollout(env, msgiv);
    const theirs = await solutionInRollout(env, mik);
    const bulk = (base: string, token: string, payload: Record<string, unknown>) =>
      env.app.inject({ method: 'POST', url: `${base}/participants/events`, headers: bearer(token), payload });
    const [x, y, z] = await participantsOf(env, ours.base, msgiv);
    const key = randomUUID();
    const exclusion = { type: 'AUSSCHLIESSEN', reason: 'Aufgabe per Vereinbarung übertragen' };

    // In one solution: PILOT_VORSCHLAGEN, then AUSSCHLIESSEN under the same key.
    const proposal = { event: { type: 'PILOT_VORSCHLAGEN', quelle: 'ministerium' }, authorities: [x], idempotencyKey: key };
    const proposed = await bulk(ours.base, msgiv, proposal);
    t.equal(proposed.statusCode, 200, proposed.body);
    t.same(proposed.json().counts.applied, 1, proposed.body);
    t.equal(proposed.json().idempotencyKey, key);
    const stageAfterProposal = await stageOf(env, ours.id, x!);
    t.not(stageAfterProposal, 'informiert', 'the proposal moved the authority');
    const before = (await historyRows(env, ours.id)).length;

    const otherEvent = await bulk(ours.base, msgiv, { event: exclusion, authorities: [x], idempotencyKey: key });
    t.equal(otherEvent.statusCode, 409, 'the same key with another event is refused, not reported as already applied');
    t.match(otherEvent.headers['content-type'], /application\/problem\+json/);
    t.match(otherEvent.json().detail, /idempotencyKey .* anderen Anfrage/);
    t.same(
      otherEvent.json().errors.map((e: { field: string }) => e.field),
      ['/body/idempotencyKey'],
    );
    t.equal(await stageOf(env, ours.id, x!), stageAfterProposal, 'the stage stays');
    t.equal((await historyRows(env, ours.id)).length, before, 'nothing was written');

    const otherAuthorities = await bulk(ours.base, msgiv, { ...proposal, authorities: [y] });
    t.equal(otherAuthorities.statusCode, 409, 'the same key for other authorities is another request');
    t.equal(await stageOf(env, ours.id, y!), 'informiert');

    // Another ministry, another solution, the same key and the same authority: its own request.
    const elsewhere = await bulk(theirs.base, mik, { event: exclusion, authorities: [x], idempotencyKey: key });
    t.equal(elsewhere.statusCode, 200, elsewhere.body);
    t.match(elsewhere.json().results, [{ ars: x, outcome: 'applied', stage: 'ausgeschlossen' }]);
    t.equal(await stageOf(env, theirs.id, x!), 'ausgeschlossen', 'another ministry’s event under a used key happens');
    t.notOk(elsewhere.json().replayed);

    // Another caller on the same solution (the admin), the same key: its own request too.
    const byAdmin = await bulk(ours.base, env.adminToken, { event: exclusion, authorities: [z], idempotencyKey: key });
    t.equal(byAdmin.statusCode, 200, byAdmin.body);
    t.match(byAdmin.json().results, [{ ars: z, outcome: 'applied', stage: 'ausgeschlossen' }]);
    // … and another token of the same ministry is another caller as well.
    const { token: secondMsgiv } = await createApiToken(env.handle.db, { role: 'ministry', ministry: 'MSGIV', label: 'Referat 33' });
    const bySecondToken = await bulk(ours.base, secondMsgiv, { event: exclusion, authorities: [y], idempotencyKey: key });
    t.match(bySecondToken.json().results, [{ ars: y, outcome: 'applied', stage: 'ausgeschlossen' }]);

    // The same key and body from the same caller on the same solution: the first answer again.
    const historyBeforeReplay = (await historyRows(env, ours.id)).length;
    const replay = await bulk(ours.base, msgiv, { idempotencyKey: key, authorities: [x], event: { quelle: 'ministerium', type: 'PILOT_VORSCHLAGEN' } });
    t.equal(replay.statusCode, 200, replay.body);
    t.equal(replay.json().replayed, true, 'key order in the body does not matter');
    t.same({ ...replay.json(), replayed: undefined }, { ...proposed.json(), replayed: undefined }, 'the first request’s answer: applied, same bulkId and history entry');
    t.equal((await historyRows(env, ours.id)).length, historyBeforeReplay, 'a replay writes nothing');
    t.equal(await stageOf(env, ours.id, x!), stageAfterProposal);
  });

  t.test(`${kind}: concurrent identical bulk requests apply once; a request that died half-way is finished by its repeat`, async (t) => {
    const env = await buildTestApp(t, kind);
    const token = await env.ministryToken('MSGIV');
    const { id, base } = await solutionInRollout(env, token);
    const targets = (await participantsOf(env, base, token)).slice(0, 12);
    const key = randomUUID();
    const payload = { event: { type: 'AUSSCHLIESSEN', reason: 'Aufgabe übertragen' }, authorities: targets, idempotencyKey: key };
    const answers = await Promise.all(
      [1, 2, 3].map(() => env.app.inject({ method: 'POST', url: `${base}/participants/events`, headers: bearer(token), payload })),
    );
    for (const answer of answers) t.equal(answer.statusCode, 200, answer.body);
    const applied = answers.map((a) => (a.json().replayed ? 0 : a.json().counts.applied)).reduce((a, b) => a + b, 0);
    t.equal(applied, targets.length, 'each authority applied by exactly one of the three');
    t.equal(new Set(answers.map((a) => a.json().bulkId)).size, 1, 'one request, one bulkId');
    const rows = (await historyRows(env, id)).filter((r) => r.event_type === 'AUSSCHLIESSEN');
    t.equal(rows.length, targets.length);
    t.equal(new Set(rows.map((r) => r.participant_ars)).size, targets.length, 'one AUSSCHLIESSEN per authority');
    const recorded = await env.handle.db.selectFrom('bulk_request').select(['result']).where('idempotency_key', '=', key).execute();
    t.equal(recorded.length, 1);
    t.ok(recorded[0]!.result, 'the first to finish keeps its answer');

    // A request dies after moving its participants, before its answer is kept (the
    // bulk_request update fails): the repeat applies nothing twice and finishes it.
    const others = (await participantsOf(env, base, token)).slice(12, 15);
    const dyingKey = randomUUID();
    const failOnKeepingTheAnswer: KyselyPlugin = {
      transformQuery: (args) => {
        if (args.node.kind === 'UpdateQueryNode' && JSON.stringify(args.node).includes('"bulk_request"')) throw new Error('Verbindung verloren');
        return args.node;
      },
      transformResult: async (args) => args.result,
    };
    const principal = (await env.handle.db.selectFrom('api_token').select(['id', 'label']).where('ministry', '=', 'MSGIV').executeTakeFirstOrThrow());
    const dying = { event: { type: 'INTERESSE_BEKUNDEN' }, authorities: others, idempotencyKey: dyingKey };
    await t.rejects(
      sendBulkParticipantEvent({ ...env.engine, db: env.handle.db.withPlugin(failOnKeepingTheAnswer) }, { tokenId: principal.id, role: 'ministry', ministry: 'MSGIV', label: principal.label }, id, dying),
      /Verbindung verloren/,
    );
    const movedBefore = await Promise.all(others.map((ars) => stageOf(env, id, ars)));
    t.notOk(movedBefore.includes('informiert'), `all moved before the request died: ${movedBefore.join(', ')}`);
    const repeat = await env.app.inject({ method: 'POST', url: `${base}/participants/events`, headers: bearer(token), payload: dying });
    t.equal(repeat.statusCode, 200, repeat.body);
    t.notOk(repeat.json().replayed, 'nothing to replay: it runs again');
    t.same(repeat.json().counts['already-applied'], others.length, 'what the first run applied is not applied again');
    const again = await env.app.inject({ method: 'POST', url: `${base}/participants/events`, headers: bearer(token), payload: dying });
    t.equal(again.json().replayed, true, 'now finished: its answer is kept');
  });
}
