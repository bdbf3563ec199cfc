import t from 'tap';
import { bearer, buildTestApp } from '../helpers/app.ts';
import { databaseKinds } from '../helpers/databases.ts';
import { createSolution } from '../helpers/rollout.ts';
import { BARNIM, MOL, OBERHAVEL, POTSDAM, snapshotSetUp } from '../helpers/snapshots.ts';
import { QUARTER_SNAPSHOT_JOB } from '../../src/snapshots/snapshot.activities.ts';
import { takeQuarterSnapshots } from '../../src/snapshots/snapshot.service.ts';
import { lastEndedQuarter, nextQuarter, quarterEnd, quarterOf } from '../../src/snapshots/quarter.ts';

/**
 * Quarterly snapshots through the job queue and the API, the test clock moved to the
 * quarters' ends: one job per quarter whoever starts, one snapshot per solution and
 * quarter however often the job runs, drafts left out; the comparison with the quarter
 * before and "seit dem Stichtag" names who moved where; scope, roles and bad input.
 */

interface Move {
  ars: string;
  name: string;
  from: string | null;
  to: string | null;
}
const moveOf = (moves: Move[], ars: string) => moves.find((m) => m.ars === ars);

for (const kind of databaseKinds()) {
  t.test(`quarterly snapshots (${kind})`, async (t) => {
    const env = await buildTestApp(t, kind);
    const { token, id, first, toEndOf, moveInSecondQuarter } = await snapshotSetUp(env);
    const second = nextQuarter(first);
    const draft = await createSolution(env, token);
    const api = (method: 'GET' | 'POST', url: string, auth = token) => env.app.inject({ method, url: `/api/v1/solutions/${url}`, headers: bearer(auth) });
    const jobs = () => env.handle.db.selectFrom('job').select(['idempotency_key', 'run_at', 'status']).where('kind', '=', QUARTER_SNAPSHOT_JOB).orderBy('run_at').execute();

    await t.test('after two instances started: one job for the running quarter, due at its end', async (t) => {
      const found = await jobs();
      t.same(found.map((j) => j.idempotency_key), [`progress-snapshot:${first}`]);
      t.equal(found[0]!.run_at.toISOString(), quarterEnd(first).toISOString());
      t.same((await api('GET', `${id}/snapshots`)).json().items, [], 'nothing before the quarter ends');
    });

    await toEndOf(first);

    await t.test("at the quarter's end: one snapshot per solution that is no draft; the next quarter's job once", async (t) => {
      const list = await api('GET', `${id}/snapshots`);
      t.equal(list.statusCode, 200, list.body);
      const [only, ...more] = list.json().items;
      t.same(more, []);
      t.equal(only.quarter, first);
      t.equal(only.takenBy, 'system');
      t.same(only.totals, { participants: 18, responsible: 18, live: 0 });
      t.match(only.stages, { informiert: 16, eingeladen: 1, onboarding: 1, live: 0 });
      t.same((await api('GET', `${draft}/snapshots`)).json().items, [], 'a draft has none');
      const found = await jobs();
      t.same(found.map((j) => [j.idempotency_key, j.status]), [[`progress-snapshot:${first}`, 'done'], [`progress-snapshot:${second}`, 'pending']]);
      t.equal(found[1]!.run_at.toISOString(), quarterEnd(second).toISOString());
    });

    await t.test('the job run again (another instance, a retry) changes nothing', async (t) => {
      const before = (await api('GET', `${id}/snapshots`)).json().items;
      await env.handle.db.updateTable('job').set({ status: 'pending', run_at: env.clock.now }).where('idempotency_key', '=', `progress-snapshot:${first}`).execute();
      env.clock.now = new Date(env.clock.now.getTime() + 60_000);
      t.equal(await env.worker.drain(), 1, 'it ran');
      t.same((await api('GET', `${id}/snapshots`)).json().items, before, 'the same one snapshot, same time');
      t.same(await takeQuarterSnapshots(env.handle.db, first, env.clock.now), { solutions: 1, stored: 0 });
      t.equal((await jobs()).length, 2, 'still one job for the next quarter');
    });

    await moveInSecondQuarter();

    await t.test('seit dem Stichtag: the current state against the newest snapshot', async (t) => {
      const response = await api('GET', `${id}/snapshots/${first}`);
      t.equal(response.statusCode, 200, response.body);
      const detail = response.json();
      t.equal(detail.previous, null);
      t.equal(detail.data.participants[BARNIM].stage, 'onboarding');
      t.equal(detail.data.participants[BARNIM].kreisArs, BARNIM);
      const since = detail.sinceThen;
      t.match(moveOf(since.moved, POTSDAM), { name: 'Potsdam, Stadt', from: 'eingeladen', to: 'live' });
      t.same(since.wentLive.map((m: Move) => m.ars), [POTSDAM]);
      t.same(since.left.map((m: Move) => m.ars), [MOL], 'declined: left');
      t.match(moveOf(since.moved, OBERHAVEL), { from: 'informiert', to: 'nicht-zustaendig' });
      t.notOk(moveOf(since.moved, BARNIM), 'Barnim did not move');
      t.match(since.kreise.find((k: { kreisArs: string }) => k.kreisArs === OBERHAVEL), { kreisName: 'Oberhavel', responsibleBefore: 1, responsibleAfter: 0 });
      t.match(since.kreise.find((k: { kreisArs: string }) => k.kreisArs === POTSDAM), { liveBefore: 0, liveAfter: 1 });
      t.match(since.stages.find((s: { stage: string }) => s.stage === 'informiert'), { before: 16, after: 14, delta: -2 });
      t.same(since.totalsAfter, { participants: 18, responsible: 17, live: 1 });
    });

    await toEndOf(second);

    await t.test("the next quarter's snapshot compared with the one before names who moved", async (t) => {
      const list = (await api('GET', `${id}/snapshots`)).json().items;
      t.same(list.map((s: { quarter: string }) => s.quarter), [second, first], 'newest first');
      const detail = (await api('GET', `${id}/snapshots/${second}`)).json();
      t.equal(detail.previous.quarter, first);
      t.match(moveOf(detail.comparison.moved, POTSDAM), { name: 'Potsdam, Stadt', from: 'eingeladen', to: 'live' });
      t.match(moveOf(detail.comparison.moved, MOL), { name: 'Märkisch-Oderland', from: 'informiert', to: 'abgelehnt' });
      t.equal(detail.comparison.moved.length, 3);
      t.match(detail.comparison.stages.find((s: { stage: string }) => s.stage === 'live'), { before: 0, after: 1, delta: 1 });
      t.same(detail.sinceThen.moved, [], 'nothing moved since');
      t.equal((await jobs()).filter((j) => j.status === 'pending').length, 1, 'the chain goes on: one job pending');
    });

    await t.test('an admin takes a missing snapshot now, once; drafts and other roles not', async (t) => {
      t.equal(lastEndedQuarter(env.clock.now), second);
      const existing = await api('POST', `${id}/snapshots`, env.adminToken);
      t.equal(existing.statusCode, 200, existing.body);
      t.equal(existing.json().created, false);
      await env.handle.db.deleteFrom('progress_snapshot').where('solution_id', '=', id).where('quarter', '=', second).execute();
      const taken = await api('POST', `${id}/snapshots`, env.adminToken);
      t.equal(taken.statusCode, 201, taken.body);
      t.match(taken.json(), { created: true, snapshot: { quarter: second, takenBy: 'admin:test-admin' } });
      t.equal(taken.headers.location, `/api/v1/solutions/${id}/snapshots/${second}`);
      t.equal((await api('POST', `${id}/snapshots`, env.adminToken)).statusCode, 200, 'a second time: nothing new');
      t.equal((await api('POST', `${draft}/snapshots`, env.adminToken)).statusCode, 409, 'a draft');
      t.equal((await api('POST', `${id}/snapshots`)).statusCode, 403, 'a ministry may not');
    });

    await t.test('scope and input', async (t) => {
      const mik = await env.ministryToken('MIK');
      for (const url of [`${id}/snapshots`, `${id}/snapshots/${first}`, `${id}/exports/snapshots/${first}`]) {
        const foreign = await api('GET', url, mik);
        t.equal(foreign.statusCode, 404, `another ministry: ${url}`);
        t.match(foreign.headers['content-type'], /application\/problem\+json/);
      }
      t.equal((await api('GET', `${id}/snapshots/${first}`, await env.roleToken('landesredaktion'))).statusCode, 200, 'the Landesredaktion reads');
      const none = await api('GET', `${id}/snapshots/2020-Q1`);
      t.equal(none.statusCode, 404);
      t.match(none.json().detail, /2020-Q1/);
      for (const bad of ['2026-Q5', '2026Q1', '2026-q1', `${'9'.repeat(50)}-Q1`, '2026-Q1%00']) {
        const response = await api('GET', `${id}/snapshots/${bad}`);
        t.equal(response.statusCode, 422, `${bad}: ${response.body}`);
        t.match(response.json().errors, [{ field: /quarter/ }], 'names the field');
      }
      t.equal(quarterOf(quarterEnd(first)), second, 'a quarter ends where the next begins');
    });

    await t.test('the comparison as CSV for German spreadsheets and as JSON', async (t) => {
      const csv = await api('GET', `${id}/exports/snapshots/${second}`);
      t.equal(csv.statusCode, 200, csv.body);
      t.match(csv.headers['content-disposition'], `quartal-${second}-`);
      t.ok(csv.body.startsWith('\uFEFFQuartal;Festgehalten am;Vorheriger Stand;ARS;Behörde;Kreis;Stadium vorher;Stadium;Veränderung\r\n'), 'BOM, German headers, ;');
      const potsdam = csv.body.split('\r\n').find((line) => line.includes(POTSDAM))!;
      t.match(potsdam, new RegExp(`^${second};\\d{2}\\.\\d{2}\\.\\d{4} \\d{2}:\\d{2};${first};${POTSDAM};Potsdam, Stadt;Potsdam, Stadt;eingeladen;live;live gegangen$`));
      const json = await api('GET', `${id}/exports/snapshots/${second}?format=json`);
      t.equal(json.json().length, 18);
      t.match(json.json().find((row: { ars: string }) => row.ars === MOL), { name: 'Märkisch-Oderland', before: 'informiert', after: 'abgelehnt', change: 'ausgeschieden' });
    });
  });
}

t.test("quarters in Brandenburg's calendar: they turn at midnight Berlin time, winter or summer", async (t) => {
  t.equal(quarterEnd('2026-Q4').toISOString(), '2026-12-31T23:00:00.000Z', 'CET');
  t.equal(quarterEnd('2027-Q1').toISOString(), '2027-03-31T22:00:00.000Z', 'CEST');
  t.equal(quarterOf(new Date('2026-12-31T22:59:59.999Z')), '2026-Q4');
  t.equal(quarterOf(new Date('2026-12-31T23:00:00.000Z')), '2027-Q1', 'already the new year in Berlin');
  t.equal(lastEndedQuarter(new Date('2027-01-05T10:00:00Z')), '2026-Q4');
  t.equal(nextQuarter('2026-Q4'), '2027-Q1');
});
