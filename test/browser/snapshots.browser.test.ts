import { mkdir } from 'node:fs/promises';
import t from 'tap';
import { buildTestApp } from '../helpers/app.ts';
import { axeMissing } from '../helpers/axe.ts';
import { chromiumMissing } from '../helpers/browser.ts';
import { openStaffBrowser } from '../helpers/staff-browser.ts';
import { snapshotSetUp } from '../helpers/snapshots.ts';
import { nextQuarter, quarterWords } from '../../src/snapshots/quarter.ts';

/**
 * The quarterly snapshots page in a real Chromium, as a ministry uses it: reached by its
 * tab, the newest quarter compared with the one before, the older quarter chosen with the
 * page's one button; axe and the 320 px check on both, no request to another host.
 */

t.test('a ministry reads its quarterly snapshots in Chromium', { skip: chromiumMissing() ?? axeMissing() ?? false }, async (t) => {
  const env = await buildTestApp(t, 'pglite');
  const { token, id, first, toEndOf, moveInSecondQuarter } = await snapshotSetUp(env);
  const second = nextQuarter(first);
  await toEndOf(first);
  await moveInSecondQuarter();
  await toEndOf(second);

  const { origin, page, foreign, accessible, click } = await openStaffBrowser(t, env);
  await page.goto(`${origin}/anmelden`);
  await page.getByLabel('Persönliches Token').fill(token);
  await click('Anmelden');
  await page.goto(`${origin}/verwaltung/loesungen/${id}`);
  await Promise.all([page.waitForURL(`${origin}/verwaltung/loesungen/${id}/quartale`), page.getByRole('navigation', { name: 'Seiten dieser Lösung' }).getByRole('link', { name: 'Quartale' }).click()]);
  t.equal(await page.locator('h1').innerText(), 'Meldebescheinigung online');
  t.match(await page.locator('#quartal-titel').innerText(), `${quarterWords(second)} im Vergleich zum ${quarterWords(first)}`);
  t.match(await page.locator('#quartal-bewegt').innerText(), /Potsdam, Stadt\s+zur Nachnutzung eingeladen\s+der Online-Dienst ist live\s+live gegangen/);
  await accessible(t, page, 'quarterly snapshots');
  await mkdir('test-output/screenshots', { recursive: true });
  await page.screenshot({ path: 'test-output/screenshots/quartale.png', fullPage: true });

  await page.getByLabel('Quartal zum Vergleich').selectOption(first);
  await click('Quartal anzeigen');
  t.match(page.url(), `quartal=${first}`);
  t.match(await page.locator('#quartal-titel').innerText(), 'der erste festgehaltene Stand');
  await accessible(t, page, 'an older quarter');

  t.same(foreign, [], 'no request to any other host');
});
