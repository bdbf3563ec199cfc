import t from 'tap';
import { bearer, buildTestApp } from '../helpers/app.ts';
import { databaseKinds } from '../helpers/databases.ts';
import { createSolution, ELTERNGELD } from '../helpers/rollout.ts';
import { staffClient } from '../helpers/staff-client.ts';

/**
 * Creating a solution and editing its draft, mail details and mail texts through the
 * staff's forms, signed in for real: the API's fields and limits (each field wrong, NUL
 * bytes, 100 kB strings → 422 naming the field, nothing stored), a ministry for itself
 * and the admin for any ministry, another ministry's solution not found, the Kaz and the
 * Landesredaktion refused, forms without CSRF or from another site refused.
 */

const GOOD = {
  title: 'Wohngeld digital',
  ozgId: '10326',
  leikaKeys: '99107005000000\n99107006000000',
  description: 'Antrag auf <Wohngeld>',
  level: 'kreis',
  authorities: '',
  overrides: '',
};
const HUGE = 'x'.repeat(100_000);

for (const kind of databaseKinds()) {
  t.test(`the solution forms (${kind})`, async (t) => {
    const env = await buildTestApp(t, kind);
    const token = await env.ministryToken('MSGIV');
    const ministry = staffClient(env);
    await ministry.signedIn(token);
    const countSolutions = async () => (await env.app.inject({ url: '/api/v1/solutions', headers: bearer(env.adminToken) })).json().total as number;

    t.test('the dashboard links the form; a ministry creates for its own ministry', async (t) => {
      const dashboard = await ministry.get('/verwaltung');
      t.match(dashboard.body, '<a href="/verwaltung/loesungen/neu">Neue EfA-Lösung anlegen</a>');
      const form = await ministry.get('/verwaltung/loesungen/neu');
      t.equal(form.statusCode, 200);
      t.match(form.body, /<h1>Neue EfA-Lösung anlegen<\/h1>/);
      t.match(form.body, /id="f-title" name="title" value="" maxlength="300"/);
      t.match(form.body, /id="f-ozgId" name="ozgId" value="" maxlength="40"/);
      t.notMatch(form.body, /name="leadMinistry"/, 'a ministry does not choose');
      const csrf = await ministry.csrf('/verwaltung/loesungen/neu');
      const created = await ministry.post('/verwaltung/loesungen/neu', { _csrf: csrf, ...GOOD });
      t.equal(created.statusCode, 303, created.body);
      const id = /\/verwaltung\/loesungen\/([0-9a-f-]{36})$/.exec(created.headers.location as string)?.[1];
      t.ok(id, 'to the new solution’s page');
      const solution = (await env.app.inject({ url: `/api/v1/solutions/${id}`, headers: bearer(token) })).json();
      t.same([solution.title, solution.ozgId, solution.leikaKeys, solution.leadMinistry, solution.responsibility.level, solution.description], [
        'Wohngeld digital',
        '10326',
        ['99107005000000', '99107006000000'],
        'MSGIV',
        'kreis',
        'Antrag auf <Wohngeld>',
      ]);
      const page = await ministry.get(created.headers.location as string);
      t.match(page.body, /Antrag auf &#60;Wohngeld&#62;/, 'shown escaped');
      const after = await ministry.get('/verwaltung');
      t.match(after.body, /<progress id="fortschritt-[0-9a-f-]{36}" max="\d+" value="0">0 %<\/progress>/, 'a progress bar per solution');
      t.match(after.body, /0 von [1-9]\d* Behörden fertig/, 'with its text');
      const forged = await ministry.post('/verwaltung/loesungen/neu', { _csrf: csrf, ...GOOD, leadMinistry: 'MIK' });
      t.equal(forged.statusCode, 403, 'not for another ministry');
    });

    t.test('each field wrong: 422 naming it, nothing stored', async (t) => {
      const before = await countSolutions();
      const csrf = await ministry.csrf('/verwaltung/loesungen/neu');
      const cases: [Record<string, string>, string, RegExp][] = [
        [{ title: '' }, 'title', /Titel: darf nicht leer sein/],
        [{ title: HUGE }, 'title', /Titel: höchstens 300 Zeichen/],
        [{ title: 'mit\u0000NUL' }, 'title', /Titel: enthielt Zeichen/],
        [{ ozgId: 'OZG 1 / 2' }, 'ozgId', /OZG-ID: /],
        [{ ozgId: HUGE }, 'ozgId', /OZG-ID: höchstens 40 Zeichen/],
        [{ leikaKeys: '' }, 'leikaKeys', /LeiKa-Leistungsschlüssel: mindestens ein Eintrag/],
        [{ leikaKeys: '99107005000000\n123' }, 'leikaKeys', /LeiKa-Leistungsschlüssel: Eintrag 2: muss ein 14-stelliger Leistungsschlüssel sein/],
        [{ description: 'y'.repeat(20_001) }, 'description', /Beschreibung: höchstens 20000 Zeichen/],
        [{ description: 'a\u0000b' }, 'description', /Beschreibung: enthielt Zeichen/],
        [{ level: 'land' }, 'level', /Zuständig sind: erlaubt: gemeinde, kreis, liste/],
        [{ level: '' }, 'level', /Zuständig sind: Pflichtangabe/],
        [{ level: 'liste', authorities: '' }, 'authorities', /Zuständige Behörden \(ARS\): mindestens ein Eintrag/],
        [{ level: 'liste', authorities: '12345' }, 'authorities', /Zuständige Behörden \(ARS\): Eintrag 1: muss ein 12-stelliger/],
        [{ overrides: '120640000000; vielleicht; weil' }, 'overrides', /Abweichungen: Zeile 1, Art/],
        [{ overrides: '120640000000; ausnehmen; ' }, 'overrides', /Abweichungen: Zeile 1: darf nicht leer sein/],
      ];
      for (const [fields, field, message] of cases) {
        const response = await ministry.post('/verwaltung/loesungen/neu', { _csrf: csrf, ...GOOD, ...fields });
        t.equal(response.statusCode, 422, `${field}: ${JSON.stringify(fields).slice(0, 60)}`);
        t.match(response.body, new RegExp(`<a href="#${field === 'level' ? 'gruppe-level' : `f-${field}`}">`), `${field}: the summary jumps to it`);
        t.match(response.body, message, `${field}: named with its message`);
      }
      t.equal(await countSolutions(), before, 'nothing stored');
    });

    t.test('the admin chooses the lead ministry (and must)', async (t) => {
      const admin = staffClient(env);
      await admin.signedIn(env.adminToken);
      const form = await admin.get('/verwaltung/loesungen/neu');
      t.match(form.body, /name="leadMinistry"/);
      const csrf = await admin.csrf('/verwaltung/loesungen/neu');
      const missing = await admin.post('/verwaltung/loesungen/neu', { _csrf: csrf, ...GOOD, leadMinistry: '' });
      t.equal(missing.statusCode, 422);
      t.match(missing.body, /href="#f-leadMinistry">Federführendes Ministerium: /);
      const created = await admin.post('/verwaltung/loesungen/neu', { _csrf: csrf, ...GOOD, title: 'Für das MIL', leadMinistry: 'MIL' });
      t.equal(created.statusCode, 303);
      const id = (created.headers.location as string).split('/').pop();
      t.equal((await env.app.inject({ url: `/api/v1/solutions/${id}`, headers: bearer(env.adminToken) })).json().leadMinistry, 'MIL');
      t.equal((await ministry.get(`/verwaltung/loesungen/${id}/bearbeiten`)).statusCode, 404, 'another ministry’s solution is not found');
    });

    t.test('the Kaz and the Landesredaktion may not; CSRF and cross-site refused', async (t) => {
      for (const role of ['kaz', 'landesredaktion'] as const) {
        const reader = staffClient(env);
        await reader.signedIn(await env.roleToken(role));
        t.notMatch((await reader.get('/verwaltung')).body, /Neue EfA-Lösung anlegen/, `${role}: no link`);
        t.equal((await reader.get('/verwaltung/loesungen/neu')).statusCode, 403, `${role}: 403`);
        const csrf = await reader.csrf('/verwaltung');
        t.equal((await reader.post('/verwaltung/loesungen/neu', { _csrf: csrf, ...GOOD })).statusCode, 403);
      }
      const before = await countSolutions();
      t.equal((await ministry.post('/verwaltung/loesungen/neu', { ...GOOD })).statusCode, 403, 'without CSRF');
      const csrf = await ministry.csrf('/verwaltung/loesungen/neu');
      t.equal((await ministry.post('/verwaltung/loesungen/neu', { _csrf: csrf, ...GOOD }, { origin: 'https://evil.example' })).statusCode, 403, 'cross-site');
      t.equal(await countSolutions(), before);
    });

    t.test('editing: the draft, the mail details, a mail text with preview and reset', async (t) => {
      const id = await createSolution(env, token, ELTERNGELD);
      const base = `/verwaltung/loesungen/${id}/bearbeiten`;
      const page = await ministry.get(base);
      t.equal(page.statusCode, 200);
      t.match(page.body, /href="\/verwaltung\/loesungen\/[^"]+\/bearbeiten" aria-current="page">Angaben und Mailtexte</);
      t.match(page.body, /name="title" value="Elterngeld digital"/);
      const csrf = await ministry.csrf(base);
      const bad = await ministry.post(`${base}/entwurf`, { _csrf: csrf, ...GOOD, title: HUGE });
      t.equal(bad.statusCode, 422);
      t.match(bad.body, /href="#f-title">Titel: höchstens 300 Zeichen/);
      const saved = await ministry.post(`${base}/entwurf`, { _csrf: csrf, ...GOOD, title: 'Elterngeld online' });
      t.equal(saved.statusCode, 303);
      t.match((await ministry.get(saved.headers.location as string)).body, /Der Entwurf ist gespeichert/);
      const api = () => env.app.inject({ url: `/api/v1/solutions/${id}`, headers: bearer(token) }).then((r) => r.json());
      t.equal((await api()).title, 'Elterngeld online');

      const badMail = await ministry.post(`${base}/mail-angaben`, { _csrf: csrf, kontaktName: 'Frau Beispiel', kontaktEmail: 'keine adresse' });
      t.equal(badMail.statusCode, 422);
      t.match(badMail.body, /href="#f-kontaktEmail">E-Mail-Adresse der Ansprechperson: /);
      const nul = await ministry.post(`${base}/mail-angaben`, { _csrf: csrf, kontaktName: 'Frau\u0000Beispiel', kontaktEmail: 'ozg@msgiv.example' });
      t.equal(nul.statusCode, 422);
      t.match(nul.body, /href="#f-kontaktName">Ansprechperson: enthielt Zeichen/);
      const details = await ministry.post(`${base}/mail-angaben`, { _csrf: csrf, kontaktName: 'Frau Beispiel', kontaktEmail: 'ozg@msgiv.example', kosten: 'keine' });
      t.equal(details.statusCode, 303);
      const stored = (await env.app.inject({ url: `/api/v1/solutions/${id}/mail-details`, headers: bearer(token) })).json();
      t.same(stored, { kontaktName: 'Frau Beispiel', kontaktEmail: 'ozg@msgiv.example', kosten: 'keine' });

      const editor = `${base}/vorlagen/erstinformation`;
      const shown = await ministry.get(editor);
      t.equal(shown.statusCode, 200);
      t.match(shown.body, /<code>\{\{behoerde\.name\}\}<\/code>/, 'the placeholders explained');
      t.match(shown.body, /Vorschau/);
      t.match(shown.body, /Frau Beispiel/, 'the preview quotes the mail details');
      const ecsrf = await ministry.csrf(editor);
      const template = { subject: 'Neu: {{loesung.titel}}', textBody: 'Liebe {{behoerde.name}}, <b>bitte</b> antworten: {{link.interesse}}', htmlBody: '<p>Hallo {{behoerde.name}}</p>' };
      const unknown = await ministry.post(editor, { _csrf: ecsrf, ...template, textBody: 'Hallo {{wer.bist.du}}', aktion: 'speichern' });
      t.equal(unknown.statusCode, 422);
      t.match(unknown.body, /href="#f-textBody">Textteil: Unbekannter Platzhalter/);
      const huge = await ministry.post(editor, { _csrf: ecsrf, ...template, subject: HUGE, aktion: 'speichern' });
      t.equal(huge.statusCode, 422);
      t.match(huge.body, /href="#f-subject">Betreff: höchstens 300 Zeichen/);
      const preview = await ministry.post(editor, { _csrf: ecsrf, ...template, aktion: 'vorschau' });
      t.equal(preview.statusCode, 200);
      t.match(preview.body, /Vorschau \(noch nicht gespeichert\)/);
      t.match(preview.body, /Neu: Elterngeld online/);
      t.match(preview.body, /&#60;b&#62;bitte&#60;\/b&#62; antworten: http:\/\/efa\.test\/antwort\//, 'the rendered text, escaped, with the live link');
      t.equal((await env.app.inject({ url: `/api/v1/solutions/${id}/templates/erstinformation`, headers: bearer(token) })).json().custom, false, 'a preview saves nothing');
      const save = await ministry.post(editor, { _csrf: ecsrf, ...template, aktion: 'speichern' });
      t.equal(save.statusCode, 303);
      const custom = (await env.app.inject({ url: `/api/v1/solutions/${id}/templates/erstinformation`, headers: bearer(token) })).json();
      t.same([custom.custom, custom.subject], [true, 'Neu: {{loesung.titel}}']);
      const afterSave = await ministry.get(save.headers.location as string);
      t.match(afterSave.body, /Der Text ist gespeichert/);
      t.match(afterSave.body, /<button type="submit">Auf Standard zurücksetzen<\/button>/);
      const reset = await ministry.post(`${editor}/zuruecksetzen`, { _csrf: await ministry.csrf(editor) });
      t.equal(reset.statusCode, 303);
      t.equal((await env.app.inject({ url: `/api/v1/solutions/${id}/templates/erstinformation`, headers: bearer(token) })).json().custom, false);
      t.equal((await ministry.get(`${base}/vorlagen/gibt-es-nicht`)).statusCode, 404);

      // after ERSTINFORMATION_STARTEN the draft is closed: shown with the reason, a POST refused with it
      await env.app.inject({ method: 'POST', url: `/api/v1/solutions/${id}/events`, headers: bearer(token), payload: { type: 'ERSTINFORMATION_STARTEN' } });
      const closed = await ministry.get(base);
      t.match(closed.body, /Nur Entwürfe können geändert werden; die Lösung ist im Stadium „Erstinformation“/);
      t.notMatch(closed.body, /Entwurf speichern/);
      const refused = await ministry.post(`${base}/entwurf`, { _csrf: await ministry.csrf(base), ...GOOD });
      t.equal(refused.statusCode, 409);
      t.match(refused.body, /Nur Entwürfe können geändert werden/);
      t.equal((await api()).title, 'Elterngeld online');

      const kaz = staffClient(env);
      await kaz.signedIn(await env.roleToken('kaz'));
      t.equal((await kaz.get(base)).statusCode, 403, 'the Kaz does not edit');
      t.equal((await kaz.post(`${base}/mail-angaben`, { _csrf: await kaz.csrf('/verwaltung'), kontaktName: 'x' })).statusCode, 403);
      const other = staffClient(env);
      await other.signedIn(await env.ministryToken('MIL'));
      t.equal((await other.get(base)).statusCode, 404);
      t.equal((await other.post(`${base}/mail-angaben`, { _csrf: await other.csrf('/verwaltung'), kontaktName: 'fremd' })).statusCode, 404);
      t.equal((await other.get(editor)).statusCode, 404);
    });
  });
}
