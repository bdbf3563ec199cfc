import t from 'tap';
import { readdir } from 'node:fs/promises';
import { bearer, buildTestApp, type TestApp } from '../helpers/app.ts';
import { databaseKinds } from '../helpers/databases.ts';
import { drainSettling } from '../helpers/rollout.ts';
import { postPairs } from '../helpers/staff-forms.ts';
import { staffClient } from '../helpers/staff-client.ts';
import { solutionInRollout } from '../helpers/waves.ts';

/**
 * The participant pages through inject, signed in for real: the table shows exactly what
 * GET /api/v1/solutions/:id/participants gives for the same filter, sorting and page; a
 * bulk action asks first and then names applied and refused authorities; one authority's
 * page sends an event (303, 409 with the machine's reason, 422 naming the field) and
 * renews its links (one mail more in the outbox); other ministries, roles and forged
 * forms are refused; wrong filters answer 422, never 500.
 */

const ROW_LINK = /href="\/verwaltung\/loesungen\/[0-9a-f-]{36}\/teilnehmende\/([0-9]{12})"/g;
const rowsOf = (body: string) => [...body.matchAll(ROW_LINK)].map((m) => m[1]);

async function outboxCount(env: TestApp): Promise<number> {
  return (await readdir(env.mail.routes.outboxDir!)).filter((file) => file.endsWith('.eml')).length;
}


