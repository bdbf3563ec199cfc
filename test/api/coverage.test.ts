import t from 'tap';
import { buildTestApp, bearer } from '../helpers/app.ts';
import { databaseKinds } from '../helpers/databases.ts';
import { BARNIM, BERNAU, BIRKENWERDER, coverageSetUp, EBERSWALDE, GLIENICKE, HENNIGSDORF, OBERHAVEL, POTSDAM } from '../helpers/coverage.ts';
import { readCsv } from '../helpers/spreadsheet-csv.ts';

/**
 * Coverage per Kreis (GET /api/v1/solutions/:id/coverage and its export): the numbers
 * follow the participants' events (live, nicht zuständig), the missing authorities are
 * named with what each waits for (nicht bereit with its Grund, bereit ab, open blocking
 * ticket, overdue answer, declined), ticket titles only for roles with ticket access,
 * another ministry's solution a 404, and the CSV read back as a German spreadsheet does.
 */

const HOSTILE = '=HYPERLINK("http://evil.example")';
const FORMULA = /^[=+\-@\t\r]/;
const DAY_MS = 24 * 60 * 60 * 1000;

interface Blocker {
  kind: string;
  gruende?: string[];
  ab?: string;
  count?: number;
  tickets?: { number: number; title: string }[];
  reason?: string | null;
}
interface Kreis {
  kreisArs: string | null;
  name: string;
  responsible: number;
  live: number;
  percent: number;
  flaechendeckend: boolean;
  missing: { ars: string; name: string; stage: string; stageLabel: string; blockers: Blocker[] }[];
}


