import t from 'tap';
import { buildTestApp } from '../helpers/app.ts';
import { databaseKinds } from '../helpers/databases.ts';
import { staffClient } from '../helpers/staff-client.ts';
import { BARNIM, BERNAU, BIRKENWERDER, coverageSetUp, EBERSWALDE, POTSDAM } from '../helpers/coverage.ts';

/**
 * Coverage per Kreis in the staff pages, through inject and signed in for real: the
 * overview's table „Abdeckung nach Kreis“ whose every number links to a participant list
 * with exactly that many authorities, the page `…/abdeckung` naming the missing authorities
 * (linked to their pages) with stage and blockers in words, tickets linked only for roles
 * with ticket access, the export links, hostile text escaped, and who may open it.
 */

const HOSTILE = '<script>alert(1)</script>';
const decode = (href: string) => href.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n))).replaceAll('&amp;', '&');

for (const kind of databaseKinds()) {
  t.test(`the coverage pages (${kind})`, async (t) => {
    const env = await buildTestApp(t, kind);
    const { token, kaz, id, api, participantEvent, goLive } = await coverageSetUp(env);
    await goLive(BARNIM);
    await goLive(BERNAU);
    await participantEvent(EBERSWALDE, { type: 'BEREITSCHAFT_MELDEN', status: 'nicht-bereit', gruende: ['personal'] });
    const ticket = await api('POST', '/tickets', kaz, { solutionId: id, ars: POTSDAM, category: 'transport', title: 'XTA-Postfach fehlt', description: 'x', blocking: true });
    t.equal(ticket.statusCode, 201);
    await participantEvent(BIRKENWERDER, { type: 'ABLEHNEN', reason: HOSTILE });
    const ministry = staffClient(env);
    await ministry.signedIn(token);
    const overview = `/verwaltung/loesungen/${id}`;
    const page = `${overview}/abdeckung`;

    t.test('the overview: the table per Kreis, each number a link to a list of that many', async (t) => {
      const response = await ministry.get(overview);
      t.equal(response.statusCode, 200);
      t.match(response.body, '<h2 id="abdeckung-titel">Abdeckung nach Kreis</h2>');
      t.match(response.body, /<th scope="row"><a href="[^"]*#kreis-120600000000">Barnim<\/a><\/th><td>.*?<\/td><td>.*?<\/td><td>.*?<\/td><td>66 %<\/td><td>nein<\/td>/s, 'Barnim: 2 of 3, not flächendeckend, in words');
      t.match(response.body, 'Flächendeckend in 0 von 3 Kreisen; 2 von 7 zuständigen Behörden sind live (28 %).');
      const links = [...response.body.matchAll(/<a href="([^"]*\/teilnehmende\?[^"]*)">(\d+)<span class="unsichtbar"> ([^<]+)<\/span><\/a>/g)].map((m) => ({
        href: decode(m[1]!),
        count: Number(m[2]),
        what: m[3]!,
      }));
      t.equal(links.length, 4 * 3, 'three numbers for each of three Kreise and for the Land');
      for (const link of links) {
        const list = await ministry.get(link.href);
        t.equal(list.statusCode, 200, link.href);
        const total = Number(/<h2 id="ergebnis">(\d+) Behörden?<\/h2>/.exec(list.body)?.[1]);
        t.equal(total, link.count, `${link.what}: the list has as many`);
      }
      const fehlt = links.find((l) => l.what === 'fehlende Behörden in Barnim')!;
      t.equal(fehlt.href, `/verwaltung/loesungen/${id}/teilnehmende?kreis=${BARNIM}&abdeckung=fehlt`);
      const list = await ministry.get(fehlt.href);
      t.match(list.body, '<option value="fehlt" selected>', 'the list shows the filter it applies');
      t.match(list.body, `/teilnehmende/${EBERSWALDE}"`);
      const wrong = await ministry.get(`/verwaltung/loesungen/${id}/teilnehmende?abdeckung=irgendwas`);
      t.equal(wrong.statusCode, 422);
      t.match(wrong.body, 'href="#f-abdeckung"', 'the summary names the field');
      for (const hostile of ['%00', 'x'.repeat(100 * 1024)]) {
        const refused = await ministry.get(`/verwaltung/loesungen/${id}/teilnehmende?abdeckung=${hostile}`);
        t.ok(refused.statusCode >= 400 && refused.statusCode < 500, `refused without a 500: ${refused.statusCode}`);
      }
    });

    t.test('…/abdeckung: who is missing where, linked, with stage and blocker in words', async (t) => {
      const response = await ministry.get(page);
      t.equal(response.statusCode, 200);
      t.match(response.body, '<h1>Abdeckung: Hundesteuer online</h1>');
      t.match(response.body, `<a href="${page}" aria-current="page">Abdeckung</a>`, 'its tab');
      t.match(response.body, '<h2>Noch nicht flächendeckend (3)</h2>');
      t.match(response.body, new RegExp(`<a href="${overview}/teilnehmende/${EBERSWALDE}">Eberswalde, Stadt</a></th><td>${EBERSWALDE}</td><td>zur Nachnutzung eingeladen</td><td>nicht bereit: Personal</td>`));
      t.match(response.body, `<a href="/verwaltung/tickets/${ticket.json().id}">#${ticket.json().number} „XTA-Postfach fehlt“</a>`, 'the ticket linked for the ministry');
      t.match(response.body, 'noch keine Antwort');
      t.match(response.body, 'Nachnutzung abgelehnt: „&#60;script&#62;alert(1)&#60;/script&#62;“', 'hostile text escaped');
      t.notMatch(response.body, HOSTILE);
      t.match(response.body, `href="${overview}/export/abdeckung.csv"`);
      t.match(response.body, `href="${overview}/export/abdeckung.json"`);
      const csv = await ministry.get(`${overview}/export/abdeckung.csv`);
      t.equal(csv.statusCode, 200);
      t.ok(csv.body.startsWith('\uFEFFKreis (ARS);Kreis;Zuständig;'), 'the CSV with BOM and German headers');
      t.equal((await ministry.get(`${overview}/export/abdeckung.json`)).json().length, 3);
    });

    t.test('roles: the Landesredaktion counts tickets, another ministry 404, signed out to the sign-in', async (t) => {
      const redaktion = staffClient(env);
      await redaktion.signedIn(await env.roleToken('landesredaktion'));
      const seen = await redaktion.get(page);
      t.equal(seen.statusCode, 200);
      t.match(seen.body, '1 offenes blockierendes Ticket bei der Kaz');
      t.notMatch(seen.body, 'XTA-Postfach', 'no title');
      t.notMatch(seen.body, '/verwaltung/tickets/', 'no ticket link');
      const kazClient = staffClient(env);
      await kazClient.signedIn(kaz);
      t.equal((await kazClient.get(page)).statusCode, 200);
      const mik = staffClient(env);
      await mik.signedIn(await env.ministryToken('MIK'));
      t.equal((await mik.get(page)).statusCode, 404);
      t.equal((await mik.get(`${overview}/export/abdeckung.csv`)).statusCode, 404);
      const stranger = staffClient(env);
      const away = await stranger.get(page);
      t.equal(away.statusCode, 303);
      t.match(away.headers.location, /^\/anmelden\?zurueck=/);
      t.equal((await ministry.get('/verwaltung/loesungen/kein-uuid/abdeckung')).statusCode, 404);
      // a draft: its authority not yet informed waits for nothing of its own but its next step
      const draft = await api('POST', '/solutions', token, { title: 'Entwurf', ozgId: '10401', leikaKeys: ['99102013000000'], responsibility: { level: 'liste', authorities: [POTSDAM] } });
      const early = await ministry.get(`/verwaltung/loesungen/${draft.json().id}/abdeckung`);
      t.equal(early.statusCode, 200);
      t.match(early.body, '<td>noch nicht informiert</td><td>dem nächsten Schritt im Stadium „noch nicht informiert“</td>');
    });
  });
}