for (const kind of databaseKinds()) {
  t.test(`the participant pages (${kind})`, async (t) => {
    const env = await buildTestApp(t, kind);
    const token = await env.ministryToken('MSGIV');
    const { id, base } = await solutionInRollout(env, token);
    const api = (method: 'GET' | 'POST', url: string, auth = token, payload?: Record<string, unknown>) =>
      env.app.inject({ method, url: `/api/v1${url}`, headers: bearer(auth), ...(payload ? { payload } : {}) });
    const first = (await api('GET', `/solutions/${id}/participants?limit=3`)).json().items as { ars: string; name: string; kreisArs: string }[];
    const [a, b, c] = first.map((p) => p.ars) as [string, string, string];
    const wave = await api('POST', `/solutions/${id}/waves`, token, { name: 'Welle 1', authorities: [a, b], fristTage: 14 });
    t.equal(wave.statusCode, 201, wave.body);
    const waveId: string = wave.json().id;
    const started = await api('POST', `/solutions/${id}/waves/${waveId}/start`, token, {});
    t.equal(started.statusCode, 200, started.body);
    await drainSettling(env);
    const ready = await api('POST', `/solutions/${id}/participants/${a}/events`, token, { type: 'BEREITSCHAFT_MELDEN', status: 'nicht-bereit', gruende: ['personal'] });
    t.equal(ready.statusCode, 200, ready.body);
    const kaz = await env.roleToken('kaz');
    const ticket = await api('POST', '/tickets', kaz, { solutionId: id, ars: b, category: 'transport', title: 'XTA-Postfach fehlt', description: 'DVDV', blocking: true });
    t.equal(ticket.statusCode, 201, ticket.body);

    const ministry = staffClient(env);
    await ministry.signedIn(token);
    const page = `/verwaltung/loesungen/${id}/teilnehmende`;

    t.test('filters, sorting and paging show what the JSON route gives', async (t) => {
      const cases: [string, string][] = [
        ['', ''],
        ['?seite=2', 'offset=50'],
        ['?seite=4&sortierung=ars&richtung=ab', 'sort=ars&order=desc&offset=150'],
        ['?sortierung=stadium&richtung=ab', 'sort=stage&order=desc'],
        ['?sortierung=aenderung&richtung=ab', 'sort=updatedAt&order=desc'],
        ['?stadium=eingeladen', 'stage=eingeladen'],
        [`?kreis=${first[2]!.kreisArs}`, `landkreis=${first[2]!.kreisArs}`],
        [`?welle=${waveId}`, `waveId=${waveId}`],
        ['?grund=personal', 'grund=personal'],
        ['?blockiert=ja', 'blockiert=ja'],
        ['?blockiert=nein&seite=2', 'blockiert=nein&offset=50'],
        [`?suche=${encodeURIComponent(first[0]!.name.slice(0, 5))}`, `q=${encodeURIComponent(first[0]!.name.slice(0, 5))}`],
        [`?suche=${c.slice(0, 8)}`, `q=${c.slice(0, 8)}`],
      ];
      for (const [search, query] of cases) {
        const html = await ministry.get(`${page}${search}`);
        t.equal(html.statusCode, 200, search);
        const json = (await api('GET', `/solutions/${id}/participants?limit=50&${query}`)).json();
        t.same(rowsOf(html.body), json.items.map((item: { ars: string }) => item.ars), `${search || 'no filter'}: the same rows in the same order`);
        t.match(html.body, new RegExp(`<h2 id="ergebnis">${json.total} Behörden?</h2>`), `${search}: the same total`);
      }
      t.equal((await api('GET', `/solutions/${id}/participants?waveId=${waveId}`)).json().total, 2, 'the wave filter has its two members');
      t.same((await api('GET', `/solutions/${id}/participants?grund=personal`)).json().items.map((i: { ars: string }) => i.ars), [a]);
      t.same((await api('GET', `/solutions/${id}/participants?blockiert=ja`)).json().items.map((i: { ars: string }) => i.ars), [b]);
      const all = await ministry.get(page);
      t.match(all.body, /Seite 1 von 4/);
      t.match(all.body, /<th scope="col" aria-sort="ascending"><a href="[^"]*\?richtung&#61;ab"/, 'the current column says how it is sorted');
      t.match(all.body, /<div class="tabelle" tabindex="0" role="region"/);
      const row = await ministry.get(`${page}?welle=${waveId}`);
      t.match(row.body, /Welle 1/);
      t.match(row.body, /nicht bereit: Personal/);
      t.match(row.body, /ja, 1 Ticket/);
      t.match(row.body, /zur Nachnutzung eingeladen/, 'the stage in words');
    });

    t.test('wrong filters answer 422 naming the field, never 500', async (t) => {
      for (const [search, field] of [
        ['?stadium=fertig', 'stadium'],
        ['?seite=-1', 'seite'],
        ['?seite=1e9', 'seite'],
        ['?seite=999999999', 'seite'],
        ['?suche=a%00b', 'suche'],
        [`?suche=${'x'.repeat(300)}`, 'suche'],
        ['?kreis=abc', 'kreis'],
        ['?welle=keine-uuid', 'welle'],
        ['?sortierung=passwort', 'sortierung'],
      ] as const) {
        const response = await ministry.get(`${page}${search}`);
        t.equal(response.statusCode, 422, search);
        // a NUL byte in the URL is refused before any route (the app's own guard), with its own page
        if (search.includes('%00')) continue;
        t.match(response.body, /Bitte prüfen Sie Ihre Angaben/, `${search}: error summary`);
        if (['stadium', 'suche', 'kreis', 'welle'].includes(field)) t.match(response.body, new RegExp(`id="f-${field}" name="${field}"[^>]*aria-invalid="true"`), `${search}: field marked`);
      }
      const big = await ministry.get(`${page}?suche=${'x'.repeat(100_000)}`);
      t.ok(big.statusCode < 500, `100 kB of search: ${big.statusCode}`);
      t.equal((await ministry.get(`/verwaltung/loesungen/${id}/teilnehmende/12345`)).statusCode, 404);
      for (const query of ['grund=keiner', 'blockiert=vielleicht', 'sort=passwort', 'order=seitwaerts', 'waveId=x', `q=${'x'.repeat(201)}`]) {
        t.equal((await api('GET', `/solutions/${id}/participants?${query}`)).statusCode, 422, `the JSON route refuses ${query.slice(0, 30)} too`);
      }
      t.equal((await ministry.get(`/verwaltung/loesungen/keine-uuid/teilnehmende`)).statusCode, 404);
    });

    t.test('roles and ministries', async (t) => {
      const other = staffClient(env);
      await other.signedIn(await env.ministryToken('MIK'));
      t.equal((await other.get(page)).statusCode, 404, 'another ministry’s solution is not found');
      t.equal((await other.get(`${page}/${a}`)).statusCode, 404);
      const kazClient = staffClient(env);
      await kazClient.signedIn(kaz);
      const seen = await kazClient.get(page);
      t.equal(seen.statusCode, 200, 'the Kaz reads the table');
      t.notMatch(seen.body, /sammelaktion/, 'without the bulk form');
      const detail = await kazClient.get(`${page}/${a}`);
      t.equal(detail.statusCode, 200);
      t.notMatch(detail.body, /<button type="submit">[^<]*<\/button><\/form><\/li>/, 'no event button for the Kaz');
      t.notMatch(detail.body, /Links erneuern/);
      t.match(detail.body, /Ereignisse an die Behörde senden das Ministerium/, 'a sentence instead of buttons');
      t.notMatch(detail.body, /<button type="button" disabled/, 'and no wall of disabled buttons');
      const csrf = await kazClient.csrf(`${page}/${a}`);
      t.equal((await kazClient.post(`${page}/${a}/ereignis`, { _csrf: csrf, ereignis: 'ONBOARDING_STARTEN', schluessel: crypto.randomUUID() })).statusCode, 403);
      const lr = staffClient(env);
      await lr.signedIn(await env.roleToken('landesredaktion'));
      const lrPage = await lr.get(`${page}/${a}`);
      t.equal(lrPage.statusCode, 200);
      t.notMatch(lrPage.body, /name="ereignis" value="ONBOARDING_STARTEN"/, 'the Landesredaktion gets no steering buttons');
      t.match(lrPage.body, /Gerade nicht möglich/, 'its blocked events are shown …');
      t.match(lrPage.body, /<button type="button" disabled aria-describedby="gesperrt-0">Bereitschaft vermerken<\/button><p class="hinweis" id="gesperrt-0">Die Rolle „landesredaktion“ sendet[^<]+<\/p>/, '… disabled, with the reason');
      const lrCsrf = await lr.csrf(`${page}/${a}`);
      const refused = await lr.post(`${page}/${a}/ereignis`, { _csrf: lrCsrf, ereignis: 'ONBOARDING_STARTEN', schluessel: crypto.randomUUID() });
      t.equal(refused.statusCode, 403, 'nor can it send one');
      t.equal((await lr.post(`${page}/sammelaktion`, { _csrf: lrCsrf })).statusCode, 403, 'no bulk action for the Landesredaktion');
    });

    t.test('a bulk action asks first, then names applied and refused authorities', async (t) => {
      const { csrf, key } = await ministry.eventForm(page);
      const fields: [string, string][] = [['_csrf', csrf], ['schluessel', key], ['ereignis', 'ONBOARDING_STARTEN'], ['reason', ''], ['ars', b], ['ars', c]];
      const ask = await postPairs(env, ministry, `${page}/sammelaktion`, fields);
      t.equal(ask.statusCode, 200, ask.body);
      t.match(ask.body, /„Onboarding beginnen“ wirklich für 2 Behörden\?/);
      t.equal((await api('GET', `/solutions/${id}/participants/${b}`)).json().stage, 'eingeladen', 'nothing applied before the confirmation');
      const done = await postPairs(env, ministry, `${page}/sammelaktion`, [...fields, ['bestaetigt', 'ja']]);
      t.equal(done.statusCode, 200, done.body);
      t.match(done.body, /Angewandt bei 1 Behörde, abgelehnt bei 1 Behörde \(von 2 Behörden\)/);
      t.match(done.body, new RegExp(`${c}\\): [^<]+`), 'the refused one with its reason');
      t.equal((await api('GET', `/solutions/${id}/participants/${b}`)).json().stage, 'onboarding');
      const again = await postPairs(env, ministry, `${page}/sammelaktion`, [...fields, ['bestaetigt', 'ja']]);
      t.match(again.body, /Angewandt bei 1 Behörde/, 'sent twice, the same answer (idempotency key)');
      const noEvent = await postPairs(env, ministry, `${page}/sammelaktion`, [['_csrf', csrf], ['schluessel', key], ['ereignis', ''], ['ars', c]]);
      t.equal(noEvent.statusCode, 422);
      t.match(noEvent.body, /href="#f-ereignis">Bitte ein Ereignis aus der Liste wählen/);
      const none = await postPairs(env, ministry, `${page}/sammelaktion`, [['_csrf', csrf], ['schluessel', key], ['ereignis', 'AUSSCHLIESSEN']]);
      t.equal(none.statusCode, 422);
      t.match(none.body, /mindestens eine Behörde/);
      const noReason = await postPairs(env, ministry, `${page}/sammelaktion`, [['_csrf', csrf], ['schluessel', key], ['ereignis', 'AUSSCHLIESSEN'], ['ars', c]]);
      t.equal(noReason.statusCode, 422);
      t.match(noReason.body, /href="#f-reason"/, 'the missing reason is named');
      const forged = await postPairs(env, ministry, `${page}/sammelaktion`, [['_csrf', csrf], ['schluessel', key], ['ereignis', 'EINLADEN'], ['ars', c]]);
      t.equal(forged.statusCode, 422, 'a system event is no choice');
      const huge = await postPairs(env, ministry, `${page}/sammelaktion`, [['_csrf', csrf], ['schluessel', key], ['ereignis', 'AUSSCHLIESSEN'], ['ars', c], ['reason', 'x'.repeat(100_000)]]);
      t.ok(huge.statusCode >= 400 && huge.statusCode < 500, `100 kB of reason: ${huge.statusCode}`);
      const nul = await postPairs(env, ministry, `${page}/sammelaktion`, [['_csrf', csrf], ['schluessel', key], ['ereignis', 'AUSSCHLIESSEN'], ['ars', c], ['reason', 'a\u0000b']]);
      t.equal(nul.statusCode, 422, 'a NUL in the reason is named, not stored');
      const badArs = await postPairs(env, ministry, `${page}/sammelaktion`, [['_csrf', csrf], ['schluessel', key], ['ereignis', 'PILOT_BESTAETIGEN'], ['ars', 'x\u0000y']]);
      t.equal(badArs.statusCode, 422);
    });

    t.test('one authority: event buttons, refusals, field errors', async (t) => {
      const detailPath = `${page}/${c}`;
      const detail = await ministry.get(detailPath);
      t.equal(detail.statusCode, 200);
      t.match(detail.body, /<h1>[^<]+<\/h1>/);
      t.match(detail.body, /informiert/);
      t.match(detail.body, /E-Mail laut Kommunalverzeichnis/);
      t.match(detail.body, /Erstinformation/, 'its history');
      t.match(detail.body, /name="ereignis" value="INTERESSE_BEKUNDEN"/);
      const { csrf, key } = await ministry.eventForm(detailPath);
      const sent = await ministry.post(`${detailPath}/ereignis`, { _csrf: csrf, ereignis: 'INTERESSE_BEKUNDEN', schluessel: key, freitext: 'per Telefon <b>' });
      t.equal(sent.statusCode, 303, sent.body);
      t.equal(sent.headers.location, `${detailPath}?erfolg=INTERESSE_BEKUNDEN`);
      const after = await ministry.get(sent.headers.location as string);
      t.match(after.body, /„Interesse bekundet“ wurde ausgeführt/);
      t.match(after.body, /<dt>Stadium<\/dt><dd>Interesse bekundet<\/dd>/);
      t.match(after.body, /Anmerkung: per Telefon &#60;b&#62;/, 'hostile text shown escaped in the history');
      t.notMatch(after.body, /per Telefon <b>/);
      t.equal((await api('GET', `/solutions/${id}/participants/${c}`)).json().stage, 'interessiert');
      const form2 = await ministry.eventForm(detailPath);
      const missing = await ministry.post(`${detailPath}/ereignis`, { _csrf: form2.csrf, ereignis: 'AUSSCHLIESSEN', schluessel: form2.key, reason: '' });
      t.equal(missing.statusCode, 422);
      t.match(missing.body, /href="#f-AUSSCHLIESSEN-reason"/);
      t.match(missing.body, /id="f-AUSSCHLIESSEN-reason" name="reason" aria-describedby="[^"]+" aria-invalid="true"/);
      const wrong = await ministry.post(`${detailPath}/ereignis`, { _csrf: form2.csrf, ereignis: 'LIVE_BESTAETIGEN', schluessel: form2.key });
      t.equal(wrong.statusCode, 409, 'the machine refuses');
      t.match(wrong.body, /„Live bestätigen“ war nicht möglich/);
      const noKey = await ministry.post(`${detailPath}/ereignis`, { _csrf: form2.csrf, ereignis: 'AUSSCHLIESSEN', reason: 'x' });
      t.equal(noKey.statusCode, 422);
      const nul = await ministry.post(`${detailPath}/ereignis`, { _csrf: form2.csrf, ereignis: 'AUSSCHLIESSEN', schluessel: form2.key, reason: 'weil\u0000' });
      t.equal(nul.statusCode, 422, 'a NUL byte sends the form back');
      t.match(nul.body, /href="#f-AUSSCHLIESSEN-reason"/);
      const system = await ministry.post(`${detailPath}/ereignis`, { _csrf: form2.csrf, ereignis: 'EINLADEN', schluessel: form2.key });
      t.equal(system.statusCode, 422);
    });

    t.test('link renewal: one mail more, a notice naming it', async (t) => {
      await drainSettling(env);
      const before = await outboxCount(env);
      const detailPath = `${page}/${a}`;
      const csrf = await ministry.csrf(detailPath);
      const renewed = await ministry.post(`${detailPath}/links-erneuern`, { _csrf: csrf });
      t.equal(renewed.statusCode, 303, renewed.body);
      const notice = await ministry.get(renewed.headers.location as string);
      t.match(notice.body, /Die Mail „Einladung zum Rollout“ mit den neuen Links ist zum Versand an die Behörde eingereiht/);
      await drainSettling(env);
      t.equal(await outboxCount(env), before + 1, 'one mail written to the outbox');
      t.match(notice.body, /<strong>Antwort-Links erneuert<\/strong>/, 'the history names it');
      const live = await ministry.post(`${page}/${b}/links-erneuern`, { _csrf: csrf });
      t.ok([303, 409].includes(live.statusCode), `another renewal: ${live.statusCode}`);
    });

    t.test('forged forms are refused', async (t) => {
      const detailPath = `${page}/${c}`;
      const { csrf, key } = await ministry.eventForm(detailPath);
      t.equal((await ministry.post(`${detailPath}/ereignis`, { ereignis: 'AUSSCHLIESSEN', schluessel: key, reason: 'x' })).statusCode, 403, 'without CSRF');
      t.equal((await ministry.post(`${detailPath}/ereignis`, { _csrf: csrf, ereignis: 'AUSSCHLIESSEN', schluessel: key, reason: 'x' }, { origin: 'https://evil.example' })).statusCode, 403, 'cross-site');
      t.equal((await ministry.post(`${detailPath}/links-erneuern`, { _csrf: csrf }, { origin: 'https://evil.example' })).statusCode, 403);
      t.equal((await ministry.post(`${page}/sammelaktion`, { _csrf: 'falsch' })).statusCode, 403);
      t.equal((await api('GET', `/solutions/${id}/participants/${c}`)).json().stage, 'interessiert', 'nothing applied');
      t.equal(base, `/api/v1/solutions/${id}`);
    });
  });
}
