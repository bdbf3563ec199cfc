import { randomUUID } from 'node:crypto';
import t from 'tap';
import { bearer, buildTestApp } from '../helpers/app.ts';
import { databaseKinds } from '../helpers/databases.ts';
import { OWN_ORIGIN } from '../helpers/forms.ts';
import { pilotPhaseWithCandidates } from '../helpers/pilots.ts';
import { staffClient } from '../helpers/staff-client.ts';
import { formValues } from '../helpers/staff-forms.ts';

/**
 * The pilot pages of a solution through inject, signed in for real: the candidates with
 * exactly the events the participant API allows, a pilot confirmed and declined through
 * them (a double submit applies once, a missing reason is a 422 naming the field, a
 * refused event a 409 with the machine's reason), one pilot's checklist, meetings and
 * ZIT-BB involvement as the pilot API then shows them, bad input (NUL bytes, 100 kB,
 * impossible dates) refused without storing anything, and who may do what: the
 * Landesredaktion reads, the Kaz works checklists but sends no events, another ministry
 * finds nothing, a form without CSRF value or from another site is refused.
 */

const BIG = 'x'.repeat(100 * 1024);

for (const kind of databaseKinds()) {
  t.test(`the pilot pages (${kind})`, async (t) => {
    const env = await buildTestApp(t, kind);
    const token = await env.ministryToken('MSGIV');
    const { id, base, candidates } = await pilotPhaseWithCandidates(env, token, 3);
    const [a, b, c] = candidates as [{ ars: string; name: string }, { ars: string; name: string }, { ars: string; name: string }];
    const list = `/verwaltung/loesungen/${id}/piloten`;
    const pilotA = `${list}/${a.ars}`;
    const ministry = staffClient(env);
    await ministry.signedIn(token);
    const api = async (path: string) => (await env.app.inject({ url: `${base}${path}`, headers: bearer(token) })).json();
    const history = async (ars: string, type: string) => (await api(`/history?ars=${ars}`)).items.filter((row: { eventType: string }) => row.eventType === type).length;
    const send = async (page: string, action: string, fields: Record<string, string>) => {
      const { csrf, key } = formValues((await ministry.get(page)).body);
      return { key, csrf, response: await ministry.post(action, { _csrf: csrf, schluessel: key, ...fields }) };
    };

    t.test('the candidates page: every candidate with the events its participant route allows', async (t) => {
      const page = await ministry.get(list);
      t.equal(page.statusCode, 200);
      t.match(page.body, /<h1>Piloten: Elterngeld digital<\/h1>/);
      t.match(page.body, /aria-current="page">Piloten</);
      for (const candidate of candidates) {
        const detail = await api(`/participants/${candidate.ars}`);
        const start = page.body.indexOf(`id="kandidat-${candidate.ars}"`);
        const next = page.body.indexOf('id="kandidat-', start + 1);
        const card = page.body.slice(start, next > 0 ? next : undefined);
        const shown = [...card.matchAll(/name="ereignis" value="([A-Z_]+)"/g)].map((m) => m[1]);
        const pilotEvents = detail.allowedEvents.filter((type: string) => ['PILOT_BESTAETIGEN', 'PILOT_ZURUECKSTELLEN', 'PILOT_ABLEHNEN'].includes(type));
        t.same(shown.sort(), pilotEvents.sort(), `${candidate.name}: the API's decisions`);
        t.match(card, /vom Ministerium vorgeschlagen, Referat 32/);
      }
      const items = await api('/pilot-checklist-items');
      t.equal([...page.body.matchAll(/<li>[^<]+(?: \(optional\))?(?:<span|<\/li>)/g)].length >= items.items.length, true);
      t.match(page.body, /Lessons learned/);
      t.match(page.body, /Noch keine Einträge/);
    });

    t.test('confirming a pilot: 303 with notice, as the API then shows it; a double submit applies once', async (t) => {
      const { csrf, key, response } = await send(list, `${pilotA}/ereignis`, { ereignis: 'PILOT_BESTAETIGEN', zurueck: 'liste' });
      t.equal(response.statusCode, 303);
      t.equal(response.headers.location, `${list}?erfolg=PILOT_BESTAETIGEN`);
      const again = await ministry.post(`${pilotA}/ereignis`, { _csrf: csrf, schluessel: key, ereignis: 'PILOT_BESTAETIGEN', zurueck: 'liste' });
      t.equal(again.statusCode, 303);
      t.equal((await api(`/participants/${a.ars}`)).stage, 'pilot-bestaetigt');
      t.equal(await history(a.ars, 'PILOT_BESTAETIGEN'), 1, 'applied once');
      t.match((await ministry.get(response.headers.location as string)).body, /Die Behörde ist als Pilot bestätigt/);
      const refused = await send(list, `${pilotA}/ereignis`, { ereignis: 'PILOT_BESTAETIGEN', zurueck: 'pilot' });
      t.equal(refused.response.statusCode, 409, 'no longer a candidate');
      t.match(refused.response.body, /Das war nicht möglich/);
    });

    t.test('declining needs a reason: 422 naming it, nothing applied; with one, applied', async (t) => {
      const missing = await send(list, `${list}/${b.ars}/ereignis`, { ereignis: 'PILOT_ABLEHNEN', zurueck: 'liste', reason: '  ' });
      t.equal(missing.response.statusCode, 422);
      t.match(missing.response.body, new RegExp(`href="#f-${b.ars}-reason">Begründung: `));
      t.match(missing.response.body, new RegExp(`id="f-${b.ars}-reason" name="reason"[^>]*aria-invalid="true"`));
      t.equal((await api(`/participants/${b.ars}`)).stage, 'pilot-kandidat');
      const declined = await send(list, `${list}/${b.ars}/ereignis`, { ereignis: 'PILOT_ABLEHNEN', zurueck: 'liste', reason: 'Kein Personal <vor 2027>' });
      t.equal(declined.response.statusCode, 303);
      t.equal((await api(`/participants/${b.ars}`)).stage, 'interessiert');
      t.match((await ministry.get(list)).body, /abgelehnt am [^<]+ – Kein Personal &#60;vor 2027&#62;/, 'the reason, escaped');
      const unknown = await send(list, `${list}/${b.ars}/ereignis`, { ereignis: 'AUSSCHLIESSEN', zurueck: 'liste', reason: 'x' });
      t.equal(unknown.response.statusCode, 409, 'only the pilot events');
    });

    t.test("one pilot's checklist: each status as PUT …/checklist/:key gives it", async (t) => {
      const page = await ministry.get(pilotA);
      t.equal(page.statusCode, 200);
      t.match(page.body, new RegExp(`<h1>Pilot ${a.name}</h1>`));
      const ticked = await send(pilotA, `${pilotA}/checkliste/avv`, { status: 'erledigt', reason: '' });
      t.equal(ticked.response.statusCode, 303);
      let checklist = await api(`/pilots/${a.ars}/checklist`);
      t.equal(checklist.items.find((item: { key: string }) => item.key === 'avv').status, 'erledigt');
      t.match((await ministry.get(ticked.response.headers.location as string)).body, /Der Punkt der Checkliste ist gespeichert/);
      const noReason = await send(pilotA, `${pilotA}/checkliste/produktionstest`, { status: 'entfaellt', reason: '' });
      t.equal(noReason.response.statusCode, 422);
      t.match(noReason.response.body, /href="#f-grund-produktionstest">Begründung: /);
      t.equal((await api(`/pilots/${a.ars}/checklist`)).items.find((item: { key: string }) => item.key === 'produktionstest').status, 'offen', 'nothing stored');
      const dropped = await send(pilotA, `${pilotA}/checkliste/produktionstest`, { status: 'entfaellt', reason: 'kein Testsystem' });
      t.equal(dropped.response.statusCode, 303);
      const untick = await send(pilotA, `${pilotA}/checkliste/avv`, { status: 'offen', reason: '' });
      t.equal(untick.response.statusCode, 303);
      checklist = await api(`/pilots/${a.ars}/checklist`);
      t.same(checklist.items.filter((item: { status: string }) => item.status !== 'offen').map((item: { key: string; reason: string }) => [item.key, item.reason]), [['produktionstest', 'kein Testsystem']]);
      t.equal((await send(pilotA, `${pilotA}/checkliste/gibt-es-nicht`, { status: 'erledigt' })).response.statusCode, 404);
      t.equal((await send(pilotA, `${pilotA}/checkliste/avv`, { status: 'fertig' })).response.statusCode, 422);
    });

    t.test('an own checklist item: added once, listed as the API lists it; bad input stores nothing', async (t) => {
      const before = (await api('/pilot-checklist-items')).items.length;
      const { csrf, key, response } = await send(list, `${list}/checkliste`, { label: 'Datenschutz-Folgenabschätzung', optional: 'ja' });
      t.equal(response.statusCode, 303);
      t.equal((await ministry.post(`${list}/checkliste`, { _csrf: csrf, schluessel: key, label: 'Datenschutz-Folgenabschätzung', optional: 'ja' })).statusCode, 303);
      const items = (await api('/pilot-checklist-items')).items;
      t.equal(items.length, before + 1, 'a double submit adds one');
      t.same(items.at(-1), { key: 'eigen-1', label: 'Datenschutz-Folgenabschätzung', optional: true, eigen: true });
      for (const label of ['', BIG, 'Null\u0000Byte', 'Zwei\nZeilen']) {
        const bad = await send(list, `${list}/checkliste`, { label });
        t.equal(bad.response.statusCode, 422, JSON.stringify(label.slice(0, 20)));
        t.match(bad.response.body, /href="#f-label">Bezeichnung des Punkts: /);
      }
      t.equal((await api('/pilot-checklist-items')).items.length, before + 1, 'nothing else stored');
    });

    t.test('meetings: recorded once, as the API lists them; wrong dates and oversize notes refused', async (t) => {
      const fields = { art: 'videokonferenz', datum: '2026-03-02', teilnehmende: 'Frau Beispiel, Amt\nHerr Muster, Kaz', notizen: 'Anbindung <besprochen>', folgeaufgaben: 'AVV senden', moderiertDurchKaz: 'ja' };
      const { csrf, key, response } = await send(pilotA, `${pilotA}/termine`, fields);
      t.equal(response.statusCode, 303);
      t.equal((await ministry.post(`${pilotA}/termine`, { _csrf: csrf, schluessel: key, ...fields })).statusCode, 303);
      const meetings = await api(`/pilots/${a.ars}/meetings`);
      t.equal(meetings.total, 1, 'a double submit records one');
      t.match(meetings.items[0], { art: 'videokonferenz', datum: '2026-03-02', teilnehmende: ['Frau Beispiel, Amt', 'Herr Muster, Kaz'], notizen: 'Anbindung <besprochen>', folgeaufgaben: ['AVV senden'], moderiertDurchKaz: true });
      t.match((await ministry.get(pilotA)).body, /Anbindung &#60;besprochen&#62;/);
      for (const [name, value] of [['datum', '2026-02-30'], ['datum', 'morgen'], ['notizen', BIG], ['teilnehmende', ''], ['art', 'brief'], ['notizen', 'a\u0000b']] as const) {
        const bad = await send(pilotA, `${pilotA}/termine`, { ...fields, [name]: value });
        t.equal(bad.response.statusCode, 422, `${name}: ${value.slice(0, 12)}`);
        t.match(bad.response.body, new RegExp(`href="#f-${name}">`), `${name} named`);
      }
      t.equal((await api(`/pilots/${a.ars}/meetings`)).total, 1, 'nothing else stored');
    });

    t.test('ZIT-BB and DIKOM: the form sets what GET …/it-support then shows', async (t) => {
      const saved = await send(pilotA, `${pilotA}/it-unterstuetzung`, { zitBb: 'ja', dikom: 'ja', seit: '2026-01-15', kontakt: 'ZIT-BB, Frau Kontakt' });
      t.equal(saved.response.statusCode, 303);
      t.match(await api(`/pilots/${a.ars}/it-support`), { zitBb: true, dikom: true, seit: '2026-01-15', kontakt: 'ZIT-BB, Frau Kontakt' });
      const bad = await send(pilotA, `${pilotA}/it-unterstuetzung`, { zitBb: 'ja', seit: '2026-13-01' });
      t.equal(bad.response.statusCode, 422);
      t.match(bad.response.body, /href="#f-seit">Seit wann: /);
      t.match(await api(`/pilots/${a.ars}/it-support`), { dikom: true, seit: '2026-01-15' }, 'unchanged');
    });

    t.test('the go-live: open checklist refused with the reason (409), complete applied', async (t) => {
      const refused = await send(pilotA, `${pilotA}/ereignis`, { ereignis: 'PILOT_LIVE_MELDEN', zurueck: 'pilot', onlineDienstUrl: 'https://elterngeld.example/a' });
      t.equal(refused.response.statusCode, 409);
      t.match(refused.response.body, /Checkliste/);
      const badUrl = await send(pilotA, `${pilotA}/ereignis`, { ereignis: 'PILOT_LIVE_MELDEN', zurueck: 'pilot', onlineDienstUrl: 'ftp://x' });
      t.equal(badUrl.response.statusCode, 422);
      t.match(badUrl.response.body, new RegExp(`href="#f-${a.ars}-onlineDienstUrl">Adresse \\(URL\\) des Online-Dienstes: `));
      const live = await send(pilotA, `${pilotA}/ereignis`, { ereignis: 'PILOT_LIVE_MELDEN', zurueck: 'pilot', onlineDienstUrl: 'https://elterngeld.example/a', overrideReason: 'Landesweite Frist' });
      t.equal(live.response.statusCode, 303);
      t.equal((await api(`/participants/${a.ars}`)).stage, 'pilot-live');
      t.match((await ministry.get(pilotA)).body, /gibt es hier gerade nichts zu entscheiden oder zu melden/);
      const closed = await send(pilotA, `${pilotA}/checkliste/avv`, { status: 'erledigt' });
      t.equal(closed.response.statusCode, 409, 'after the go-live the checklist is a record');
      t.match(closed.response.body, /nur in den Stadien pilot-kandidat, pilot-bestaetigt möglich/);
    });

    t.test('roles: the Landesredaktion reads but acts on nothing; the Kaz works checklists but sends no events', async (t) => {
      const redaktion = staffClient(env);
      await redaktion.signedIn(await env.roleToken('landesredaktion'));
      const page = await redaktion.get(list);
      t.equal(page.statusCode, 200);
      t.notMatch(page.body, /name="ereignis"/, 'no event buttons to press');
      t.notMatch(page.body, /Eigenen Punkt ergänzen/);
      t.match(page.body, /sendet an Teilnehmende nur/, 'blocked, with the reason');
      t.equal((await redaktion.get(`${list}/${c.ars}`)).statusCode, 403, 'no checklists, as over the API');
      const csrf = await redaktion.csrf('/verwaltung');
      const event = await redaktion.post(`${list}/${c.ars}/ereignis`, { _csrf: csrf, schluessel: randomUUID(), ereignis: 'PILOT_BESTAETIGEN', zurueck: 'liste' });
      t.equal(event.statusCode, 403);
      t.match(event.body, /sendet an Teilnehmende nur BUS_BB_SCHRITT_BESTAETIGEN/);
      const back = await redaktion.post(`${list}/${c.ars}/ereignis`, { _csrf: csrf, schluessel: randomUUID(), ereignis: 'PILOT_BESTAETIGEN', zurueck: 'pilot' });
      t.equal(back.statusCode, 403);
      t.notMatch(back.body, /Checkliste<\/h2>|Termine<\/h2>/, 'answered with the candidates page, not the pilot page it may not read');
      t.equal((await api(`/participants/${c.ars}`)).stage, 'pilot-kandidat');

      const kaz = staffClient(env);
      await kaz.signedIn(await env.roleToken('kaz'));
      const pilotC = `${list}/${c.ars}`;
      const kazPage = await kaz.get(pilotC);
      t.equal(kazPage.statusCode, 200);
      const { csrf: kazCsrf, key } = formValues(kazPage.body);
      t.equal((await kaz.post(`${pilotC}/checkliste/avv`, { _csrf: kazCsrf, schluessel: key, status: 'in-arbeit' })).statusCode, 303, 'the Kaz ticks checklists');
      t.equal((await api(`/pilots/${c.ars}/checklist`)).items.find((item: { key: string }) => item.key === 'avv').status, 'in-arbeit');
      t.equal((await kaz.post(`${pilotC}/ereignis`, { _csrf: kazCsrf, schluessel: key, ereignis: 'PILOT_BESTAETIGEN' })).statusCode, 403);
      t.equal((await kaz.post(`${list}/checkliste`, { _csrf: kazCsrf, schluessel: key, label: 'Kaz-Punkt' })).statusCode, 403);
      t.equal((await api(`/participants/${c.ars}`)).stage, 'pilot-kandidat');
    });

    t.test("another ministry finds nothing; forms without CSRF or from another site are refused", async (t) => {
      const other = staffClient(env);
      await other.signedIn(await env.ministryToken('MIL'));
      t.equal((await other.get(list)).statusCode, 404);
      t.equal((await other.get(`${list}/${c.ars}`)).statusCode, 404);
      const csrf = await other.csrf('/verwaltung');
      t.equal((await other.post(`${list}/${c.ars}/checkliste/bundid`, { _csrf: csrf, schluessel: randomUUID(), status: 'erledigt' })).statusCode, 404);
      t.equal((await other.post(`${list}/${c.ars}/ereignis`, { _csrf: csrf, schluessel: randomUUID(), ereignis: 'PILOT_BESTAETIGEN' })).statusCode, 404);
      t.equal((await api(`/pilots/${c.ars}/checklist`)).items.find((item: { key: string }) => item.key === 'bundid').status, 'offen');
      t.equal((await api(`/participants/${c.ars}`)).stage, 'pilot-kandidat');
      t.equal((await other.get(`/verwaltung/loesungen/kein-uuid/piloten`)).statusCode, 404);
      t.equal((await ministry.get(`${list}/12345`)).statusCode, 404, 'no ARS');

      const { key } = formValues((await ministry.get(list)).body);
      const noCsrf = await ministry.post(`${list}/${c.ars}/ereignis`, { schluessel: key, ereignis: 'PILOT_BESTAETIGEN', zurueck: 'liste' });
      t.equal(noCsrf.statusCode, 403);
      const { csrf: own } = formValues((await ministry.get(list)).body);
      const crossSite = await ministry.post(`${list}/${c.ars}/ereignis`, { _csrf: own, schluessel: key, ereignis: 'PILOT_BESTAETIGEN' }, { origin: 'https://evil.example' });
      t.equal(crossSite.statusCode, 403);
      t.equal((await api(`/participants/${c.ars}`)).stage, 'pilot-kandidat');
      t.ok(OWN_ORIGIN);
    });
  });
}
