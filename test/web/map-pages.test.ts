import t, { type Test } from 'tap';
import { bearer, buildTestApp } from '../helpers/app.ts';
import { setUpBusBbRollout, AHRENSFELDE, AMT_BIESENTHAL, AMT_JOACHIMSTHAL, BRANDENBURG, COTTBUS, FRANKFURT, POTSDAM } from '../helpers/busbb-rollout.ts';
import { databaseKinds } from '../helpers/databases.ts';
import { csrfOf, postForm } from '../helpers/forms.ts';
import { issueLinkPath } from '../helpers/links.ts';
import { createSolution, ELTERNGELD } from '../helpers/rollout.ts';
import { staffClient } from '../helpers/staff-client.ts';
import { brandenburgShapes } from '../../src/map/brandenburg.shapes.ts';
import { BKG_SOURCE, BKG_URL } from '../../src/map/map.render.ts';
import { escapeText } from '../../src/markup/html.ts';
import { stageGroupOf } from '../../src/web/map-colours.ts';

/**
 * The maps through inject, signed in for real: every participant's area and its table row
 * carry the colour class of the stage the API reports – also after an authority's answer
 * moved one on –, everything else is grey; a Kreis-level solution is drawn by Kreise; the
 * map of all solutions counts what is live per authority over the solutions the person
 * may see (another ministry sees none of them and not the solution's map: 404); the BKG
 * source line and link are under every map; titles are escaped.
 */

const SVG_AREA = /<a href="\/verwaltung\/loesungen\/[0-9a-f-]{36}\/teilnehmende\/([0-9]{12})"><title>([^<]*)<\/title><path class="([^"]+)"/g;
const TABLE_ROW = /<tr><th scope="row"><a href="\/verwaltung\/loesungen\/[0-9a-f-]{36}\/teilnehmende\/([0-9]{12})">[^<]*<\/a>(?:<br><small>[^<]*<\/small>)?<\/th><td>[^<]*<\/td><td><span class="farbe ([^"]+)">/g;

const classesOf = (body: string, pattern: RegExp) => Object.fromEntries([...body.matchAll(pattern)].map((m) => [m[1], m.at(-1)]));

function expectAttribution(t: Test, body: string, what: string) {
  t.ok(body.includes(`<p class="quelle">Kartengrundlage: <a href="${BKG_URL}">${BKG_SOURCE}</a></p>`), `${what}: the BKG source line, linked`);
}

