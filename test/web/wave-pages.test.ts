import { randomUUID } from 'node:crypto';
import t from 'tap';
import { bearer, buildTestApp } from '../helpers/app.ts';
import { databaseKinds } from '../helpers/databases.ts';
import { staffClient } from '../helpers/staff-client.ts';
import { formValues, postPairs } from '../helpers/staff-forms.ts';
import { solutionInRollout } from '../helpers/waves.ts';

/**
 * The wave pages of a solution through inject, signed in for real: the "ungeplant" list
 * as the wave API gives it, a wave planned from two ticked authorities and one from a
 * filter (each as GET …/waves then shows it; a double submit plans one), members removed
 * and added, bad input (NUL bytes, 100 kB, impossible dates, unknown ARS) refused with the
 * field named and nothing stored, the start only after its confirmation naming how many
 * authorities get mail – once – with the API's progress afterwards, and who may do what.
 */

const BIG = 'x'.repeat(100 * 1024);

for (const kind of databaseKinds()) {
  t.test(`the wave pages (${kind})`, async (t) => {
    const env = await buildTestApp(t, kind);
    const token = await env.ministryToken('MSGIV');
    const { id, base } = await solutionInRollout(env, token, 'kreis');
    const list = `/verwaltung/loesungen/${id}/wellen`;
    const ministry = staffClient(env);
    await ministry.signedIn(token);
    const api = async (path: string) => (await env.app.inject({ url: `${base}${path}`, headers: bearer(token) })).json();
    const waves = async () => (await api('/waves')).items as { id: string; name: string; memberCount: number; state: string }[];
    const plan = async (pairs: Array<[string, string]>, page = list) => {
      const { csrf, key } = formValues((await ministry.get(page)).body);
      return { csrf, key, response: await postPairs(env, ministry, list, [['_csrf', csrf], ['schluessel', key], ...pairs]) };
    };
    const unplanned = (await api('/waves/ungeplant')).items as { ars: string; name: string }[];
    const [a, b, c] = unplanned as [{ ars: string; name: string }, { ars: string; name: string }, { ars: string; name: string }];
    let wave1 = '';

    t.test('the list page: every ungeplant authority with a checkbox labelled by its name', async (t) => {
      const page = await ministry.get(list);
      t.equal(page.statusCode, 200);
      t.match(page.body, /<h1>Wellen: Meldebescheinigung online<\/h1>/);
      t.match(page.body, /Noch keine Welle geplant/);
      const boxes = [...page.body.matchAll(/<input type="checkbox" id="b-(\d{12})" name="behoerden" value="\1"><label for="b-\1">([^<]+)<\/label>/g)];
      t.same(boxes.map((m) => m[1]), unplanned.map((u) => u.ars), 'the API’s ungeplant list, in its order');
      t.same(boxes.map((m) => m[2]), unplanned.map((u) => u.name.replaceAll('&', '&#38;')));
    });

    t.test('a wave from two ticked authorities: as the API shows it; a double submit plans one', async (t) => {
      const { csrf, key, response } = await plan([['name', 'Welle 1'], ['targetDate', '2026-09-01'], ['fristTage', '21'], ['behoerden', a.ars], ['behoerden', b.ars]]);
      t.equal(response.statusCode, 303, response.body.slice(0, 300));
      const [created] = await waves();
      wave1 = created!.id;
      t.equal(response.headers.location, `${list}/${wave1}?erfolg=geplant`);
      const again = await postPairs(env, ministry, list, [['_csrf', csrf], ['schluessel', key], ['name', 'Welle 1'], ['behoerden', a.ars], ['behoerden', b.ars]]);
      t.equal(again.statusCode, 303);
      t.equal(again.headers.location, response.headers.location, 'the same wave');
      t.match(await waves(), [{ name: 'Welle 1', memberCount: 2, state: 'planned' }]);
      t.equal((await waves()).length, 1);
      const detail = await api(`/waves/${wave1}`);
      t.match(detail, { targetDate: '2026-09-01', fristTage: 21 });
      t.same(detail.members.map((m: { ars: string }) => m.ars).sort(), [a.ars, b.ars].sort());
      const page = await ministry.get(response.headers.location as string);
      t.match(page.body, /Die Welle ist geplant/);
      t.match(page.body, /<h1>Welle „Welle 1“<\/h1>/);
      t.match(page.body, new RegExp(`<th scope="row">${a.name}</th><td>${a.ars}</td>`));
    });

    t.test('members: one removed (twice: once), one added from the ungeplant list', async (t) => {
      const wavePage = `${list}/${wave1}`;
      const { csrf, key } = formValues((await ministry.get(wavePage)).body);
      const remove = `${wavePage}/mitglieder/${b.ars}/entfernen`;
      t.equal((await ministry.post(remove, { _csrf: csrf, schluessel: key })).statusCode, 303);
      t.equal((await ministry.post(remove, { _csrf: csrf, schluessel: key })).statusCode, 303, 'sent twice: no error');
      t.same((await api(`/waves/${wave1}`)).members.map((m: { ars: string }) => m.ars), [a.ars]);
      const none = await postPairs(env, ministry, `${wavePage}/mitglieder`, [['_csrf', csrf], ['schluessel', key]]);
      t.equal(none.statusCode, 422);
      t.match(none.body, /href="#f-behoerden">Behörden: Bitte kreuzen Sie mindestens eine Behörde an/);
      const added = await postPairs(env, ministry, `${wavePage}/mitglieder`, [['_csrf', csrf], ['schluessel', key], ['behoerden', c.ars]]);
      t.equal(added.statusCode, 303);
      t.match((await ministry.get(added.headers.location as string)).body, /Aufgenommen: 1 Behörde\./);
      t.same((await api(`/waves/${wave1}`)).members.map((m: { ars: string }) => m.ars).sort(), [a.ars, c.ars].sort());
    });

    t.test('bad input: 422 naming the field, nothing stored', async (t) => {
      const cases: Array<[Array<[string, string]>, string]> = [
        [[['name', '']], 'name'],
        [[['name', BIG]], 'name'],
        [[['name', 'Null\u0000Welle']], 'name'],
        [[['name', 'Welle X'], ['targetDate', '2026-02-30']], 'targetDate'],
        [[['name', 'Welle X'], ['fristTage', '999']], 'fristTage'],
        [[['name', 'Welle X'], ['fristTage', 'bald']], 'fristTage'],
        [[['name', 'Welle X'], ['behoerden', '999999999999']], 'behoerden'],
        [[['name', 'Welle X'], ['behoerden', 'abc']], 'behoerden'],
        [[['name', 'Welle X'], ['kreisArs', '12']], 'kreisArs'],
        [[['name', 'Welle X'], ['stages', 'live']], 'stages'],
        [[['name', 'Welle X'], ['behoerden', b.ars], ['stages', 'informiert']], 'filter'],
      ];
      for (const [pairs, field] of cases) {
        const { response } = await plan(pairs);
        t.equal(response.statusCode, 422, `${field}: ${JSON.stringify(pairs).slice(0, 60)}`);
        t.match(response.body, new RegExp(`href="#f-${field}">`), `${field} named`);
      }
      const taken = await plan([['name', 'Welle 1']]);
      t.equal(taken.response.statusCode, 409, 'the name is taken');
      t.match(taken.response.body, /gibt es bei dieser Lösung schon/);
      t.equal((await waves()).length, 1, 'nothing stored');
    });

    t.test('a wave from a filter: every ungeplant authority in the chosen stage', async (t) => {
      const before = (await api('/waves/ungeplant')).total;
      const { response } = await plan([['name', 'Welle 2 <Rest>'], ['stages', 'informiert'], ['readiness', 'keine']]);
      t.equal(response.statusCode, 303);
      const second = (await waves()).find((w) => w.name === 'Welle 2 <Rest>')!;
      t.equal(second.memberCount, before);
      t.equal((await api('/waves/ungeplant')).total, 0);
      t.match((await ministry.get(list)).body, /Welle 2 &#60;Rest&#62;/, 'escaped');
    });

    t.test('the start asks first, naming how many get mail; confirmed it starts once, with the API’s progress', async (t) => {
      const wavePage = `${list}/${wave1}`;
      const { csrf, key } = formValues((await ministry.get(wavePage)).body);
      const start = `${wavePage}/starten`;
      const bad = await ministry.post(start, { _csrf: csrf, schluessel: key, fristTage: '0', einladungMailen: 'ja' });
      t.equal(bad.statusCode, 422);
      t.match(bad.body, /href="#f-fristTage">Antwortfrist in Tagen: /);
      const ask = await ministry.post(start, { _csrf: csrf, schluessel: key, fristTage: '14', einladungMailen: 'ja' });
      t.equal(ask.statusCode, 200);
      t.match(ask.body, /Wirklich die Welle „Welle 1“ starten\?/);
      t.match(ask.body, /Das lädt 2 Behörden ein: Jede erhält die Rollout-Einladung per E-Mail/);
      t.equal((await api(`/waves/${wave1}`)).state, 'planned', 'nothing before the confirmation');
      const confirmCsrf = formValues(ask.body).csrf;
      const fields = { _csrf: confirmCsrf, schluessel: key, fristTage: '14', einladungMailen: 'ja', bestaetigt: 'ja' };
      const started = await ministry.post(start, fields);
      t.equal(started.statusCode, 303, started.body.slice(0, 300));
      t.match(started.headers.location as string, /erfolg=gestartet&eingeladen=2&mails=2&ohne=0/);
      t.equal((await ministry.post(start, fields)).statusCode, 303, 'sent twice: no error');
      const history = (await api('/history')).items.filter((row: { eventType: string }) => row.eventType === 'WELLE_STARTEN');
      t.equal(history.length, 1, 'started once');
      t.equal((await api(`/waves/${wave1}`)).state, 'started');
      const page = await ministry.get(started.headers.location as string);
      t.match(page.body, /Die Welle ist gestartet: 2 Behörden werden eingeladen; 2 Mails stehen zum Versand bereit\./);
      t.notMatch(page.body, /Welle starten …/, 'no second start');
      t.notMatch(page.body, /Entfernen/, 'members fixed');
      const progress = await api(`/waves/${wave1}/progress`);
      const r = progress.readiness;
      t.match(page.body, `bereit: ${r.bereit}, bereit ab: ${r.bereitAb}, nicht bereit: ${r.nichtBereit}, keine Antwort: ${r.keineAntwort}`);
      for (const [stage, n] of Object.entries(progress.byStage)) t.match(page.body, new RegExp(`<td>${String(n)}</td>`), `${stage}: ${String(n)}`);
      const listPage = await ministry.get(list);
      t.match(listPage.body, new RegExp(`<a href="${wavePage}">Welle 1</a></th><td>01.09.2026</td><td>gestartet</td><td>2</td>`));
    });

    t.test('roles: the Kaz and the Landesredaktion read but cannot plan or start; another ministry finds nothing', async (t) => {
      const second = (await waves()).find((w) => w.name !== 'Welle 1')!;
      for (const role of ['kaz', 'landesredaktion'] as const) {
        const reader = staffClient(env);
        await reader.signedIn(await env.roleToken(role));
        const page = await reader.get(list);
        t.equal(page.statusCode, 200, `${role} reads`);
        t.notMatch(page.body, /Neue Welle planen/);
        t.equal((await reader.get(`${list}/${second.id}`)).statusCode, 200);
        const csrf = await reader.csrf('/verwaltung');
        const refused = await reader.post(`${list}/${second.id}/starten`, { _csrf: csrf, schluessel: randomUUID(), einladungMailen: 'ja', bestaetigt: 'ja' });
        t.equal(refused.statusCode, 403, `${role} cannot start`);
        t.match(refused.body, /Kein Zugriff/);
        t.equal((await reader.post(list, { _csrf: csrf, schluessel: randomUUID(), name: 'Fremd' })).statusCode, 403);
      }
      const other = staffClient(env);
      await other.signedIn(await env.ministryToken('MIL'));
      t.equal((await other.get(list)).statusCode, 404);
      t.equal((await other.get(`${list}/${second.id}`)).statusCode, 404);
      const csrf = await other.csrf('/verwaltung');
      t.equal((await other.post(`${list}/${second.id}/starten`, { _csrf: csrf, schluessel: randomUUID(), einladungMailen: 'ja', bestaetigt: 'ja' })).statusCode, 404);
      t.equal((await other.post(list, { _csrf: csrf, schluessel: randomUUID(), name: 'Fremd' })).statusCode, 404);
      t.equal((await ministry.get(`${list}/${randomUUID()}`)).statusCode, 404, 'an unknown wave');
      t.equal((await api(`/waves/${second.id}`)).state, 'planned');
      t.equal((await waves()).length, 2, 'nothing stored');
    });

    t.test('forms without CSRF value or from another site are refused', async (t) => {
      const second = (await waves()).find((w) => w.name !== 'Welle 1')!;
      const { csrf, key } = formValues((await ministry.get(list)).body);
      t.equal((await ministry.post(list, { schluessel: key, name: 'Ohne Schutz' })).statusCode, 403);
      t.equal((await ministry.post(list, { _csrf: csrf, schluessel: key, name: 'Fremde Seite' }, { origin: 'https://evil.example' })).statusCode, 403);
      const start = `${list}/${second.id}/starten`;
      t.equal((await ministry.post(start, { _csrf: csrf, schluessel: key, bestaetigt: 'ja' }, { origin: 'https://evil.example' })).statusCode, 403);
      t.equal((await waves()).length, 2);
      t.equal((await api(`/waves/${second.id}`)).state, 'planned');
    });
  });
}
