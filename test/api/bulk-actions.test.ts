import t from 'tap';
import { performance } from 'node:perf_hooks';
import type { KyselyPlugin } from 'kysely';
import { databaseKinds } from '../helpers/databases.ts';
import { bearer, buildTestApp, type TestApp } from '../helpers/app.ts';
import { drainSettling } from '../helpers/rollout.ts';
import { solutionInRollout } from '../helpers/waves.ts';
import { sendBulkParticipantEvent } from '../../src/solutions/bulk-events.service.ts';

const BARNIM = '120600000000'; // a Landkreis: no participant of a Gemeinde-level solution

async function historyCount(env: TestApp, solutionId: string) {
  const row = await env.handle.db
    .selectFrom('history')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('solution_id', '=', solutionId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

for (const kind of databaseKinds()) {
  t.test(`${kind}: a ministry moves all 195 authorities of a Gemeinde-level solution with bulk actions`, async (t) => {
    const env = await buildTestApp(t, kind);
    const token = await env.ministryToken('MSGIV');
    const { id, base } = await solutionInRollout(env, token);
    const bulk = (payload: Record<string, unknown>, auth = token) =>
      env.app.inject({ method: 'POST', url: `${base}/participants/events`, headers: bearer(auth), payload });

    const all = (await env.app.inject({ url: `${base}/participants?limit=1000`, headers: bearer(token) })).json();
    t.equal(all.total, 195, 'Ämter, amtsfreie Gemeinden, kreisfreie Städte, Verbandsgemeinde');
    const arsList: string[] = all.items.map((p: { ars: string }) => p.ars);

    // Nothing is written for a request that is wrong as a whole.
    const before = await historyCount(env, id);
    const noReason = await bulk({ event: { type: 'AUSSCHLIESSEN' }, authorities: arsList.slice(0, 3) });
    t.equal(noReason.statusCode, 422);
    t.match(noReason.headers['content-type'], /application\/problem\+json/);
    t.ok(noReason.json().errors.some((e: { field: string }) => e.field === '/body/event/reason'), noReason.body);
    const duplicates = await bulk({ event: { type: 'ONBOARDING_STARTEN' }, authorities: [arsList[0], arsList[0]] });
    t.equal(duplicates.statusCode, 422, 'the same ARS twice');
    const badArs = await bulk({ event: { type: 'ONBOARDING_STARTEN' }, authorities: ['12345'] });
    t.equal(badArs.statusCode, 422);
    t.match(badArs.json().errors[0].field, /^\/body\/authorities\/0/);
    const both = await bulk({ event: { type: 'ONBOARDING_STARTEN' }, authorities: [arsList[0]], filter: { stages: ['informiert'] } });
    t.equal(both.statusCode, 422, 'authorities and filter exclude each other');
    const neither = await bulk({ event: { type: 'ONBOARDING_STARTEN' } });
    t.equal(neither.statusCode, 422);
    t.equal(neither.json().errors[0].field, '/body/authorities');
    const tooMany = await bulk({ event: { type: 'ONBOARDING_STARTEN' }, authorities: Array.from({ length: 5001 }, (_, i) => String(120000000000 + i)) });
    t.equal(tooMany.statusCode, 422, 'at most 5000 ARS');
    const system = await bulk({ event: { type: 'EINLADEN', wave: 'x' }, authorities: [arsList[0]] });
    t.equal(system.statusCode, 403, 'system events stay the system’s');
    const unknownWave = await bulk({ event: { type: 'ONBOARDING_STARTEN' }, filter: { waveId: '00000000-0000-4000-8000-000000000000' } });
    t.equal(unknownWave.statusCode, 422);
    t.equal(unknownWave.json().errors[0].field, '/body/filter/waveId');
    const kaz = await bulk({ event: { type: 'ONBOARDING_STARTEN' }, authorities: [arsList[0]] }, await env.roleToken('kaz'));
    t.equal(kaz.statusCode, 403, 'the Kaz reads, it does not steer');
    t.equal(await historyCount(env, id), before, 'none of the refused requests wrote anything');

    // Not yet invited: every participant is refused with its reason and what it could take instead.
    const early = await bulk({ event: { type: 'ONBOARDING_STARTEN' }, filter: { stages: ['informiert'] } });
    t.equal(early.statusCode, 200, early.body);
    t.equal(early.json().selected, 195);
    t.equal(early.json().counts.refused, 195);
    const refusal = early.json().results[0];
    t.equal(refusal.outcome, 'refused');
    t.equal(refusal.stage, 'informiert');
    t.match(refusal.reason, /ONBOARDING_STARTEN/);
    t.ok(refusal.allowedEvents.includes('INTERESSE_BEKUNDEN'));

    const wave = await env.app.inject({
      method: 'POST',
      url: `${base}/events`,
      headers: bearer(token),
      payload: { type: 'WELLE_STARTEN', label: 'Welle 1', authorities: arsList, fristTage: 14 },
    });
    t.equal(wave.statusCode, 200, wave.body);
    await drainSettling(env);

    // One authority is excluded with a reason, then the rest start onboarding; the list names one non-participant.
    const [excluded, ...others] = arsList;
    const exclusion = await bulk({ event: { type: 'AUSSCHLIESSEN', reason: 'Aufgabe per Vereinbarung übertragen' }, authorities: [excluded] });
    t.equal(exclusion.json().counts.applied, 1);
    t.equal(exclusion.json().results[0].stage, 'ausgeschlossen');
    const onboarding = await bulk({ event: { type: 'ONBOARDING_STARTEN' }, authorities: [excluded, BARNIM, ...others] });
    t.equal(onboarding.statusCode, 200);
    const counts = onboarding.json().counts;
    t.same(counts, { applied: 194, 'already-applied': 0, refused: 1, 'not-found': 1, 'solution-inactive': 0 });
    const byArs = new Map(onboarding.json().results.map((r: { ars: string }) => [r.ars, r]));
    t.match(byArs.get(excluded), { outcome: 'refused', stage: 'ausgeschlossen', allowedEvents: [] });
    t.match(byArs.get(BARNIM), { outcome: 'not-found' });
    t.match(byArs.get(others[0]), { outcome: 'applied', fromStage: 'eingeladen', stage: 'onboarding' });

    // A repeat with the same key applies nothing twice.
    const key = '6f1f2c36-3f0e-4a36-9f83-0d1b6f7f0a11';
    const linking = { type: 'BUS_BB_VERKNUEPFUNG_MELDEN', onlineDienstUrl: 'https://meldewesen.brandenburg.example/antrag' };
    const first = await bulk({ event: linking, filter: { stages: ['onboarding'] }, idempotencyKey: key });
    t.equal(first.json().counts.applied, 194);
    const again = await bulk({ event: linking, filter: { stages: ['onboarding'] }, idempotencyKey: key });
    t.equal(again.json().replayed, true, 'the repeated request gets the first one’s answer');
    t.same(again.json().counts, first.json().counts);
    const otherBody = await bulk({ event: linking, authorities: others, idempotencyKey: key });
    t.equal(otherBody.statusCode, 409, 'the same key for another selection is refused (test/api/bulk-idempotency.test.ts)');

    // The BUS-BB steps confirmed in bulk (the Landesredaktion's or the ministry's part); LIVE_BESTAETIGEN needs the last.
    for (const schritt of ['online-dienst-angelegt', 'zustaendigkeit-zugeordnet', 'lsp-sichtbar']) {
      const confirmed = await bulk({ event: { type: 'BUS_BB_SCHRITT_BESTAETIGEN', schritt }, filter: { stages: ['bus-bb-verknuepft'] } });
      t.equal(confirmed.json().counts.applied, 194, `${schritt} confirmed for all`);
    }

    // The measured bulk: LIVE_BESTAETIGEN for all 195, statements counted through a Kysely plugin.
    let statements = 0;
    const counter: KyselyPlugin = {
      transformQuery: (args) => {
        statements++;
        return args.node;
      },
      transformResult: async (args) => args.result,
    };
    const principal = { tokenId: 'bench', role: 'ministry' as const, ministry: 'MSGIV', label: 'Referat 32' };
    const started = performance.now();
    const live = await sendBulkParticipantEvent({ ...env.engine, db: env.handle.db.withPlugin(counter) }, principal, id, {
      event: { type: 'LIVE_BESTAETIGEN' },
      authorities: arsList,
    });
    const ms = performance.now() - started;
    t.same(live.counts, { applied: 194, 'already-applied': 0, refused: 1, 'not-found': 0, 'solution-inactive': 0 });
    t.comment(`${kind}: LIVE_BESTAETIGEN an 195 Teilnehmende: ${ms.toFixed(0)} ms, ${statements} SQL-Anweisungen (+ ${2 * 195} BEGIN/COMMIT)`);

    const history = await env.handle.db
      .selectFrom('history')
      .select(['actor', 'event_type', 'idempotency_key', 'from_stage', 'to_stage'])
      .where('solution_id', '=', id)
      .where('participant_ars', '=', others[0]!)
      .where('event_type', '=', 'ONBOARDING_STARTEN')
      .executeTakeFirstOrThrow();
    t.match(history, { actor: /^ministerium:MSGIV:/, idempotency_key: /^bulk:/, from_stage: 'eingeladen', to_stage: 'onboarding' });
    const summaries = await env.handle.db
      .selectFrom('history')
      .select(['actor', 'event'])
      .where('solution_id', '=', id)
      .where('event_type', '=', 'SAMMELAKTION')
      .execute();
    t.ok(summaries.length >= 5, 'each bulk request is in the solution’s history');

    const done = await env.app.inject({ method: 'POST', url: `${base}/events`, headers: bearer(token), payload: { type: 'ABSCHLIESSEN' } });
    t.equal(done.statusCode, 200, done.body);
    t.equal(done.json().stage, 'abgeschlossen');
    const after = await bulk({ event: { type: 'LIVE_BESTAETIGEN' }, authorities: arsList.slice(0, 2) });
    t.equal(after.statusCode, 409, 'a finished rollout moves nobody');
  });
}