for (const kind of databaseKinds()) {
  t.test(`the maps (${kind})`, async (t) => {
    const env = await buildTestApp(t, kind);
    const { token, id, base } = await setUpBusBbRollout(env);
    const api = async (auth: string, url: string, payload: Record<string, unknown>) => {
      const response = await env.app.inject({ method: 'POST', url, headers: bearer(auth), payload });
      t.equal(response.statusCode, 200, `${url}: ${response.body}`);
    };
    // Potsdam goes live: the Landesredaktion confirms the text, each BUS-BB step and the go-live
    const redaktion = await env.roleToken('landesredaktion');
    await api(redaktion, `${base}/bus-bb/leistungsbeschreibungen`, { leikaKey: '99050012104000' });
    for (const schritt of ['online-dienst-angelegt', 'zustaendigkeit-zugeordnet', 'lsp-sichtbar']) {
      await api(redaktion, `${base}/participants/${POTSDAM}/events`, { type: 'BUS_BB_SCHRITT_BESTAETIGEN', schritt });
    }
    await api(redaktion, `${base}/participants/${POTSDAM}/events`, { type: 'LIVE_BESTAETIGEN' });
    const stagesByApi = async () =>
      Object.fromEntries(((await env.app.inject({ url: `${base}/participants?limit=100`, headers: bearer(token) })).json().items as { ars: string; stage: string }[]).map((p) => [p.ars, p.stage]));

    const ministry = staffClient(env);
    await ministry.signedIn(token);
    const mapPath = `/verwaltung/loesungen/${id}/karte`;

    t.test('a solution’s map: areas and table rows in the class of each participant’s stage, the rest grey', async (t) => {
      const page = await ministry.get(mapPath);
      t.equal(page.statusCode, 200);
      const stages = await stagesByApi();
      t.same(stages, {
        [POTSDAM]: 'live',
        [COTTBUS]: 'bus-bb-verknuepft',
        [BRANDENBURG]: 'eingeladen',
        [AMT_BIESENTHAL]: 'onboarding',
        [FRANKFURT]: 'informiert',
        [AMT_JOACHIMSTHAL]: 'informiert',
        [AHRENSFELDE]: 'informiert',
      });
      const expected = Object.fromEntries(Object.entries(stages).map(([ars, stage]) => [ars, stageGroupOf(stage).className]));
      t.same(classesOf(page.body, SVG_AREA), expected, 'the map’s areas');
      t.same(classesOf(page.body, TABLE_ROW), expected, 'the table’s rows');
      t.equal(page.body.match(/<path class="grau"/g)?.length, brandenburgShapes().verwaltungen.length - 7, 'every other administration grey');
      t.match(page.body, /<span class="farbe stufe-live"><\/span>live: 1<\/li>/, 'the legend counts in words');
      t.match(page.body, /<span class="farbe stufe-informiert"><\/span>vorgemerkt oder informiert: 3<\/li>/);
      t.match(page.body, new RegExp(`teilnehmende/${POTSDAM}"><title>Potsdam, Stadt: live \\(der Online-Dienst ist live\\), zuletzt geändert am \\d\\d\\.\\d\\d\\.\\d{4}</title>`));
      t.match(page.body, /<a href="[^"]+\/karte" aria-current="page">Karte<\/a>/, 'its tab');
      t.match(page.body, `<h1>Karte: ${escapeText('Gewerbeanmeldung <digital>')}</h1>`, 'the title escaped');
      t.notMatch(page.body, /<digital>/);
      expectAttribution(t, page.body, 'solution map');
    });

    t.test('an answer moves Frankfurt on: its area and its row change with it', async (t) => {
      const mailing = await env.handle.db.selectFrom('mailing').select('id').where('solution_id', '=', id).where('kind', '=', 'erstinformation').executeTakeFirstOrThrow();
      const link = await issueLinkPath(env, { solutionId: id, mailingId: mailing.id, ars: FRANKFURT, purpose: 'interesse' });
      const answered = await postForm(env, link, [['csrf', await csrfOf(env, link)], ['wahl', 'interesse']]);
      t.equal(answered.statusCode, 200, answered.body);
      t.equal((await stagesByApi())[FRANKFURT], 'interessiert');
      const page = await ministry.get(mapPath);
      t.equal(classesOf(page.body, SVG_AREA)[FRANKFURT], 'stufe-interessiert', 'the area');
      t.equal(classesOf(page.body, TABLE_ROW)[FRANKFURT], 'stufe-interessiert', 'the row');
      t.match(page.body, /interessiert: 1<\/li>/);
    });

    t.test('a Kreis-level solution is drawn by Kreise: all 18 its participants, none grey', async (t) => {
      const kreisId = await createSolution(env, token, ELTERNGELD);
      const page = await ministry.get(`/verwaltung/loesungen/${kreisId}/karte`);
      t.equal(page.statusCode, 200);
      const classes = classesOf(page.body, SVG_AREA);
      t.equal(Object.keys(classes).length, 18);
      t.ok(Object.values(classes).every((c) => c === 'stufe-informiert'), 'all vorgemerkt');
      t.notMatch(page.body, /class="grau"/);
      t.equal(Object.keys(classesOf(page.body, TABLE_ROW)).length, 18);
    });

    t.test('the map of all solutions: live per administration, over the solutions the person may see', async (t) => {
      const page = await ministry.get('/verwaltung/karte');
      t.equal(page.statusCode, 200);
      t.match(page.body, /<a href="\/verwaltung\/karte" aria-current="page">Karte<\/a>/, 'in the navigation');
      t.match(page.body, `<a href="#z-${POTSDAM}"><title>Potsdam (Stadt): 1 Lösung live – ${escapeText('Gewerbeanmeldung <digital>')}</title><path class="live-1"`);
      t.match(page.body, `<a href="#z-${COTTBUS}"><title>Cottbus (Stadt): 0 Lösungen live</title><path class="live-0"`);
      t.match(page.body, new RegExp(`<tr id="z-${POTSDAM}"><th scope="row">Potsdam \\(Stadt\\)</th><td>Potsdam</td><td><span class="farbe live-1"></span>1</td><td><a href="/verwaltung/loesungen/${id}/teilnehmende/${POTSDAM}">`));
      t.equal(page.body.match(/<path class="live-1"/g)?.length, 1, 'one area with one solution live');
      t.equal(page.body.match(/<a href="#z-/g)?.length, brandenburgShapes().verwaltungen.length, 'every administration an area');
      t.match(page.body, /1 Lösung live: 1<\/li>/);
      expectAttribution(t, page.body, 'map of all solutions');
    });

    t.test('another ministry: the solution’s map is not found, the map of all solutions counts none of it', async (t) => {
      const other = staffClient(env);
      await other.signedIn(await env.ministryToken('MIK'));
      const foreign = await other.get(mapPath);
      t.equal(foreign.statusCode, 404);
      t.notMatch(foreign.body, /Gewerbeanmeldung/);
      const all = await other.get('/verwaltung/karte');
      t.equal(all.statusCode, 200);
      t.notMatch(all.body, /Gewerbeanmeldung|<path class="live-1"|<td><a href=/, 'nothing of MSGIV’s solution');
      t.match(all.body, /keine Lösung live: \d+<\/li>/);
      const kaz = staffClient(env);
      await kaz.signedIn(await env.roleToken('kaz'));
      t.match((await kaz.get('/verwaltung/karte')).body, /Potsdam \(Stadt\): 1 Lösung live/, 'the Kaz sees every solution');
      t.equal((await kaz.get(mapPath)).statusCode, 200);
    });

    t.test('signed out: to the sign-in; an id that cannot exist: 404', async (t) => {
      const anonymous = await staffClient(env).get(mapPath);
      t.equal(anonymous.statusCode, 303);
      t.match(anonymous.headers.location, /^\/anmelden\?zurueck=/);
      t.equal((await staffClient(env).get('/verwaltung/karte')).statusCode, 303);
      t.equal((await ministry.get('/verwaltung/loesungen/kein-uuid/karte')).statusCode, 404);
      t.equal((await ministry.get('/verwaltung/loesungen/00000000-0000-4000-8000-000000000000/karte')).statusCode, 404);
    });
  });
}
