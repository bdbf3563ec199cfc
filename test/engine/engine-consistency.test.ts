import t from 'tap';
import { sql } from 'kysely';
import { databaseKinds } from '../helpers/databases.ts';
import { bearer, buildTestApp, type TestApp } from '../helpers/app.ts';
import { sendParticipantEvent } from '../../src/solutions/participant.target.ts';

const POTSDAM = '120540000000';

async function startedSolution(env: TestApp) {
  const token = await env.ministryToken('MSGIV');
  const solution = (
    await env.app.inject({
      method: 'POST',
      url: '/api/v1/solutions',
      headers: bearer(token),
      payload: { title: 'i-Kfz', ozgId: '10097', leikaKeys: ['99050012104000'], responsibility: { level: 'kreis' } },
    })
  ).json();
  await env.app.inject({
    method: 'POST',
    url: `/api/v1/solutions/${solution.id}/events`,
    headers: bearer(token),
    payload: { type: 'ERSTINFORMATION_STARTEN' },
  });
  return solution.id as string;
}

for (const kind of databaseKinds()) {
  t.test(`${kind}: concurrent events on one participant are applied exactly once`, async (t) => {
    const env = await buildTestApp(t, kind);
    const solutionId = await startedSolution(env);
    const results = await Promise.all(
      Array.from({ length: 12 }, () =>
        sendParticipantEvent(env.engine, { solutionId, ars: POTSDAM, event: { type: 'INFORMIEREN' }, actor: 'test', origin: 'system' }),
      ),
    );
    t.equal(results.filter((r) => r.kind === 'applied').length, 1, 'one wins');
    t.equal(results.filter((r) => r.kind === 'refused').length, 11, 'the others see the new state and are refused');
    const history = await env.handle.db
      .selectFrom('history')
      .select(['event_type', 'from_stage', 'to_stage'])
      .where('solution_id', '=', solutionId)
      .where('participant_ars', '=', POTSDAM)
      .execute();
    t.same(history, [{ event_type: 'INFORMIEREN', from_stage: 'vorgemerkt', to_stage: 'informiert' }]);
    const row = await env.handle.db
      .selectFrom('participant')
      .select(['stage', 'revision'])
      .where('solution_id', '=', solutionId)
      .where('ars', '=', POTSDAM)
      .executeTakeFirstOrThrow();
    t.same(row, { stage: 'informiert', revision: 1 });
  });

  t.test(`${kind}: state, history and jobs commit together or not at all`, async (t) => {
    const env = await buildTestApp(t, kind);
    const solutionId = await startedSolution(env);
    // Make the history insert fail for one event type: the whole transition must roll back.
    await sql`alter table history add constraint test_reject check (event_type <> 'EINLADEN')`.execute(env.handle.db);
    await t.rejects(
      sendParticipantEvent(env.engine, { solutionId, ars: POTSDAM, event: { type: 'EINLADEN', wave: 'Welle 1' }, actor: 'test', origin: 'system' }),
      /test_reject/,
    );
    const row = await env.handle.db
      .selectFrom('participant')
      .select(['stage', 'revision'])
      .where('solution_id', '=', solutionId)
      .where('ars', '=', POTSDAM)
      .executeTakeFirstOrThrow();
    t.same(row, { stage: 'vorgemerkt', revision: 0 }, 'the state change was rolled back');
    const timers = await env.handle.db.selectFrom('job').select('id').where('kind', '=', 'timer.deliverEvent').execute();
    t.equal(timers.length, 0, 'the timer it would have scheduled was rolled back too');
  });

  t.test(`${kind}: a reminder timer is durable, fires when due and is cancelled by an answer`, async (t) => {
    const env = await buildTestApp(t, kind);
    const solutionId = await startedSolution(env);
    await sendParticipantEvent(env.engine, { solutionId, ars: POTSDAM, event: { type: 'EINLADEN', wave: 'W1', fristTage: 2 }, actor: 'test', origin: 'system' });
    const timer = await env.handle.db.selectFrom('job').selectAll().where('kind', '=', 'timer.deliverEvent').executeTakeFirstOrThrow();
    t.equal(timer.status, 'pending');
    t.equal(timer.run_at.getTime() - env.clock.now.getTime(), 2 * 86_400_000, 'due after fristTage days, stored in the database');

    t.equal(await env.worker.drain(), 0, 'nothing is due yet');
    env.clock.now = new Date(env.clock.now.getTime() + 2 * 86_400_000 + 1000);
    await env.worker.drain();
    const reminded = await env.handle.db
      .selectFrom('participant')
      .select('snapshot')
      .where('solution_id', '=', solutionId)
      .where('ars', '=', POTSDAM)
      .executeTakeFirstOrThrow();
    t.match((reminded.snapshot as { context: unknown }).context, { erinnerungen: 1, fristUeberschritten: true });
    const reminders = await env.handle.db.selectFrom('job').select(['status']).where('kind', '=', 'effect.remindParticipant').execute();
    t.same(reminders, [{ status: 'done' }], 'the reminder effect ran once');

    await sendParticipantEvent(env.engine, { solutionId, ars: POTSDAM, event: { type: 'BEREITSCHAFT_MELDEN', status: 'bereit' }, actor: 'test', origin: 'client' });
    const pending = await env.handle.db
      .selectFrom('job')
      .select(['status'])
      .where('kind', '=', 'timer.deliverEvent')
      .where('status', '=', 'pending')
      .execute();
    t.equal(pending.length, 0, 'the answer cancelled the re-armed timer');
    env.clock.now = new Date(env.clock.now.getTime() + 30 * 86_400_000);
    await env.worker.drain();
    const count = await env.handle.db.selectFrom('job').select(['status']).where('kind', '=', 'effect.remindParticipant').execute();
    t.equal(count.length, 1, 'no further reminder after the answer');
  });
}