for (const kind of databaseKinds()) {
  t.test(`coverage per Kreis (${kind})`, async (t) => {
    const env = await buildTestApp(t, kind);
    const { token, kaz, id, api, participantEvent, goLive } = await coverageSetUp(env);
    const coverage = async (auth = token) => {
      const response = await api('GET', `/solutions/${id}/coverage`, auth);
      if (response.statusCode !== 200) throw new Error(response.body);
      return response.json() as { land: Kreis & { kreise: number; kreiseFlaechendeckend: number }; kreise: Kreis[]; ticketDetails: boolean };
    };
    const kreis = (c: { kreise: Kreis[] }, ars: string) => c.kreise.find((k) => k.kreisArs === ars)!;
    const blockersOf = (k: Kreis, ars: string) => k.missing.find((m) => m.ars === ars)?.blockers ?? [];

    const start = await coverage();
    t.same(
      start.kreise.map((k) => [k.name, k.responsible, k.live]),
      [
        ['Barnim', 3, 0],
        ['Oberhavel', 3, 0],
        ['Potsdam, Stadt', 1, 0],
      ],
      'three Kreise by name; the Landkreis and the kreisfreie Stadt count in their own Kreis',
    );
    t.same(blockersOf(kreis(start, BARNIM), BERNAU), [{ kind: 'keine-antwort' }], 'invited, nothing answered yet');
    t.equal(start.land.responsible, 7);

    // Barnim: the Kreis and Bernau go live, Eberswalde is not ready for want of staff
    await goLive(BARNIM);
    let barnim = kreis(await coverage(), BARNIM);
    t.same([barnim.live, barnim.percent, barnim.flaechendeckend], [1, 33, false], '1 of 3: 33 %, rounded down');
    await goLive(BERNAU);
    await participantEvent(EBERSWALDE, { type: 'BEREITSCHAFT_MELDEN', status: 'nicht-bereit', gruende: ['personal'] });
    barnim = kreis(await coverage(), BARNIM);
    t.same([barnim.live, barnim.percent, barnim.flaechendeckend], [2, 66, false], '2 of 3: 66 %, never rounded up');
    t.same(barnim.missing.map((m) => m.ars), [EBERSWALDE], 'the one missing');
    t.equal(barnim.missing[0]!.stageLabel, 'zur Nachnutzung eingeladen');
    t.same(blockersOf(barnim, EBERSWALDE), [{ kind: 'nicht-bereit', gruende: ['personal'], freitext: null }], 'nicht bereit with its Grund');
    // Eberswalde reports it is not responsible: the two live ones are all Barnim has
    await participantEvent(EBERSWALDE, { type: 'NICHT_ZUSTAENDIG_MELDEN', reason: 'Aufgabe beim Kreis' });
    barnim = kreis(await coverage(), BARNIM);
    t.same([barnim.responsible, barnim.live, barnim.percent, barnim.flaechendeckend, barnim.missing], [2, 2, 100, true, []], 'flächendeckend flips');

    // Potsdam: ready from a date, one blocking and one other open ticket at the Kaz
    await participantEvent(POTSDAM, { type: 'BEREITSCHAFT_MELDEN', status: 'bereit-ab', ab: '2027-03-01' });
    const blocking = await api('POST', '/tickets', kaz, { solutionId: id, ars: POTSDAM, category: 'transport', title: 'XTA-Postfach fehlt', description: 'x', blocking: true });
    t.equal(blocking.statusCode, 201, blocking.body);
    const other = await api('POST', '/tickets', kaz, { solutionId: id, ars: POTSDAM, category: 'sonstiges', title: 'Rückfrage Gebühren', description: 'x' });
    t.equal(other.statusCode, 201, other.body);
    // Oberhavel: Birkenwerder declines (a formula as its reason), Glienicke is not responsible
    await participantEvent(BIRKENWERDER, { type: 'ABLEHNEN', reason: HOSTILE });
    await participantEvent(GLIENICKE, { type: 'NICHT_ZUSTAENDIG_MELDEN', reason: 'keine Hunde' });
    // the answer deadline (start + 14 days) passes and the participants' timers run, as the
    // job queue runs them: a reminder goes out and the machine marks the deadline passed
    env.clock.now = new Date(env.clock.now.getTime() + 15 * DAY_MS);
    await env.worker.drain();

    const now = await coverage();
    t.equal(now.ticketDetails, true);
    const potsdam = blockersOf(kreis(now, POTSDAM), POTSDAM);
    t.same(
      potsdam.map((b) => b.kind),
      ['bereit-ab', 'blockierende-tickets', 'offene-tickets'],
      'Potsdam answered (not overdue) and waits for its date and its tickets',
    );
    t.equal(potsdam[0]!.ab, '2027-03-01');
    t.same(potsdam[1]!.tickets!.map((x) => x.title), ['XTA-Postfach fehlt'], 'the ministry reads the blocking ticket');
    t.same(potsdam[2]!.tickets!.map((x) => x.title), ['Rückfrage Gebühren']);
    const oberhavel = kreis(now, OBERHAVEL);
    t.same([oberhavel.responsible, oberhavel.live, oberhavel.flaechendeckend], [2, 0, false], 'Glienicke does not count');
    t.same(blockersOf(oberhavel, HENNIGSDORF).map((b) => b.kind), ['ueberfaellig'], 'Hennigsdorf let its deadline pass');
    t.same(blockersOf(oberhavel, BIRKENWERDER), [{ kind: 'abgelehnt', reason: HOSTILE }]);
    t.same([now.land.responsible, now.land.live, now.land.percent, now.land.kreiseFlaechendeckend], [5, 2, 40, 1], 'the Land');

    t.test('the Landesredaktion counts tickets, reads no titles; another ministry gets 404', async (t) => {
      const redaktion = await env.roleToken('landesredaktion');
      const response = await api('GET', `/solutions/${id}/coverage`, redaktion);
      t.equal(response.statusCode, 200);
      t.notMatch(response.body, 'XTA-Postfach', 'no ticket title');
      t.notMatch(response.body, '"tickets"', 'no ticket list');
      const c = response.json() as { kreise: Kreis[]; ticketDetails: boolean };
      t.equal(c.ticketDetails, false);
      t.same(blockersOf(kreis(c, POTSDAM), POTSDAM).slice(1), [
        { kind: 'blockierende-tickets', count: 1 },
        { kind: 'offene-tickets', count: 1 },
      ]);
      const mik = await env.ministryToken('MIK');
      t.equal((await api('GET', `/solutions/${id}/coverage`, mik)).statusCode, 404);
      t.equal((await api('GET', `/solutions/${id}/exports/coverage`, mik)).statusCode, 404);
      t.equal((await api('GET', `/solutions/00000000-0000-4000-8000-000000000000/coverage`, token)).statusCode, 404);
      const redaktionCsv = await env.app.inject({ url: `/api/v1/solutions/${id}/exports/coverage`, headers: bearer(redaktion) });
      t.equal(redaktionCsv.statusCode, 200);
      t.notMatch(redaktionCsv.body, 'XTA-Postfach', 'the export shows the Landesredaktion no title either');
    });

    t.test('the participant list behind each number has exactly as many', async (t) => {
      for (const k of now.kreise) {
        for (const [group, count] of [
          ['zustaendig', k.responsible],
          ['live', k.live],
          ['fehlt', k.missing.length],
        ] as const) {
          const list = await api('GET', `/solutions/${id}/participants?landkreis=${k.kreisArs}&abdeckung=${group}`, token);
          t.equal(list.json().total, count, `${k.name} ${group}`);
        }
      }
      t.equal((await api('GET', `/solutions/${id}/participants?abdeckung=fehlt`, token)).json().total, 3);
      t.equal((await api('GET', `/solutions/${id}/participants?abdeckung=irgendwas`, token)).statusCode, 422);
    });

    t.test('export: CSV as a German spreadsheet reads it, JSON the Kreise', async (t) => {
      const csv = await env.app.inject({ url: `/api/v1/solutions/${id}/exports/coverage?format=csv`, headers: bearer(token) });
      t.equal(csv.statusCode, 200, csv.body);
      t.match(csv.headers['content-type'], /^text\/csv; charset=utf-8/);
      t.match(csv.headers['content-disposition'], /^attachment; filename="abdeckung-10400-\d{4}-\d{2}-\d{2}\.csv"$/);
      const file = readCsv(csv.body);
      t.ok(file.bom, 'BOM');
      t.equal(file.header[0], 'Kreis (ARS)');
      t.ok(file.header.includes('Flächendeckend') && file.header.includes('Gründe „nicht bereit“'), 'German headers, umlauts intact');
      t.same(
        file.rows.map((r) => [r.Kreis, r.ARS]),
        [
          ['Barnim', ''],
          ['Oberhavel', BIRKENWERDER],
          ['Oberhavel', HENNIGSDORF],
          ['Potsdam, Stadt', POTSDAM],
        ],
        'one row per missing authority, one for the Kreis nobody is missing in',
      );
      const byArs = new Map(file.rows.map((r) => [r.ARS, r]));
      t.same([file.rows[0]!.Flächendeckend, file.rows[0]!['Prozent live']], ['ja', '100']);
      t.equal(byArs.get(POTSDAM)!['Bereit ab'], '01.03.2027', 'a German date');
      t.equal(byArs.get(POTSDAM)!['Offene blockierende Tickets'], '1');
      t.match(byArs.get(POTSDAM)!['Wartet auf'], /bereit ab 01\.03\.2027; 1 offenes blockierendes Ticket bei der Kaz: #\d+ „XTA-Postfach fehlt“/);
      t.equal(byArs.get(HENNIGSDORF)!['Antwort überfällig'], 'ja');
      t.equal(byArs.get(BIRKENWERDER)!.Ablehnungsgrund, `'${HOSTILE}`, 'the formula neutralised');
      t.same(file.rows.flatMap(Object.values).filter((cell) => FORMULA.test(cell)), [], 'no cell a spreadsheet runs as a formula');
      const json = await env.app.inject({ url: `/api/v1/solutions/${id}/exports/coverage?format=json`, headers: bearer(token) });
      t.match(json.headers['content-disposition'], /filename="abdeckung-10400-[\d-]+\.json"/);
      t.same(json.json(), (await coverage()).kreise, 'the Kreise as GET …/coverage answers them');
    });
  });
}
