import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { buildTestApp } from '../helpers/app.ts';
import { axeMissing } from '../helpers/axe.ts';
import { chromiumMissing } from '../helpers/browser.ts';
import { databaseKinds } from '../helpers/databases.ts';
import { openStaffBrowser } from '../helpers/staff-browser.ts';
import { statewideSetUp } from '../helpers/statewide.ts';

/**
 * The Kaz opens the Lagebild in a real Chromium: axe finds no violation, nothing scrolls
 * sideways at 320 px, the stage filter narrows the solution table, and the overdue number
 * leads to the participant list with exactly that authority.
 */

const SCREENSHOTS = fileURLToPath(new URL('../../test-output/screenshots/', import.meta.url));

t.test('the Kaz reads the Lagebild and follows a number to its list', { skip: chromiumMissing() ?? axeMissing() ?? false }, async (t) => {
  const env = await buildTestApp(t, databaseKinds()[0]!);
  await statewideSetUp(env);
  const { origin, page, foreign, accessible, click } = await openStaffBrowser(t, env);

  await page.goto(`${origin}/verwaltung/lagebild`);
  await page.getByLabel('Persönliches Token').fill(await env.roleToken('kaz'));
  await page.getByRole('button', { name: 'Anmelden' }).click();
  await page.waitForURL(`${origin}/verwaltung/lagebild`);
  t.equal(await page.locator('h1').innerText(), 'Lagebild: alle Rollouts');
  await accessible(t, page, 'Lagebild');
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}lagebild.png`, fullPage: true });

  await page.getByLabel('Nur Lösungen im Stadium').selectOption('entwurf');
  await click('Zeigen');
  t.match(page.url(), /stadium=entwurf/);
  const table = page.getByRole('region', { name: 'Tabelle: Stand je Lösung' });
  t.match(await table.locator('caption').innerText(), /1 Lösung im Stadium Entwurf/);
  t.match(await table.locator('tbody').innerText(), /Waffenschein online/);
  t.notMatch(await table.locator('tbody').innerText(), /Meldebescheinigung online/);

  await page.goto(`${origin}/verwaltung/lagebild`);
  await Promise.all([page.waitForURL(/teilnehmende\?frist=ueberschritten/), page.getByRole('link', { name: /Antwort überfällig: Meldebescheinigung online/ }).click()]);
  const rows = page.locator('table tbody tr');
  t.equal(await rows.count(), 1, 'the list behind the number 1 has one row');
  t.match(await rows.first().innerText(), /Cottbus/);
  t.equal(await page.getByLabel('Antwortfrist').inputValue(), 'ueberschritten', 'the filter is shown as chosen');

  t.same(foreign, [], 'no request to any other host');
});
