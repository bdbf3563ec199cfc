import t from 'tap';
import { databaseKinds } from '../helpers/databases.ts';
import { bearer, buildTestApp, type TestApp } from '../helpers/app.ts';
import { drainSettling } from '../helpers/rollout.ts';
import { solutionInRollout } from '../helpers/waves.ts';

const POTSDAM = '120540000000'; // kreisfreie Stadt
const BARNIM = '120600000000'; // Landkreis
const DAY = 24 * 60 * 60 * 1000;

async function count(env: TestApp, table: 'wave' | 'wave_member' | 'history', solutionId: string) {
  const row = await env.handle.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('solution_id', '=', solutionId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

for (const kind of databaseKinds()) {
  t.test(`${kind}: a ministry plans two waves, starts them, follows their progress and completes the rollout with bulk actions`, async (t) => {
    const env = await buildTestApp(t, kind);
    const token = await env.ministryToken('MSGIV');
    const { id, base } = await solutionInRollout(env, token, 'kreis');
    const api = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: Record<string, unknown>, auth = token) =>
      env.app.inject({ method, url: `${base}${url}`, headers: bearer(auth), ...(payload ? { payload } : {}) });

    // Plan: the 14 Landkreise by filter.
    const nord = await api('POST', '/waves', { name: 'Welle Landkreise', targetDate: '2027-03-31', fristTage: 21, filter: { kinds: ['landkreis'] } });
    t.equal(nord.statusCode, 201, nord.body);
    t.match(nord.json(), { name: 'Welle Landkreise', state: 'planned', memberCount: 14, added: 14, moved: 0, targetDate: '2027-03-31', fristTage: 21 });
    t.equal(nord.headers.location, `${base}/waves/${nord.json().id}`);
    const nordId: string = nord.json().id;

    // Bad input: 422 naming the field, nothing written.
    const wavesBefore = await count(env, 'wave', id);
    const historyBefore = await count(env, 'history', id);
    for (const [payload, field] of [
      [{ name: '  ' }, '/body/name'],
      [{ name: 'X', targetDate: '2027-02-30' }, '/body/targetDate'],
      [{ name: 'X', fristTage: 0 }, '/body/fristTage'],
      [{ name: 'X', fristTage: 1.5 }, '/body/fristTage'],
      [{ name: 'X', authorities: ['12345'] }, '/body/authorities/0'],
      [{ name: 'X', authorities: ['129999999999'] }, '/body/authorities/0'],
      [{ name: 'X', filter: { readiness: ['vielleicht'] } }, '/body/filter/readiness/0'],
      [{ name: 'X', unbekannt: 1 }, '/body'],
    ] as const) {
      const response = await api('POST', '/waves', payload);
      t.equal(response.statusCode, 422, `${JSON.stringify(payload)}: ${response.body}`);
      t.match(response.headers['content-type'], /application\/problem\+json/);
      t.ok(
        response.json().errors.some((e: { field: string }) => e.field.startsWith(field)),
        `${JSON.stringify(payload)} names ${field}: ${JSON.stringify(response.json().errors)}`,
      );
    }
    t.equal((await api('POST', '/waves', { name: 'Welle Landkreise' })).statusCode, 409, 'names are unique per solution');
    t.equal(await count(env, 'wave', id), wavesBefore, 'no wave written');
    t.equal(await count(env, 'history', id), historyBefore, 'no history written');
    const kaz = await api('POST', '/waves', { name: 'Kaz-Welle' }, await env.roleToken('kaz'));
    t.equal(kaz.statusCode, 403);
    const kazReads = await api('GET', '/waves', undefined, await env.roleToken('kaz'));
    t.equal(kazReads.statusCode, 200, 'the Kaz reads waves');

    // A participant is in at most one planned wave: a second one needs "verschieben".
    const conflict = await api('POST', '/waves', { name: 'Welle Städte', authorities: [POTSDAM, BARNIM] });
    t.equal(conflict.statusCode, 409);
    t.same(conflict.json().conflicts, [{ ars: BARNIM, waveId: nordId, waveName: 'Welle Landkreise' }]);
    t.equal(await count(env, 'wave', id), wavesBefore, 'the refused wave is not half-created');
    const sued = await api('POST', '/waves', { name: 'Welle Städte', authorities: [POTSDAM, BARNIM], verschieben: true });
    t.equal(sued.statusCode, 201, sued.body);
    t.match(sued.json(), { memberCount: 2, added: 1, moved: 1 });
    const suedId: string = sued.json().id;
    t.equal((await api('GET', `/waves/${nordId}`)).json().memberCount, 13, 'Barnim left the first wave');
    const moveRow = await env.handle.db
      .selectFrom('history')
      .select(['event', 'actor', 'from_stage', 'to_stage'])
      .where('solution_id', '=', id)
      .where('participant_ars', '=', BARNIM)
      .where('event_type', '=', 'WELLE_ZUGEORDNET')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    t.match(moveRow, {
      event: { waveId: suedId, wave: 'Welle Städte', vonWelle: { id: nordId, name: 'Welle Landkreise' } },
      actor: /^ministerium:MSGIV:/,
      from_stage: 'informiert',
      to_stage: 'informiert',
    });
    await t.rejects(
      env.handle.db
        .insertInto('wave_member')
        .values({ wave_id: nordId, solution_id: id, ars: BARNIM, added_by: 'test' })
        .execute(),
      'the database itself refuses a second open wave',
    );

    // Remove and add again; the unplanned ones.
    const removed = await api('DELETE', `/waves/${suedId}/members/${POTSDAM}`);
    t.equal(removed.statusCode, 200, removed.body);
    t.equal(removed.json().memberCount, 1);
    t.equal((await api('DELETE', `/waves/${suedId}/members/${POTSDAM}`)).statusCode, 404);
    const unplanned = await api('GET', '/waves/ungeplant');
    t.equal(unplanned.json().total, 4, 'the four kreisfreie Städte (Potsdam removed again)');
    const added = await api('POST', `/waves/${suedId}/members`, { authorities: [POTSDAM] });
    t.match(added.json(), { memberCount: 2, added: 1 });
    t.equal((await api('GET', '/waves/ungeplant')).json().total, 3);
    const list = (await api('GET', '/waves')).json();
    t.same(
      list.items.map((w: { name: string; memberCount: number }) => [w.name, w.memberCount]),
      [
        ['Welle Landkreise', 13],
        ['Welle Städte', 2],
      ],
    );

    // Without a contact person the invitation mail cannot go out: the whole start is refused.
    const details = (await env.handle.db.selectFrom('solution').select('mail_details').where('id', '=', id).executeTakeFirstOrThrow()).mail_details;
    await env.handle.db.updateTable('solution').set({ mail_details: JSON.stringify({}) as never }).where('id', '=', id).execute();
    const historyBeforeStart = await count(env, 'history', id);
    const noContact = await api('POST', `/waves/${nordId}/start`, {});
    t.equal(noContact.statusCode, 422, noContact.body);
    t.ok(noContact.json().errors.some((e: { field: string }) => e.field === '/mailDetails/kontaktName'));
    t.equal((await api('GET', `/waves/${nordId}`)).json().state, 'planned', 'the wave is not started');
    t.equal(await count(env, 'history', id), historyBeforeStart, 'no WELLE_STARTEN recorded');
    t.same((await api('GET', '')).json().context.waves, [], 'the solution knows of no wave');
    await env.handle.db.updateTable('solution').set({ mail_details: JSON.stringify(details) as never }).where('id', '=', id).execute();
    const badStart = await api('POST', `/waves/${nordId}/start`, { fristTage: 400 });
    t.equal(badStart.statusCode, 422);
    t.equal(badStart.json().errors[0].field, '/body/fristTage');

    // Start the first wave: WELLE_STARTEN, invitations after commit, the Rollout-Einladung mailing.
    const start = await api('POST', `/waves/${nordId}/start`, {});
    t.equal(start.statusCode, 200, start.body);
    t.match(start.json(), { wave: { state: 'started', fristTage: 21, startedBy: /^ministerium:MSGIV:/ }, mailing: { messages: 13 } });
    t.equal((await api('POST', `/waves/${nordId}/start`, {})).statusCode, 409, 'a wave starts once');
    t.equal((await api('POST', `/waves/${nordId}/members`, { authorities: [POTSDAM] })).statusCode, 409, 'a started wave keeps its members');
    await drainSettling(env);
    const invited = (await api('GET', `/waves/${nordId}`)).json();
    t.same(new Set(invited.members.map((m: { stage: string }) => m.stage)), new Set(['eingeladen']), 'every member invited');
    const mailing = (await api('GET', `/mailings/${start.json().mailing.mailingId}`)).json();
    t.equal(mailing.kind, 'rollout-einladung');
    t.equal(mailing.deadline, start.json().deadline);
    const solution = (await api('GET', '')).json();
    t.equal(solution.context.waves[0].label, 'Welle Landkreise');

    // Answers arrive; progress of the wave.
    const members: string[] = invited.members.map((m: { ars: string }) => m.ars).sort();
    const bulk = (payload: Record<string, unknown>) => api('POST', '/participants/events', payload);
    await bulk({ event: { type: 'BEREITSCHAFT_MELDEN', status: 'nicht-bereit', gruende: ['fachverfahren-anbindung', 'epayment'] }, authorities: members.slice(0, 3) });
    await bulk({ event: { type: 'BEREITSCHAFT_MELDEN', status: 'nicht-bereit', gruende: ['bundid'] }, authorities: members.slice(3, 4) });
    await bulk({ event: { type: 'BEREITSCHAFT_MELDEN', status: 'bereit-ab', ab: '2027-05-15' }, authorities: members.slice(4, 6) });
    await bulk({ event: { type: 'BEREITSCHAFT_MELDEN', status: 'bereit-ab', ab: '2027-06-01' }, authorities: members.slice(6, 7) });
    const ready = await bulk({ event: { type: 'BEREITSCHAFT_MELDEN', status: 'bereit' }, authorities: members.slice(7, 9) });
    t.equal(ready.json().counts.applied, 2);
    const early = (await api('GET', `/waves/${nordId}/progress`)).json();
    t.equal(early.overdue.count, 0, 'nobody is overdue before the deadline');
    env.clock.now = new Date(env.clock.now.getTime() + 22 * DAY);
    const progress = await api('GET', `/waves/${nordId}/progress`);
    t.equal(progress.statusCode, 200, progress.body);
    t.match(progress.json(), {
      members: 13,
      byStage: { eingeladen: 11, onboarding: 2 },
      readiness: { bereit: 2, bereitAb: 3, nichtBereit: 4, keineAntwort: 4 },
      nichtBereitGruende: { 'fachverfahren-anbindung': 3, epayment: 3, bundid: 1, personal: 0 },
      erwarteterStartProMonat: [
        { month: '2027-05', count: 2 },
        { month: '2027-06', count: 1 },
      ],
      overdue: { count: 4 },
    });
    t.same(
      progress.json().overdue.authorities.map((a: { ars: string }) => a.ars),
      members.slice(9),
    );

    // The second wave, then everyone to the end with bulk actions per wave.
    const second = await api('POST', `/waves/${suedId}/start`, { fristTage: 10 });
    t.equal(second.statusCode, 200, second.body);
    await drainSettling(env);
    for (const waveId of [nordId, suedId]) {
      for (const event of [
        { type: 'ONBOARDING_STARTEN' },
        { type: 'BUS_BB_VERKNUEPFUNG_MELDEN', onlineDienstUrl: 'https://melde.brandenburg.example/antrag' },
        { type: 'BUS_BB_SCHRITT_BESTAETIGEN', schritt: 'online-dienst-angelegt' },
        { type: 'BUS_BB_SCHRITT_BESTAETIGEN', schritt: 'zustaendigkeit-zugeordnet' },
        { type: 'BUS_BB_SCHRITT_BESTAETIGEN', schritt: 'lsp-sichtbar' },
        { type: 'LIVE_BESTAETIGEN' },
      ]) {
        const response = await bulk({ event, filter: { waveId } });
        t.equal(response.statusCode, 200, response.body);
        t.equal(response.json().counts['not-found'], 0);
      }
    }
    // The rest: kreisfreie Städte without any answer, planned by filter and excluded with a reason in bulk.
    const rest = await api('POST', '/waves', { name: 'Rest', filter: { kinds: ['kreisfreie_stadt'], readiness: ['keine'] } });
    t.equal(rest.statusCode, 201, rest.body);
    t.equal(rest.json().memberCount, 3, 'Potsdam is in a wave already');
    t.equal((await api('GET', '/waves/ungeplant')).json().total, 0);
    const excluded = await bulk({ event: { type: 'AUSSCHLIESSEN', reason: 'eigenes Verfahren, Nachnutzung 2028 geprüft' }, filter: { waveId: rest.json().id } });
    t.equal(excluded.json().counts.applied, 3);
    const done = await api('POST', '/events', { type: 'ABSCHLIESSEN' });
    t.equal(done.statusCode, 200, done.body);
    t.equal(done.json().stage, 'abgeschlossen');
    const final = (await api('GET', `/waves/${suedId}/progress`)).json();
    t.same(final.byStage, { live: 2 });
    t.equal((await api('POST', '/waves', { name: 'zu spät' })).statusCode, 409, 'no waves after the end');
  });
}
