import t from 'tap';
import { funnelOf, funnelStepOf, progressOf } from '../../src/web/solution-funnel.ts';
import { actorWords } from '../../src/web/solution.page.ts';
import { PARTICIPANT_STAGES } from '../../workflows/index.ts';
import { bearer, buildTestApp, type TestApp } from '../helpers/app.ts';
import { databaseKinds } from '../helpers/databases.ts';
import { createSolution, ELTERNGELD, sendErstinformation } from '../helpers/rollout.ts';
import { staffClient } from '../helpers/staff-client.ts';

/**
 * A solution's page as a ministry's person uses it, through inject with a real sign-in:
 * what it shows, events sent by its forms (the confirmation step, a double submit, a
 * blocked event, a missing field, a form without CSRF value), and another ministry's
 * solution as not found. On PGlite and PostgreSQL.
 */

t.test('the funnel maps every participant stage to a step and counts who reached it', async (t) => {
  t.equal(funnelStepOf('vorgemerkt'), null);
  t.equal(funnelStepOf('pilot-bestaetigt'), 'Pilot');
  t.equal(funnelStepOf('pilot-live'), 'live');
  t.equal(funnelStepOf('bus-bb-verknuepft'), 'BUS-BB verknüpft');
  t.equal(funnelStepOf('ausgeschlossen'), null);
  for (const stage of PARTICIPANT_STAGES) t.not(funnelStepOf(stage), undefined, `${stage} is mapped`);
  const funnel = funnelOf({ vorgemerkt: 2, informiert: 3, interessiert: 1, 'pilot-kandidat': 1, eingeladen: 2, live: 1, abgelehnt: 4 });
  t.same(
    funnel.map((row) => [row.step, row.reached, row.now]),
    [
      ['informiert', 8, 3],
      ['interessiert', 5, 1],
      ['Pilot', 4, 1],
      ['eingeladen', 3, 2],
      ['onboarding', 1, 0],
      ['BUS-BB verknüpft', 1, 0],
      ['live', 1, 1],
    ],
  );
  t.same(progressOf({ vorgemerkt: 3, live: 1 }), { total: 4, done: 1, percent: 25 });
  t.same(progressOf({}), { total: 0, done: 0, percent: 0 });
  t.equal(actorWords('ministerium:MSGIV:Anna Beispiel'), 'Anna Beispiel (MSGIV)');
  t.equal(actorWords('system:antwort-link'), 'System');
});

