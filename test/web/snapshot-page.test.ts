import t from 'tap';
import { buildTestApp } from '../helpers/app.ts';
import { databaseKinds } from '../helpers/databases.ts';
import { staffClient } from '../helpers/staff-client.ts';
import { BARNIM, MOL, POTSDAM, snapshotSetUp } from '../helpers/snapshots.ts';
import { nextQuarter, quarterWords } from '../../src/snapshots/quarter.ts';

/**
 * The quarterly snapshots page through inject, signed in for real, after two quarter
 * ends: the quarters kept, the comparison newest vs the one before and "seit dem Stichtag"
 * with German stage words and the authorities linked; another quarter by ?quartal=; bad
 * choices 422 naming the field (escaped, never 500); scope and roles as the API's; the
 * comparison's downloads.
 */

for (const kind of databaseKinds()) {
  t.test(`the quarterly snapshots page (${kind})`, async (t) => {
    const env = await buildTestApp(t, kind);
    const { token, id, first, toEndOf, moveInSecondQuarter, participantEvent } = await snapshotSetUp(env);
    const second = nextQuarter(first);
    await toEndOf(first);
    await moveInSecondQuarter();
    await toEndOf(second);
    const linked = await participantEvent(BARNIM, { type: 'BUS_BB_VERKNUEPFUNG_MELDEN', onlineDienstUrl: 'https://melde.barnim.example/' });
    t.equal(linked.statusCode, 200, linked.body);
    const page = `/verwaltung/loesungen/${id}/quartale`;
    const ministry = staffClient(env);
    await ministry.signedIn(token);

    t.test('the newest quarter against the one before, and since its Stichtag', async (t) => {
      const response = await ministry.get(page);
      t.equal(response.statusCode, 200);
      const body = response.body;
      t.equal(body.match(/<h1>/g)?.length, 1);
      t.match(body, new RegExp(`href="${page}" aria-current="page">Quartale<`), 'the tab, marked');
      t.match(body, new RegExp(`href="${page}\\?quartal=${second}" aria-current="page">${quarterWords(second)}<`));
      t.match(body, new RegExp(`href="${page}\\?quartal=${first}">${quarterWords(first)}<`));
      t.match(body, `${quarterWords(second)} im Vergleich zum ${quarterWords(first)}`);
      const [compared, since] = body.split(/<h2 id="seither-titel">/) as [string, string];
      t.ok(since, 'a section since the Stichtag');
      t.match(
        compared,
        new RegExp(`<th scope="row"><a href="/verwaltung/loesungen/${id}/teilnehmende/${POTSDAM}">Potsdam, Stadt</a></th><td>zur Nachnutzung eingeladen</td><td>der Online-Dienst ist live</td><td>live gegangen</td>`),
      );
      t.match(compared, new RegExp(`<a href="/verwaltung/loesungen/${id}/teilnehmende/${MOL}">Märkisch-Oderland</a></th><td>noch[^<]*|informiert</td><td>Nachnutzung abgelehnt</td><td>ausgeschieden</td>`));
      t.match(compared, /Live gegangen \(1\): <a [^>]+>Potsdam, Stadt<\/a>/);
      t.match(compared, /<th scope="row">Oberhavel<\/th><td>1 → 0<\/td><td>0 → 0<\/td><td>±0<\/td>/, 'per Kreis: responsible and live');
      t.match(compared, /<th scope="row">der Online-Dienst ist live<\/th><td>0<\/td><td>1<\/td><td>\+1<\/td>/, 'per stage with German words');
      t.match(since, new RegExp(`${BARNIM}">Barnim</a></th><td>in der Einführung</td><td>Online-Dienst im BUS-BB verknüpft</td><td>anderes Stadium</td>`), 'what moved since');
      t.match(compared, /Die übrigen 16 Kreise: unverändert/, 'only the Kreise that changed are listed');
      t.match(since, /Alle 18 Kreise: unverändert/);
      t.notMatch(compared, /<th scope="row">Uckermark<\/th>/, 'an unchanged Kreis is counted, not listed');
      t.notMatch(/<tbody id="seither-bewegt">[\s\S]*?<\/tbody>/.exec(since)?.[0], /Potsdam/, 'Potsdam has not moved since');
      t.match(body, `href="/verwaltung/loesungen/${id}/export/quartal-${second}.csv"`);
      t.match(body, /<caption>/);
      t.notMatch(body, /<td>(pilot-live|live|eingeladen|abgelehnt)<\/td>/, 'no stage keys, words');
    });

    t.test('another quarter by ?quartal=; bad ones 422 naming the field, unknown ones 404', async (t) => {
      const older = await ministry.get(`${page}?quartal=${first}`);
      t.equal(older.statusCode, 200);
      t.match(older.body, `${quarterWords(first)}: der erste festgehaltene Stand`);
      t.match(older.body, new RegExp(`<option value="${first}" selected>`));
      for (const bad of ['2026-Q9', '<script>alert(1)</script>', '%00', 'x'.repeat(100_000)]) {
        const response = await ministry.get(`${page}?quartal=${encodeURIComponent(bad)}`);
        t.equal(response.statusCode, 422, bad.slice(0, 20));
        t.match(response.body, /Bitte prüfen Sie Ihre Angaben[\s\S]*href="#f-quartal">Quartal: bitte/);
        t.match(response.body, /<select id="f-quartal" name="quartal" aria-invalid="true" aria-describedby="fehler-quartal">/);
        t.notMatch(response.body, /<script>alert/);
      }
      t.equal((await ministry.get(`${page}?quartal=2020-Q1`)).statusCode, 404);
    });

    t.test('scope and roles as the API: another ministry 404, the reading roles see it', async (t) => {
      const mik = staffClient(env);
      await mik.signedIn(await env.ministryToken('MIK'));
      t.equal((await mik.get(page)).statusCode, 404);
      t.equal((await mik.get(`/verwaltung/loesungen/${id}/export/quartal-${second}.csv`)).statusCode, 404);
      for (const role of ['kaz', 'landesredaktion'] as const) {
        const reader = staffClient(env);
        await reader.signedIn(await env.roleToken(role));
        const response = await reader.get(page);
        t.equal(response.statusCode, 200, role);
        t.match(response.body, /aria-current="page">Quartale</);
      }
      const overview = await ministry.get(`/verwaltung/loesungen/${id}`);
      t.match(overview.body, new RegExp(`<a href="${page}">Quartale</a>`), 'the tab on the overview');
    });

    t.test('the downloads: CSV for German spreadsheets, JSON', async (t) => {
      const csv = await ministry.get(`/verwaltung/loesungen/${id}/export/quartal-${second}.csv`);
      t.equal(csv.statusCode, 200, csv.body);
      t.match(csv.headers['content-type'], /^text\/csv; charset=utf-8/);
      t.ok(csv.body.startsWith('\uFEFFQuartal;Festgehalten am;'));
      t.match(csv.body, `;${MOL};Märkisch-Oderland;Märkisch-Oderland;informiert;abgelehnt;ausgeschieden\r\n`);
      const json = await ministry.get(`/verwaltung/loesungen/${id}/export/quartal-${first}.json`);
      t.equal(json.statusCode, 200);
      t.equal(json.json().length, 18);
      t.equal((await ministry.get(`/verwaltung/loesungen/${id}/export/quartal-2026-Q7.csv`)).statusCode, 404);
    });
  });
}
