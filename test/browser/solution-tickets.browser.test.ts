import { mkdir } from 'node:fs/promises';
import t from 'tap';
import { buildTestApp } from '../helpers/app.ts';
import { axeMissing } from '../helpers/axe.ts';
import { chromiumMissing } from '../helpers/browser.ts';
import { openStaffBrowser } from '../helpers/staff-browser.ts';
import { drainSettling } from '../helpers/rollout.ts';
import { BARNIM, POTSDAM, ticketSetUp } from '../helpers/tickets.ts';

/**
 * One solution's tickets page in a real Chromium, as a ministry uses it: reached by its
 * tab from the solution's page, filtered by clicking (priority, blocking), a wrong address
 * in the assignee field sent back with the error summary, and the board with the same
 * filters; axe and the 320 px check on each, no request to another host.
 */

t.test("a ministry filters one solution's tickets in Chromium", { skip: chromiumMissing() ?? axeMissing() ?? false }, async (t) => {
  const env = await buildTestApp(t, 'pglite');
  const { kaz, id, api, token: ministry } = await ticketSetUp(env);
  for (const [ars, title, priority, blocking] of [
    [BARNIM, 'Zahlungsverkehr-Mandant im ePayBL fehlt noch', 'niedrig', false],
    [POTSDAM, 'OSCI-Postfach nimmt keine Nachrichten an', 'kritisch', true],
  ] as const) {
    const created = await api('POST', '/tickets', kaz, { solutionId: id, ars, category: 'transport', priority, blocking, title, description: 'Beschreibung' });
    t.equal(created.statusCode, 201, title);
  }
  await drainSettling(env);

  const { origin, page, foreign, accessible, click } = await openStaffBrowser(t, env);
  await page.goto(`${origin}/anmelden`);
  await page.getByLabel('Persönliches Token').fill(ministry);
  await click('Anmelden');
  await page.goto(`${origin}/verwaltung/loesungen/${id}`);
  await Promise.all([page.waitForURL(`${origin}/verwaltung/loesungen/${id}/tickets`), page.getByRole('navigation', { name: 'Seiten dieser Lösung' }).getByRole('link', { name: 'Tickets' }).click()]);
  t.equal(await page.locator('h1').innerText(), 'Meldebescheinigung online');
  t.match(await page.locator('tbody').innerText(), /OSCI-Postfach[\s\S]*Zahlungsverkehr/, 'urgency order');
  await accessible(t, page, "a solution's tickets");
  await mkdir('test-output/screenshots', { recursive: true });
  await page.screenshot({ path: 'test-output/screenshots/loesung-tickets.png', fullPage: true });

  await page.getByText('Filter', { exact: true }).click();
  await page.getByLabel('kritisch', { exact: true }).check();
  await page.locator('#f-blockiert-ja').check();
  await click('Filtern');
  t.match(page.url(), /prioritaet=kritisch/);
  t.match(page.url(), /blockiert=ja/);
  const filtered = await page.locator('tbody').innerText();
  t.match(filtered, /OSCI-Postfach/);
  t.notMatch(filtered, /Zahlungsverkehr/);
  await accessible(t, page, "a solution's tickets, filtered");

  await page.getByText('Filter (2 gewählt)').click();
  await page.getByLabel('oder zugewiesen an (E-Mail-Adresse)').fill('keine Adresse');
  await click('Filtern');
  t.match(await page.locator('.zusammenfassung').innerText(), /Zugewiesen an: bitte eine gültige E-Mail-Adresse/);
  await accessible(t, page, "a solution's tickets with a wrong filter");

  await page.goto(`${origin}/verwaltung/tickets`);
  await page.locator('details.filter summary').click();
  await page.getByLabel('EfA-Lösung').selectOption({ label: 'Meldebescheinigung online' });
  await page.locator('#f-zustaendig-niemand').check();
  await click('Filtern');
  t.match(await page.locator('tbody').innerText(), /OSCI-Postfach[\s\S]*Zahlungsverkehr/);
  await accessible(t, page, 'board filtered by solution and assignee');

  t.same(foreign, [], 'no request to any other host');
});
