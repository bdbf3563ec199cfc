import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { simpleParser } from 'mailparser';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { databaseKinds } from '../helpers/databases.ts';
import { drainSettling } from '../helpers/rollout.ts';
import { BARNIM, POTSDAM, ticketSetUp } from '../helpers/tickets.ts';
import { staffClient } from '../helpers/staff-client.ts';

/**
 * The Kaz's ticket pages through inject, signed in for real (POST /anmelden): the board
 * with SLA words, urgency order and filters, one ticket's page with its timeline, status
 * changes by form (with the payload fields, 422 and 403), comments, assignment, the
 * ministry's scope, and the link in the Kaz's mail leading through the sign-in to the ticket.
 */

for (const kind of databaseKinds()) {
  t.test(`the Kaz's ticket pages (${kind})`, async (t) => {
    const env = await buildTestApp(t, kind);
    const { kaz, id, api, token: ministry } = await ticketSetUp(env);
    // The ministry opens one (the Kaz queue hears of it by mail), the Kaz the other.
    const create = async (ars: string, title: string, priority: string, by: string) => {
      const response = await api('POST', '/tickets', by, { solutionId: id, ars, category: 'epayment', priority, title, description: 'Beschreibung' });
      t.equal(response.statusCode, 201, response.body);
      return response.json() as { id: string; number: number };
    };
    const calm = await create(BARNIM, 'Ruhiges Ticket', 'niedrig', ministry);
    const urgent = await create(POTSDAM, 'Dringendes Ticket', 'kritisch', kaz);
    await drainSettling(env);

    t.test('the link in the Kaz queue mail leads through the sign-in to the ticket', async (t) => {
      const dir = env.mail.routes.outboxDir!;
      const mails = await Promise.all((await readdir(dir)).filter((f) => f.endsWith('.eml')).map(async (f) => simpleParser(await readFile(join(dir, f)))));
      const opened = mails.find((m) => m.subject === `[Kaz-Ticket ${calm.number}] Ruhiges Ticket – Ticket eröffnet` && JSON.stringify(m.to).includes('kaz-queue@'));
      t.ok(opened, 'the queue hears of the new ticket');
      const link = new RegExp(`https?://[^\\s]+/verwaltung/tickets/${calm.id}`).exec(opened!.text ?? '')?.[0];
      t.ok(link, 'the mail links the ticket page');
      t.notMatch(opened!.text, /\/api\/v1\/tickets/, 'no JSON route in the mail');
      const path = new URL(link!).pathname;
      const browser = staffClient(env);
      const signedOut = await browser.get(path);
      t.equal(signedOut.statusCode, 303);
      t.equal(signedOut.headers.location, `/anmelden?zurueck=${encodeURIComponent(path)}`);
      const signedIn = await browser.signIn(kaz, path);
      t.equal(signedIn.headers.location, path);
      const page = await browser.get(path);
      t.equal(page.statusCode, 200);
      t.match(page.body, `Ticket ${calm.number}: Ruhiges Ticket`);
    });

    // Three days on: the critical ticket is overdue and due earliest (sessions start after the jump: idle timeout).
    env.clock.now = new Date(env.clock.now.getTime() + 3 * 24 * 60 * 60_000);
    const browser = staffClient(env);
    await browser.signIn(kaz);

    t.test('the board: SLA in words, overdue and soonest due first, filters by status and SLA', async (t) => {
      const board = await browser.get('/verwaltung/tickets');
      t.equal(board.statusCode, 200);
      t.match(board.body, /<html lang="de">/);
      t.match(board.body, /überschritten/);
      t.match(board.body, /Dringendes Ticket[\s\S]*Ruhiges Ticket/, 'the overdue critical ticket first');
      t.match(board.body, /href="\/verwaltung\/tickets" aria-current="page">Tickets</);
      t.match(board.body, /ePayment/);
      t.match(board.body, /href="\/verwaltung\/tickets\?status=neu">neu: 2</, 'counts per status, each a filter link');
      const overdue = await browser.get('/verwaltung/tickets?sla=ueberschritten');
      t.match(overdue.body, /Dringendes Ticket/);
      const solved = await browser.get('/verwaltung/tickets?status=geloest');
      t.notMatch(solved.body, /Dringendes Ticket/);
      t.match(solved.body, /Keine Tickets für diese Auswahl/);
      t.match(solved.body, /value="geloest" checked/, 'the filter stays chosen');
    });

    t.test('a ticket worked to solved by form: payload fields, 422, 403 without CSRF, comments, assignment', async (t) => {
      const path = `/verwaltung/tickets/${urgent.id}`;
      const page = await browser.get(path);
      t.match(page.body, /Bearbeitung aufnehmen/);
      t.match(page.body, /Verlauf/);
      const csrf = await browser.csrf(path);

      const forged = await browser.post(`${path}/ereignis`, { type: 'BEARBEITUNG_BEGINNEN' });
      t.equal(forged.statusCode, 403, 'no CSRF value: refused');

      const started = await browser.post(`${path}/ereignis`, { _csrf: csrf, type: 'BEARBEITUNG_BEGINNEN' });
      t.equal(started.statusCode, 303, started.body);
      t.equal(started.headers.location, `${path}?erledigt=BEARBEITUNG_BEGINNEN`);
      const after = await browser.get(started.headers.location as string);
      t.match(after.body, /Erledigt: Bearbeitung aufnehmen/);
      t.match(after.body, /in Bearbeitung/);
      t.match(after.body, /Als gelöst melden/);

      const again = await browser.post(`${path}/ereignis`, { _csrf: csrf, type: 'BEARBEITUNG_BEGINNEN' });
      t.equal(again.statusCode, 409, 'not possible in this status');
      t.match(again.body, /Nicht möglich/);

      const missing = await browser.post(`${path}/ereignis`, { _csrf: csrf, type: 'LOESEN', loesung: '  ' });
      t.equal(missing.statusCode, 422);
      t.match(missing.body, /Bitte prüfen Sie Ihre Angaben/);
      t.match(missing.body, /Was war die Lösung\?/);
      t.match(missing.body, /href="#f-LOESEN-loesung"/);

      const internal = await browser.post(`${path}/kommentar`, { _csrf: csrf, text: 'Nur für uns', visibility: 'intern' });
      t.equal(internal.statusCode, 303);
      const publicComment = await browser.post(`${path}/kommentar`, { _csrf: csrf, text: 'Wir kümmern uns', visibility: 'oeffentlich' });
      t.equal(publicComment.statusCode, 303);
      const emptyComment = await browser.post(`${path}/kommentar`, { _csrf: csrf, text: '', visibility: 'intern' });
      t.equal(emptyComment.statusCode, 422);
      const assigned = await browser.post(`${path}/zuweisung`, { _csrf: csrf, assignee: 'anna@zit-bb.example' });
      t.equal(assigned.statusCode, 303);
      const badAssignee = await browser.post(`${path}/zuweisung`, { _csrf: csrf, assignee: 'keine Adresse' });
      t.equal(badAssignee.statusCode, 422);

      const waiting = await browser.post(`${path}/ereignis`, { _csrf: csrf, type: 'AUF_KOMMUNE_WARTEN', grund: 'Zugang zum Mandanten' });
      t.equal(waiting.statusCode, 303, waiting.body);
      const paused = await browser.get(path);
      t.match(paused.body, /<dt>Status<\/dt><dd>wartet auf Kommune/);
      t.match(paused.body, /pausiert \(wartet auf Kommune\)/, 'the SLA clock pauses, in words');
      t.equal((await browser.post(`${path}/ereignis`, { _csrf: csrf, type: 'KOMMUNE_ANTWORTET' })).statusCode, 303);

      const solved = await browser.post(`${path}/ereignis`, { _csrf: csrf, type: 'LOESEN', loesung: 'Mandant angelegt' });
      t.equal(solved.statusCode, 303, solved.body);
      const done = await browser.get(path);
      t.match(done.body, /<dt>Status<\/dt><dd>gelöst/);
      t.match(done.body, /Interner Kommentar[\s\S]*Nur für uns/);
      t.match(done.body, /Öffentlicher Kommentar[\s\S]*Wir kümmern uns/);
      t.match(done.body, /Mandant angelegt/);
      t.match(done.body, /Zuständig: von niemand nach anna@zit-bb\.example/);
      t.match(done.body, /Ticket eröffnet/);
      t.match(done.body, /Lösung: Mandant angelegt/);
      t.match(done.body, /test-kaz|Kaz/, 'the history names the person');
      t.match(done.body, / Uhr/, 'times in Berlin time');
    });

    t.test('a ministry sees only the tickets of its own solutions', async (t) => {
      const own = staffClient(env);
      await own.signIn(await env.ministryToken('MSGIV'));
      t.match((await own.get('/verwaltung/tickets')).body, /Ruhiges Ticket/);
      const other = staffClient(env);
      await other.signIn(await env.ministryToken('MIK'));
      const board = await other.get('/verwaltung/tickets');
      t.equal(board.statusCode, 200);
      t.notMatch(board.body, /Ruhiges Ticket/);
      t.equal((await other.get(`/verwaltung/tickets/${calm.id}`)).statusCode, 404);
      const editor = staffClient(env);
      await editor.signIn(await env.roleToken('landesredaktion'));
      t.equal((await editor.get('/verwaltung/tickets')).statusCode, 403, 'the Landesredaktion reads no tickets');
    });
  });
}