for (const kind of databaseKinds()) {
  t.test(`a solution's page (${kind})`, async (t) => {
    const env = await buildTestApp(t, kind);
    const token = await env.ministryToken('MSGIV');
    const id = await createSolution(env, token, { ...ELTERNGELD, description: 'Antrag auf Elterngeld <online>' } as typeof ELTERNGELD);
    const page = `/verwaltung/loesungen/${id}`;
    const action = `${page}/ereignis`;
    const browser = staffClient(env);
    await browser.signedIn(token);
    const stageOf = async () => (await env.app.inject({ url: `/api/v1/solutions/${id}`, headers: bearer(token) })).json().stage;

    t.test('the dashboard links the solution; the page shows it with progress, funnel and its events', async (t) => {
      const dashboard = await browser.get('/verwaltung');
      t.match(dashboard.body, `<a href="${page}">Elterngeld digital</a>`);
      const response = await browser.get(page);
      t.equal(response.statusCode, 200);
      t.match(response.body, /<h1>Elterngeld digital<\/h1>/);
      t.match(response.body, /Entwurf/);
      t.match(response.body, /Ministerium für Soziales|MSGIV/);
      t.match(response.body, 'Antrag auf Elterngeld &#60;online&#62;', 'the description, escaped');
      t.match(response.body, /<progress id="fortschritt" max="\d+" value="0">0 %<\/progress>/);
      t.match(response.body, /von \d+ Behörden sind fertig/);
      t.match(response.body, /<li>informiert: 0 \(gerade 0\)<\/li>/);
      t.match(response.body, /<li>BUS-BB verknüpft: 0/);
      t.match(response.body, /<th scope="row">noch nicht informiert<\/th><td>[1-9]\d*<\/td>/);
      // exactly the API's allowedEvents as buttons
      const api = (await env.app.inject({ url: `/api/v1/solutions/${id}/allowed-events`, headers: bearer(token) })).json();
      const buttons = [...response.body.matchAll(/name="ereignis" value="([A-Z_]+)"/g)].map((m) => m[1]);
      t.same([...buttons].sort(), [...api.allowedEvents].sort());
      t.equal(buttons[0], 'ERSTINFORMATION_STARTEN', 'the next step of the rollout first');
      t.match(response.body, /<button type="submit">Erstinformation beginnen<\/button>/);
      t.match(response.body, /Lösung angelegt/, 'the timeline names the creation');
      t.match(response.body, /test-MSGIV \(MSGIV\)/);
    });

    t.test('an event with a field: missing → 422 with the field named; filled → applied, in the timeline', async (t) => {
      const { csrf, key } = await browser.eventForm(page);
      const missing = await browser.post(action, { _csrf: csrf, ereignis: 'PAUSIEREN', schluessel: key, reason: '' });
      t.equal(missing.statusCode, 422);
      t.match(missing.body, /Bitte prüfen Sie Ihre Angaben/);
      t.match(missing.body, /href="#f-PAUSIEREN-reason"/, 'the error summary jumps to the field');
      t.match(missing.body, /id="fehler-PAUSIEREN-reason"/);
      t.match(missing.body, /<a href="#f-PAUSIEREN-reason">Begründung der Pause: [^<]+<\/a>/, 'the summary names the field');
      t.match(missing.body, /<label for="f-PAUSIEREN-reason">Begründung der Pause<\/label>/);
      t.equal(await stageOf(), 'entwurf');

      const paused = await browser.post(action, { _csrf: csrf, ereignis: 'PAUSIEREN', schluessel: key, reason: 'Warten auf den Haushalt' });
      t.equal(paused.statusCode, 303);
      t.equal(paused.headers.location, `${page}?erfolg=PAUSIEREN`);
      // the same form sent again: applied once
      const again = await browser.post(action, { _csrf: csrf, ereignis: 'PAUSIEREN', schluessel: key, reason: 'Warten auf den Haushalt' });
      t.equal(again.statusCode, 303);
      const history = (await env.app.inject({ url: `/api/v1/solutions/${id}/history`, headers: bearer(token) })).json();
      t.equal(history.items.filter((item: { eventType: string }) => item.eventType === 'PAUSIEREN').length, 1, 'a double submit applies once');
      const shown = await browser.get(paused.headers.location as string);
      t.match(shown.body, /„Lösung anhalten“ wurde ausgeführt/);
      t.match(shown.body, /<dt>Stadium<\/dt><dd>Pausiert<\/dd>/);
      t.match(shown.body, /<strong>Lösung anhalten<\/strong>/);
      t.match(shown.body, /Begründung: Warten auf den Haushalt/);
      t.ok(shown.body.indexOf('Lösung anhalten</strong>') < shown.body.indexOf('Lösung angelegt</strong>'), 'newest first');

      const { csrf: csrf2, key: key2 } = await browser.eventForm(page);
      t.equal((await browser.post(action, { _csrf: csrf2, ereignis: 'FORTSETZEN', schluessel: key2 })).statusCode, 303);
      t.equal(await stageOf(), 'entwurf');
    });

    t.test('ERSTINFORMATION_STARTEN asks first; the second POST applies it', async (t) => {
      const { csrf, key } = await browser.eventForm(page);
      const ask = await browser.post(action, { _csrf: csrf, ereignis: 'ERSTINFORMATION_STARTEN', schluessel: key });
      t.equal(ask.statusCode, 200);
      t.match(ask.body, /Wirklich die Erstinformation beginnen\?/);
      t.match(ask.body, /richtet sich an \d+ Behörden/);
      t.match(ask.body, /name="bestaetigt" value="ja"/);
      t.equal(await stageOf(), 'entwurf', 'nothing applied before the confirmation');
      const confirmCsrf = /name="_csrf" value="([^"]+)"/.exec(ask.body)![1]!;
      const confirmed = await browser.post(action, { _csrf: confirmCsrf, ereignis: 'ERSTINFORMATION_STARTEN', schluessel: key, bestaetigt: 'ja' });
      t.equal(confirmed.statusCode, 303);
      t.equal(await stageOf(), 'erstinformation');
      const shown = await browser.get(page);
      t.match(shown.body, /<strong>Erstinformation beginnen<\/strong>/);
      t.match(shown.body, /Stadium: Entwurf → Erstinformation/);
    });

    t.test('a blocked event: disabled with its reason, and refused with it (409)', async (t) => {
      const shown = await browser.get(page);
      t.match(shown.body, /<button type="button" disabled aria-describedby="gesperrt-\d+">Pilotphase starten<\/button><p class="hinweis" id="gesperrt-\d+">Die Pilotphase beginnt erst, wenn die Erstinformation versandt ist/);
      const { csrf, key } = await browser.eventForm(page);
      const refused = await browser.post(action, { _csrf: csrf, ereignis: 'PILOTPHASE_STARTEN', schluessel: key });
      t.equal(refused.statusCode, 409);
      t.match(refused.body, /„Pilotphase starten“ war nicht möglich/);
      t.match(refused.body, /Erstinformation versandt ist/);
      t.equal(await stageOf(), 'erstinformation');
    });

    t.test('a form without CSRF value is refused (403)', async (t) => {
      const { key } = await browser.eventForm(page);
      const response = await browser.post(action, { ereignis: 'PAUSIEREN', schluessel: key, reason: 'x' });
      t.equal(response.statusCode, 403);
      t.match(response.body, /Das Formular konnte nicht angenommen werden/);
      t.equal(await stageOf(), 'erstinformation');
    });

    t.test("another ministry's solution is not found, to read and to steer", async (t) => {
      const other = staffClient(env);
      await other.signedIn(await env.ministryToken('MIL'));
      t.equal((await other.get(page)).statusCode, 404);
      const { csrf } = await other.eventForm('/verwaltung');
      const response = await other.post(action, { _csrf: csrf, ereignis: 'PAUSIEREN', schluessel: crypto.randomUUID(), reason: 'fremd' });
      t.equal(response.statusCode, 404);
      t.match(response.body, /Seite nicht gefunden/);
      t.equal(await stageOf(), 'erstinformation');
      t.equal((await other.get('/verwaltung/loesungen/keine-id')).statusCode, 404);
    });

    t.test('the whole way to a wave: select, override and ARS list fields become the API event', async (t) => {
      await sendErstinformation(env, token, id);
      const send = async (fields: Record<string, string>) => {
        const { csrf, key } = await browser.eventForm(page);
        return browser.post(action, { _csrf: csrf, schluessel: key, ...fields });
      };
      const sendConfirmed = async (fields: Record<string, string>) => {
        const { csrf, key } = await browser.eventForm(page);
        const first = await browser.post(action, { _csrf: csrf, schluessel: key, ...fields });
        t.equal(first.statusCode, 200, `${fields.ereignis} asks first`);
        const again = /name="_csrf" value="([^"]+)"/.exec(first.body)![1]!;
        return { first, second: await browser.post(action, { _csrf: again, schluessel: key, ...fields, bestaetigt: 'ja' }) };
      };
      t.equal((await send({ ereignis: 'PILOTPHASE_STARTEN' })).statusCode, 303);
      t.equal(await stageOf(), 'pilotphase');
      const lesson = await send({ ereignis: 'LESSONS_LEARNED_ERFASSEN', text: 'Fachverfahren früh anbinden', thema: '', pilotArs: '', relevanz: 'hoch' });
      t.equal(lesson.statusCode, 303);
      const rollout = await sendConfirmed({ ereignis: 'ROLLOUT_STARTEN', overrideReason: 'Landesweite Frist' });
      t.equal(rollout.second.statusCode, 303);
      t.equal(await stageOf(), 'rollout');
      const solution = (await env.app.inject({ url: `/api/v1/solutions/${id}`, headers: bearer(token) })).json();
      t.same(solution.context.rolloutOverride?.reason ?? solution.context.rolloutOverride, 'Landesweite Frist');
      t.equal(solution.context.lessonsLearned[0].relevanz, 'hoch');

      const participants = (await env.app.inject({ url: `/api/v1/solutions/${id}/participants?limit=2`, headers: bearer(token) })).json();
      const arsList = participants.items.map((p: { ars: string }) => p.ars);
      const badFrist = await send({ ereignis: 'WELLE_STARTEN', label: 'Welle 1', authorities: arsList.join('\n'), fristTage: 'bald' });
      t.equal(badFrist.statusCode, 422);
      t.match(badFrist.body, /href="#f-WELLE_STARTEN-fristTage">Antwortfrist in Tagen: /);
      const wave = await sendConfirmed({ ereignis: 'WELLE_STARTEN', label: 'Welle 1', authorities: arsList.join('\n'), fristTage: '14' });
      t.match(wave.first.body, /Das schreibt 2 Behörden an/);
      t.equal(wave.second.statusCode, 303);
      const after = (await env.app.inject({ url: `/api/v1/solutions/${id}`, headers: bearer(token) })).json();
      t.same(after.context.waves.map((w: { label: string; authorities: string[] }) => [w.label, w.authorities]), [['Welle 1', arsList]]);
    });

    t.test('the Kaz reads the page without event buttons; its events are blocked with the reason', async (t) => {
      const kaz = staffClient(env);
      await kaz.signedIn(await env.roleToken('kaz'));
      const response = await kaz.get(page);
      t.equal(response.statusCode, 200);
      t.notMatch(response.body, /name="ereignis"/);
      t.match(response.body, /steht der Rolle „kaz“ nicht zur Verfügung/);
    });
  });
}
