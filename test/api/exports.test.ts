import t from 'tap';
import { buildTestApp, bearer } from '../helpers/app.ts';
import { databaseKinds } from '../helpers/databases.ts';
import { staffClient } from '../helpers/staff-client.ts';
import { BARNIM, ticketSetUp } from '../helpers/tickets.ts';
import { readCsv } from '../helpers/spreadsheet-csv.ts';

/**
 * The exports of one solution, read back as a German spreadsheet reads a CSV file: BOM,
 * `;`, CRLF, quotes – German headers, umlauts intact, Berlin dates, every cell an
 * authority could make a formula starting with `'`; the JSON the list routes' items; the
 * roles of the list routes; the staff download keeping the table's filter.
 */

const MOL = '120640000000'; // Märkisch-Oderland
const OBERHAVEL = '120650000000';
const UCKERMARK = '120730000000';
const HAVELLAND = '120630000000';
const COTTBUS = '120520000000';
const FRANKFURT = '120530000000';
const HOSTILE = '=HYPERLINK("http://evil.example")';
const FORMULA = /^[=+\-@\t\r]/;
const GERMAN_DATE = /^\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}$/;


const berlin = (iso: string) => {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('de-DE', { timeZone: 'Europe/Berlin', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(new Date(iso))
      .map((x) => [x.type, x.value]),
  );
  return `${p.day}.${p.month}.${p.year} ${p.hour}:${p.minute}`;
};

for (const kind of databaseKinds()) {
  t.test(`exports of a solution (${kind})`, async (t) => {
    const env = await buildTestApp(t, kind);
    const { token, kaz, id, api, participantEvent } = await ticketSetUp(env);
    for (const [ars, type, reason] of [
      [MOL, 'ABLEHNEN', HOSTILE],
      [OBERHAVEL, 'NICHT_ZUSTAENDIG_MELDEN', '+1'],
      [UCKERMARK, 'ABLEHNEN', '-2'],
      [HAVELLAND, 'NICHT_ZUSTAENDIG_MELDEN', '@SUM(A1)'],
    ] as const) {
      const sent = await participantEvent(ars, { type, reason });
      t.equal(sent.statusCode, 200, `${ars} ${type}: ${sent.body}`);
    }
    const ticket = await api('POST', '/tickets', kaz, { solutionId: id, ars: BARNIM, category: 'transport', title: '@SUM(A1); "Zustellung"', description: 'Prüfung' });
    t.equal(ticket.statusCode, 201, ticket.body);
    const wave = await api('POST', `/solutions/${id}/waves`, token, { name: 'Welle Süd', authorities: [COTTBUS, FRANKFURT] });
    t.equal(wave.statusCode, 201, wave.body);
    const get = (url: string, auth: string) => env.app.inject({ url: `/api/v1/solutions/${id}/exports/${url}`, headers: bearer(auth) });

    t.test('participants: CSV as a German spreadsheet reads it, JSON the list route items', async (t) => {
      const csv = await get('participants', token);
      t.equal(csv.statusCode, 200, csv.body);
      t.match(csv.headers['content-type'], /^text\/csv; charset=utf-8/);
      t.match(csv.headers['content-disposition'], /^attachment; filename="teilnehmende-10131-\d{4}-\d{2}-\d{2}\.csv"$/);
      const file = readCsv(csv.body);
      t.ok(file.bom, 'BOM');
      t.same(file.header, ['ARS', 'Behörde', 'Art', 'Kreis (ARS)', 'Stadium', 'Begründung', 'Wellen', 'Offene blockierende Tickets', 'E-Mail', 'Letzte Änderung', 'Stadium (Schlüssel)']);
      const list = await api('GET', `/solutions/${id}/participants?limit=100`, token);
      t.equal(file.rows.length, list.json().total, 'every row, as many as the list route counts');
      t.equal(file.rows.length, 18);
      const byArs = new Map(file.rows.map((row) => [row.ARS, row]));
      t.match(byArs.get(MOL)!.Behörde, /Märkisch-Oderland/, 'umlauts intact');
      t.equal(byArs.get(MOL)!.Begründung, `'${HOSTILE}`);
      t.same([byArs.get(MOL)!.Stadium, byArs.get(MOL)!['Stadium (Schlüssel)']], ['Nachnutzung abgelehnt', 'abgelehnt'], 'the stage in words, its key beside');
      t.equal(byArs.get(OBERHAVEL)!.Begründung, "'+1");
      t.equal(byArs.get(UCKERMARK)!.Begründung, "'-2");
      t.equal(byArs.get(HAVELLAND)!.Begründung, "'@SUM(A1)");
      t.same(file.rows.flatMap(Object.values).filter((cell) => FORMULA.test(cell)), [], 'no cell a spreadsheet runs as a formula');
      const items = list.json().items as { ars: string; updatedAt: string }[];
      for (const row of file.rows) t.match(row['Letzte Änderung'], GERMAN_DATE);
      t.equal(byArs.get(MOL)!['Letzte Änderung'], berlin(items.find((item) => item.ars === MOL)!.updatedAt), 'the Berlin wall time');
      t.equal(byArs.get(COTTBUS)!.Wellen, 'Welle Süd');

      const json = await get('participants?format=json', token);
      t.equal(json.statusCode, 200);
      t.match(json.headers['content-type'], /^application\/json/);
      t.match(json.headers['content-disposition'], /filename="teilnehmende-10131-[\d-]+\.json"/);
      t.same(json.json(), list.json().items, 'the list route items, API keys');
    });

    t.test('tickets and waves', async (t) => {
      const csv = readCsv((await get('tickets', kaz)).body);
      const list = await api('GET', `/tickets?solutionId=${id}&limit=100`, kaz);
      t.equal(csv.rows.length, list.json().total);
      const row = csv.rows.find((r) => r.ARS === BARNIM)!;
      t.equal(row.Betreff, `'@SUM(A1); "Zustellung"`, 'neutralised, the ; and quotes read back');
      t.match(row['Angelegt am'], GERMAN_DATE);
      t.equal(row.Blockierend, 'nein');
      const json = await get('tickets?format=json', kaz);
      t.same(json.json(), list.json().items);

      const waves = await get('waves?format=json', token);
      t.equal(waves.statusCode, 200);
      t.equal(waves.json().length, 1);
      t.equal(waves.json()[0].members.length, 2);
      const waveCsv = readCsv((await get('waves', token)).body);
      t.same(waveCsv.rows.map((r) => `${r.Welle} ${r.ARS}`).sort(), [`Welle Süd ${COTTBUS}`, `Welle Süd ${FRANKFURT}`]);
      for (const r of waveCsv.rows) t.match(r['Hinzugefügt am'], GERMAN_DATE);
      t.equal(waveCsv.header[0], 'Welle');
      t.same(waveCsv.rows.map((r) => r.Stadium), ['informiert', 'informiert'], 'the members’ stage in words');
    });

    t.test('roles as the list routes: Landesredaktion no tickets, another ministry 404, bad format 422', async (t) => {
      const redaktion = await env.roleToken('landesredaktion');
      t.equal((await get('tickets', redaktion)).statusCode, 403);
      t.equal((await get('participants', redaktion)).statusCode, 200);
      const mik = await env.ministryToken('MIK');
      for (const what of ['participants', 'tickets', 'waves']) t.equal((await get(what, mik)).statusCode, 404, `${what}: another ministry's solution`);
      t.equal((await get('participants?format=xlsx', token)).statusCode, 422);
    });

    t.test('staff: the table links its filter, the download keeps it; roles as the API', async (t) => {
      const staff = staffClient(env);
      await staff.signedIn(token);
      const page = await staff.get(`/verwaltung/loesungen/${id}/teilnehmende?stadium=abgelehnt`);
      t.equal(page.statusCode, 200);
      const link = /href="([^"]*export\/teilnehmende\.csv[^"]*)"/.exec(page.body)?.[1]?.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n))).replaceAll('&amp;', '&');
      t.equal(link, `/verwaltung/loesungen/${id}/export/teilnehmende.csv?stadium=abgelehnt`);
      const download = await staff.get(link!);
      t.equal(download.statusCode, 200);
      t.match(download.headers['content-disposition'], /attachment; filename="teilnehmende-10131-/);
      t.same(readCsv(download.body).rows.map((r) => r.ARS).sort(), [MOL, UCKERMARK].sort(), 'only the filtered rows');
      const tickets = await staff.get(`/verwaltung/loesungen/${id}/tickets`);
      t.match(tickets.body, `/verwaltung/loesungen/${id}/export/tickets.csv`);
      t.equal((await staff.get(`/verwaltung/loesungen/${id}/export/wellen.json`)).json().length, 1);
      const redaktion = staffClient(env);
      await redaktion.signedIn(await env.roleToken('landesredaktion'));
      t.equal((await redaktion.get(`/verwaltung/loesungen/${id}/export/tickets.csv`)).statusCode, 403);
      const mik = staffClient(env);
      await mik.signedIn(await env.ministryToken('MIK'));
      t.equal((await mik.get(`/verwaltung/loesungen/${id}/export/teilnehmende.json`)).statusCode, 404);
      t.equal((await staff.get(`/verwaltung/loesungen/${id}/export/teilnehmende.csv?stadium=gibtsnicht`)).statusCode, 422);
    });
  });
}
