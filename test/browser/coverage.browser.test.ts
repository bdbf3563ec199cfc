import { mkdir } from 'node:fs/promises';
import t from 'tap';
import { buildTestApp } from '../helpers/app.ts';
import { axeMissing } from '../helpers/axe.ts';
import { chromiumMissing } from '../helpers/browser.ts';
import { databaseKinds } from '../helpers/databases.ts';
import { openStaffBrowser } from '../helpers/staff-browser.ts';
import { BARNIM, BERNAU, coverageSetUp, EBERSWALDE, POTSDAM } from '../helpers/coverage.ts';

/**
 * Coverage per Kreis in a real Chromium: the overview's table „Abdeckung nach Kreis“ and
 * the page `…/abdeckung` pass axe and fit 320 px; a number in the table leads to the
 * participant list with exactly that many rows; the missing authority's link leads to its
 * page. Screenshot: test-output/screenshots/abdeckung.png.
 */

t.test('coverage per Kreis in Chromium', { skip: chromiumMissing() ?? axeMissing() ?? false }, async (t) => {
  const env = await buildTestApp(t, databaseKinds()[0]!);
  const { token, kaz, id, api, participantEvent, goLive } = await coverageSetUp(env);
  await goLive(BARNIM);
  await goLive(BERNAU);
  await participantEvent(EBERSWALDE, { type: 'BEREITSCHAFT_MELDEN', status: 'nicht-bereit', gruende: ['personal', 'epayment'] });
  t.equal((await api('POST', '/tickets', kaz, { solutionId: id, ars: POTSDAM, category: 'transport', title: 'XTA-Postfach fehlt', description: 'x', blocking: true })).statusCode, 201);
  const { origin, page, foreign, accessible } = await openStaffBrowser(t, env);

  await page.goto(`${origin}/anmelden`);
  await page.getByLabel('Persönliches Token').fill(token);
  await page.getByRole('button', { name: 'Anmelden' }).click();
  await page.waitForURL(`${origin}/verwaltung`);

  await page.goto(`${origin}/verwaltung/loesungen/${id}`);
  const section = page.locator('section[aria-labelledby="abdeckung-titel"]');
  t.match(await section.innerText(), /Flächendeckend in 0 von 3 Kreisen/);
  await accessible(t, page, 'overview with the coverage table');
  await mkdir('test-output/screenshots', { recursive: true });
  await section.screenshot({ path: 'test-output/screenshots/abdeckung-ueberblick.png' });

  // Barnim's "live" number: the list behind it has that many rows
  const live = section.getByRole('link', { name: /Behörden live in Barnim/ });
  const count = Number((await live.innerText()).match(/^\d+/)?.[0]);
  t.equal(count, 2);
  await Promise.all([page.waitForURL(/teilnehmende\?kreis=120600000000&abdeckung=live$/), live.click()]);
  t.equal(await page.locator('table tbody tr').count(), count, 'as many rows as the number said');
  t.equal(await page.locator('#f-abdeckung').inputValue(), 'live', 'the filter shown');

  await page.goto(`${origin}/verwaltung/loesungen/${id}/abdeckung`);
  t.equal(await page.locator('h1').innerText(), 'Abdeckung: Hundesteuer online');
  const barnim = page.locator('section[aria-labelledby="kreis-120600000000"]');
  t.match(await barnim.innerText(), /Eberswalde, Stadt[\s\S]*nicht bereit: Personal, ePayment/);
  await accessible(t, page, 'coverage page');
  await page.screenshot({ path: 'test-output/screenshots/abdeckung.png', fullPage: true });
  await Promise.all([page.waitForURL(new RegExp(`/teilnehmende/${EBERSWALDE}$`)), barnim.getByRole('link', { name: 'Eberswalde, Stadt' }).click()]);
  t.match(await page.locator('h1').innerText(), /Eberswalde/);

  t.same(foreign, [], 'no request to any other host');
});
