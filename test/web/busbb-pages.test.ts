import t from 'tap';
import { readFile } from 'node:fs/promises';
import { databaseKinds } from '../helpers/databases.ts';
import { bearer, buildTestApp } from '../helpers/app.ts';
import { setUpBusBbRollout as setUp, LEIKA, POTSDAM, COTTBUS, BRANDENBURG, FRANKFURT, AMT_BIESENTHAL } from '../helpers/busbb-rollout.ts';
import { staffClient } from '../helpers/staff-client.ts';
import { postMultipart } from '../helpers/multipart-form.ts';

/**
 * The Landesredaktion's BUS-BB pages through inject, signed in for real: it confirms a
 * Leistungsbeschreibung and an authority's BUS-BB step (the same path as the API, once per
 * form), uploads a PVOG export as a file and sees the four categories exactly as the JSON
 * route has them, applies the reconciliation after a confirmation naming how many change;
 * unusable files come back as 4xx naming the file field with nothing written; the Kaz
 * reads but may not act, the ministry reads its results, CSRF and cross-site guard the
 * multipart form too.
 */

const FIXTURE = new URL('../../fixtures/pvog-export-gewerbeanmeldung.json', import.meta.url);
const CATEGORIES = ['bestaetigt', 'gemeldet-nicht-gefunden', 'gefunden-nicht-gemeldet', 'fehlt'];

type Json = Record<string, any>;

/** The section of one category on the result page: its heading's count and its text. */
function section(body: string, category: string) {
  const start = body.indexOf(`<section aria-labelledby="kat-${category}">`);
  const text = body.slice(start, body.indexOf('</section>', start));
  return { count: Number(/\((\d+)\)<\/h2>/.exec(text)?.[1]), text };
}

