import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { simpleParser } from 'mailparser';
import { buildTestApp } from '../helpers/app.ts';
import { axeMissing } from '../helpers/axe.ts';
import { chromiumMissing } from '../helpers/browser.ts';
import { openStaffBrowser } from '../helpers/staff-browser.ts';
import { drainSettling } from '../helpers/rollout.ts';
import { BARNIM, ticketSetUp } from '../helpers/tickets.ts';

/**
 * The Kaz works a ticket from the link in its mail in a real Chromium: a ministry opens a
 * ticket, the Kaz queue's mail (from the outbox) links the ticket page, the Kaz signs in
 * there and lands on the ticket, takes it up, answers the authority, tries to solve it
 * without saying how (the error summary names the field), then solves it by clicking;
 * axe finds no violation on the board and the ticket page.
 */

t.test('the Kaz works a ticket to solved from the link in its mail', { skip: chromiumMissing() ?? axeMissing() ?? false }, async (t) => {
  const env = await buildTestApp(t, 'pglite');
  const { kaz, id, api, token: ministry } = await ticketSetUp(env);
  const created = await api('POST', '/tickets', ministry, { solutionId: id, ars: BARNIM, category: 'epayment', title: 'ePayBL-Mandant fehlt', description: 'Der Mandant ist nicht angelegt.' });
  t.equal(created.statusCode, 201, created.body);
  const ticket = created.json() as { id: string; number: number };
  await drainSettling(env);

  const dir = env.mail.routes.outboxDir!;
  const mails = await Promise.all((await readdir(dir)).filter((f) => f.endsWith('.eml')).map(async (f) => simpleParser(await readFile(join(dir, f)))));
  const mail = mails.find((m) => m.subject === `[Kaz-Ticket ${ticket.number}] ePayBL-Mandant fehlt – Ticket eröffnet` && JSON.stringify(m.to).includes('kaz-queue@'));
  const link = /https?:\/\/\S+\/verwaltung\/tickets\/[0-9a-f-]{36}/.exec(mail?.text ?? '')?.[0];
  t.ok(link, 'the Kaz queue mail links the ticket page');
  const path = new URL(link!).pathname;

  const { origin, page, foreign, accessible, click } = await openStaffBrowser(t, env);

  // the mail's link, signed out: the sign-in, then the ticket
  await page.goto(`${origin}${path}`);
  t.equal(new URL(page.url()).pathname, '/anmelden');
  await page.getByLabel('Persönliches Token').fill(kaz);
  await page.getByRole('button', { name: 'Anmelden' }).click();
  await page.waitForURL(`${origin}${path}`);
  t.match(await page.locator('h1').innerText(), `Ticket ${ticket.number}: ePayBL-Mandant fehlt`);
  await accessible(t, page, 'ticket page');

  await click('Bearbeitung aufnehmen');
  t.match(await page.locator('[role=status]').innerText(), /Erledigt: Bearbeitung aufnehmen/);

  await page.getByLabel('Kommentar', { exact: true }).fill('Wir legen den Mandanten an.');
  await page.getByLabel(/öffentlich – Antwort an die Behörde/).check();
  await click('Kommentar speichern');
  t.match(await page.locator('ol.meldungen').innerText(), /Öffentlicher Kommentar[\s\S]*Wir legen den Mandanten an\./);

  // solving without saying how: the error summary names the field
  await page.locator('#f-LOESEN-loesung').evaluate((el) => el.removeAttribute('required'));
  await click('Als gelöst melden');
  t.match(await page.locator('.zusammenfassung').innerText(), /Was war die Lösung\?/);
  await accessible(t, page, 'ticket page with an error');

  await page.getByLabel('Was war die Lösung?').fill('Mandant im ePayBL angelegt');
  await click('Als gelöst melden');
  t.match(await page.locator('dl').innerText(), /gelöst/);
  t.match(await page.locator('ol.meldungen').innerText(), /Mandant im ePayBL angelegt/);
  await accessible(t, page, 'solved ticket page');

  await page.getByRole('link', { name: 'Zurück zu allen Tickets' }).click();
  await page.waitForURL(`${origin}/verwaltung/tickets`);
  t.match(await page.locator('tbody').innerText(), /ePayBL-Mandant fehlt[\s\S]*gelöst/);
  await accessible(t, page, 'board');
  await page.locator('details.filter summary').click();
  await page.getByLabel('gelöst', { exact: true }).check();
  await click('Filtern');
  t.match(page.url(), /status=geloest/);
  t.match(await page.locator('tbody').innerText(), /ePayBL-Mandant fehlt/);
  await accessible(t, page, 'filtered board');

  t.same(foreign, [], 'no request to any other host');
});