for (const kind of databaseKinds()) {
  t.test(`the BUS-BB pages (${kind})`, async (t) => {
    const env = await buildTestApp(t, kind);
    const { token, base, page } = await setUp(env);
    const redaktion = staffClient(env);
    await redaktion.signedIn(await env.roleToken('landesredaktion'));
    const exportFile = await readFile(FIXTURE);
    const reconciliations = async () => (await env.app.inject({ url: `${base}/reconciliations`, headers: bearer(token) })).json().total as number;

    t.test('the page: tabs, Leistungsbeschreibungen, the authorities waiting, the upload form; hostile title escaped', async (t) => {
      const shown = await redaktion.get(page);
      t.equal(shown.statusCode, 200);
      t.match(shown.body, /aria-current="page">BUS-BB und Abgleich</);
      t.match(shown.body, /Gewerbeanmeldung &#60;digital&#62;/);
      t.match(shown.body, new RegExp(`<th scope="row">${LEIKA}</th><td>noch nicht bestätigt`));
      for (const ars of [POTSDAM, COTTBUS, AMT_BIESENTHAL]) t.match(shown.body, ars, `${ars} waits for a confirmation`);
      t.notMatch(shown.body, FRANKFURT, 'not an authority outside the BUS-BB stages');
      t.match(shown.body, /enctype="multipart\/form-data"/);
      t.match(shown.body, /<button type="button" disabled aria-describedby="gesperrt-120540000000-LIVE_BESTAETIGEN">Live bestätigen/, 'the go-live is blocked, with its reason');
    });

    t.test('confirming a Leistungsbeschreibung: 303, then 409; a wrong key or NUL bytes: 422 naming the field', async (t) => {
      const csrf = await redaktion.csrf(page);
      const wrong = await redaktion.post(`${page}/leistungsbeschreibungen`, { _csrf: csrf, leikaKey: '123' });
      t.equal(wrong.statusCode, 422);
      t.match(wrong.body, /href="#f-leikaKey"/);
      t.match(wrong.body, /id="f-leikaKey"[^>]*aria-invalid="true"/);
      const foreign = await redaktion.post(`${page}/leistungsbeschreibungen`, { _csrf: csrf, leikaKey: '99035004000000' });
      t.equal(foreign.statusCode, 422, 'a key of another solution');
      const nul = await redaktion.post(`${page}/leistungsbeschreibungen`, { _csrf: csrf, leikaKey: LEIKA, note: 'a\u0000b' });
      t.equal(nul.statusCode, 422);
      t.match(nul.body, /href="#f-note"/);
      const long = await redaktion.post(`${page}/leistungsbeschreibungen`, { _csrf: csrf, leikaKey: LEIKA, note: 'x'.repeat(100_000) });
      t.ok([413, 422].includes(long.statusCode), `100 kB note refused (${long.statusCode})`);
      const done = await redaktion.post(`${page}/leistungsbeschreibungen`, { _csrf: csrf, leikaKey: LEIKA, note: 'im BUS-BB <hinterlegt>' });
      t.equal(done.statusCode, 303, done.body);
      const after = await redaktion.get(done.headers.location as string);
      t.match(after.body, /Die Leistungsbeschreibung ist als im BUS-BB hinterlegt bestätigt/);
      t.match(after.body, /im BUS-BB &#60;hinterlegt&#62;/);
      const api = (await env.app.inject({ url: `${base}/bus-bb/leistungsbeschreibungen`, headers: bearer(token) })).json();
      t.equal(api.allConfirmed, true, 'the API sees the confirmation');
      const again = await redaktion.post(`${page}/leistungsbeschreibungen`, { _csrf: csrf, leikaKey: LEIKA });
      t.equal(again.statusCode, 409);
      t.match(again.body, /bereits bestätigt/);
    });

    t.test('confirming a participant’s BUS-BB step: once per form; a step out of order and the blocked go-live: 409', async (t) => {
      const { csrf, key } = await redaktion.eventForm(page);
      const action = `${page}/teilnehmende/${POTSDAM}/ereignis`;
      const fields = { _csrf: csrf, schluessel: key, ereignis: 'BUS_BB_SCHRITT_BESTAETIGEN', schritt: 'online-dienst-angelegt' };
      const sent = await redaktion.post(action, fields);
      t.equal(sent.statusCode, 303, sent.body);
      t.match((await redaktion.get(sent.headers.location as string)).body, /Der BUS-BB-Schritt ist bestätigt/);
      t.equal((await redaktion.post(action, fields)).statusCode, 303, 'the same form again: applied once');
      const participant = (await env.app.inject({ url: `${base}/participants/${POTSDAM}`, headers: bearer(token) })).json();
      t.ok(participant.context.busBbSchritte['online-dienst-angelegt'].bestaetigtAm, 'confirmed through the engine');
      const history = (await env.app.inject({ url: `${base}/history?ars=${POTSDAM}`, headers: bearer(token) })).json();
      t.equal(history.items.filter((h: Json) => h.eventType === 'BUS_BB_SCHRITT_BESTAETIGEN').length, 1, 'one history row');
      const second = await redaktion.post(action, { ...fields, schritt: 'zustaendigkeit-zugeordnet' });
      t.equal(second.statusCode, 303, 'the next step from the same page (its key) is another form');
      const steps = (await env.app.inject({ url: `${base}/participants/${POTSDAM}`, headers: bearer(token) })).json().context.busBbSchritte;
      t.ok(steps['zustaendigkeit-zugeordnet'].bestaetigtAm, 'and was applied, not taken for a repeat');
      const skip = await redaktion.post(`${page}/teilnehmende/${COTTBUS}/ereignis`, { ...fields, schluessel: crypto.randomUUID(), schritt: 'lsp-sichtbar' });
      t.equal(skip.statusCode, 409, 'a step out of order');
      const live = await redaktion.post(action, { _csrf: csrf, schluessel: crypto.randomUUID(), ereignis: 'LIVE_BESTAETIGEN' });
      t.equal(live.statusCode, 409);
      t.match(live.body, /lsp-sichtbar/);
      const steer = await redaktion.post(action, { _csrf: csrf, schluessel: crypto.randomUUID(), ereignis: 'AUSSCHLIESSEN' });
      t.equal(steer.statusCode, 422, 'no other event through this page');
      const noKey = await redaktion.post(action, { _csrf: csrf, ereignis: 'LIVE_BESTAETIGEN' });
      t.equal(noKey.statusCode, 422);
    });

    let resultPath = '';
    t.test('bad export files: 4xx naming the file field, nothing written', async (t) => {
      const csrf = await redaktion.csrf(page);
      const before = await reconciliations();
      const cases: [string, Buffer, number][] = [
        ['leer.json', Buffer.alloc(0), 422],
        ['nul.json', Buffer.from('{"leistungen":[],\u0000"zustaendigkeiten":[]}'), 422],
        ['abgeschnitten.json', exportFile.subarray(0, exportFile.length / 2), 422],
        ['latin1.json', Buffer.from('{"quelle":"Stra\u00dfe","leistungen":[],"zustaendigkeiten":[]}', 'latin1'), 422],
        ['falsch.json', Buffer.from('{"leistungen":[],"zustaendigkeiten":{"keine":"Liste"}}'), 422],
        ['gross.json', Buffer.alloc(4 * 1024 * 1024 + 10, 0x20), 413],
      ];
      for (const [filename, content, status] of cases) {
        const response = await postMultipart(env, redaktion, `${page}/abgleiche`, { _csrf: csrf }, { name: 'datei', filename, content, type: 'application/json' });
        t.equal(response.statusCode, status, `${filename}: ${status}`);
        t.match(response.body, /href="#f-datei"/, `${filename}: the summary names the file field`);
        t.match(response.body, /id="f-datei"[^>]*aria-invalid="true"/);
        if (filename !== 'leer.json') t.match(response.body, filename, `${filename} is named`);
      }
      t.equal(await reconciliations(), before, 'nothing was written');
    });

    t.test('CSRF and cross-site also for the upload: 403, nothing written', async (t) => {
      const csrf = await redaktion.csrf(page);
      const file = { name: 'datei', filename: 'export.json', content: exportFile };
      t.equal((await postMultipart(env, redaktion, `${page}/abgleiche`, {}, file)).statusCode, 403, 'without the CSRF value');
      t.equal((await postMultipart(env, redaktion, `${page}/abgleiche`, { _csrf: 'falsch' }, file)).statusCode, 403, 'a wrong CSRF value');
      const cross = await postMultipart(env, redaktion, `${page}/abgleiche`, { _csrf: csrf }, file, { origin: 'https://evil.example' });
      t.equal(cross.statusCode, 403, 'from another site');
      t.equal(await reconciliations(), 0);
    });

    t.test('an upload shows the four categories as the JSON route has them; apply after the confirmation', async (t) => {
      const csrf = await redaktion.csrf(page);
      const uploaded = await postMultipart(env, redaktion, `${page}/abgleiche`, { _csrf: csrf }, { name: 'datei', filename: 'pvog-export.json', content: exportFile, type: 'application/json' });
      t.equal(uploaded.statusCode, 303, uploaded.body);
      resultPath = String(uploaded.headers.location).split('?')[0]!;
      const rid = resultPath.split('/').pop()!;
      const result = await redaktion.get(String(uploaded.headers.location));
      t.equal(result.statusCode, 200);
      t.match(result.body, /Der Export ist eingelesen und abgeglichen/);
      const json = (await env.app.inject({ url: `${base}/reconciliations/${rid}`, headers: bearer(token) })).json();
      t.same(json.summary.categories, { bestaetigt: 1, 'gemeldet-nicht-gefunden': 1, 'gefunden-nicht-gemeldet': 3, fehlt: 2 });
      for (const category of CATEGORIES) {
        const shown = section(result.body, category);
        t.equal(shown.count, json.summary.categories[category], `${category}: the count of the JSON route`);
        t.match(shown.text, /<caption>/, `${category}: a table with caption`);
        for (const p of json.participants.filter((p: Json) => p.category === category)) t.match(shown.text, p.ars, `${p.ars} under ${category}`);
      }
      const listed = await redaktion.get(page);
      t.match(listed.body, new RegExp(`href="${resultPath}"`), 'in the list of reconciliations');

      const ask = await redaktion.post(`${resultPath}/anwenden`, { _csrf: csrf });
      t.equal(ask.statusCode, 200);
      t.match(ask.body, /2 Behörden wechseln/, 'Brandenburg (eingeladen) and Amt Biesenthal (onboarding); Frankfurt stays');
      t.equal((await env.app.inject({ url: `${base}/reconciliations/${rid}`, headers: bearer(token) })).json().appliedAt, null, 'asking applied nothing');
      const applied = await redaktion.post(`${resultPath}/anwenden`, { _csrf: csrf, bestaetigt: 'ja' });
      t.equal(applied.statusCode, 303, applied.body);
      const after = await redaktion.get(applied.headers.location as string);
      t.match(after.body, /Der Abgleich ist angewandt/);
      t.match(after.body, /Übernommen: 2, nicht übernommen: 1/);
      const participant = (await env.app.inject({ url: `${base}/participants/${BRANDENBURG}`, headers: bearer(token) })).json();
      t.equal(participant.stage, 'bus-bb-verknuepft');
      const twice = await redaktion.post(`${resultPath}/anwenden`, { _csrf: csrf, bestaetigt: 'ja' });
      t.equal(twice.statusCode, 409);
      t.match(twice.body, /bereits/);
    });

    t.test('roles: the Kaz reads without forms and gets 403 on every action; the ministry reads its results; another ministry 404', async (t) => {
      const kaz = staffClient(env);
      await kaz.signedIn(await env.roleToken('kaz'));
      const shown = await kaz.get(page);
      t.equal(shown.statusCode, 200);
      t.notMatch(shown.body, /<form method="post" action="[^"]*bus-bb/, 'no action forms');
      const csrf = await kaz.csrf('/verwaltung');
      t.equal((await kaz.post(`${page}/leistungsbeschreibungen`, { _csrf: csrf, leikaKey: LEIKA })).statusCode, 403);
      t.equal((await kaz.post(`${page}/teilnehmende/${COTTBUS}/ereignis`, { _csrf: csrf, schluessel: crypto.randomUUID(), ereignis: 'BUS_BB_SCHRITT_BESTAETIGEN', schritt: 'online-dienst-angelegt' })).statusCode, 403);
      t.equal((await postMultipart(env, kaz, `${page}/abgleiche`, { _csrf: csrf }, { name: 'datei', filename: 'x.json', content: exportFile })).statusCode, 403);
      t.equal((await kaz.post(`${resultPath}/anwenden`, { _csrf: csrf })).statusCode, 403);
      const ministry = staffClient(env);
      await ministry.signedIn(token);
      const result = await ministry.get(resultPath);
      t.equal(result.statusCode, 200, 'the ministry sees the reconciliation results');
      t.match(result.body, /Gefunden, nicht gemeldet \(3\)/);
      const other = staffClient(env);
      await other.signedIn(await env.ministryToken('MIK'));
      t.equal((await other.get(page)).statusCode, 404);
      t.equal((await other.get(resultPath)).statusCode, 404);
      t.equal((await redaktion.get('/verwaltung/loesungen/kein-uuid/bus-bb')).statusCode, 404);
    });
  });
}
