import { mkdir } from 'node:fs/promises';
import t from 'tap';
import { bearer, buildTestApp } from '../helpers/app.ts';
import { axeMissing } from '../helpers/axe.ts';
import { chromiumMissing } from '../helpers/browser.ts';
import { drainSettling } from '../helpers/rollout.ts';
import { openStaffBrowser } from '../helpers/staff-browser.ts';
import { solutionInRollout } from '../helpers/waves.ts';

/**
 * A ministry works its participant table in a real Chromium: filters by stage, sorts by
 * ARS, turns the page, ticks two authorities and starts their onboarding after the
 * confirmation, opens one authority, sends it an event by its button and renews its
 * links; axe and the 320 px check pass on every page, and no request leaves the service.
 */

const SCREENSHOTS = 'test-output/screenshots';

t.test('a ministry works its participant table in the browser', { skip: chromiumMissing() ?? axeMissing() ?? false }, async (t) => {
  const env = await buildTestApp(t, 'pglite');
  const token = await env.ministryToken('MSGIV');
  const { id } = await solutionInRollout(env, token);
  const api = (method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>) =>
    env.app.inject({ method, url: `/api/v1${url}`, headers: bearer(token), ...(payload ? { payload } : {}) });
  const firstTwo = ((await api('GET', `/solutions/${id}/participants?limit=3`)).json().items as { ars: string; name: string }[]);
  const [a, b, c] = firstTwo as [{ ars: string; name: string }, { ars: string; name: string }, { ars: string; name: string }];
  const wave = await api('POST', `/solutions/${id}/waves`, { name: 'Welle Süd', authorities: [a.ars, b.ars] });
  t.equal(wave.statusCode, 201, wave.body);
  t.equal((await api('POST', `/solutions/${id}/waves/${wave.json().id}/start`, {})).statusCode, 200);
  await drainSettling(env);
  await mkdir(SCREENSHOTS, { recursive: true });

  const { origin, page, foreign, accessible, click } = await openStaffBrowser(t, env);
  const tablePath = `/verwaltung/loesungen/${id}/teilnehmende`;
  await page.goto(`${origin}${tablePath}`);
  await page.getByLabel('Persönliches Token').fill(token);
  await click('Anmelden');
  t.equal(new URL(page.url()).pathname, tablePath, 'back to the table after signing in');
  t.match(await page.locator('h1').innerText(), /Behörden: Meldebescheinigung online/);
  t.match(await page.locator('caption').innerText(), /Seite 1 von 4/);
  await accessible(t, page, 'participant table');
  await page.screenshot({ path: `${SCREENSHOTS}/teilnehmende.png`, fullPage: true });

  // sort by ARS, descending on the second click
  await page.getByRole('link', { name: /^ARS/ }).click();
  await page.waitForLoadState();
  await page.getByRole('link', { name: /^ARS/ }).click();
  await page.waitForLoadState();
  t.equal(await page.locator('th[aria-sort]').getAttribute('aria-sort'), 'descending');
  // a page further on
  await page.getByRole('link', { name: 'Nächste Seite' }).click();
  await page.waitForLoadState();
  t.match(await page.locator('caption').innerText(), /Seite 2 von 4/);
  await accessible(t, page, 'second page');

  // filter: the two invited ones
  await page.getByLabel('Stadium').selectOption('eingeladen');
  await click('Filter anwenden');
  t.match(page.url(), /stadium=eingeladen/);
  t.match(await page.locator('#ergebnis').innerText(), /^2 Behörden$/);
  await accessible(t, page, 'filtered table');

  // tick both, start their onboarding, confirm
  await page.getByLabel(`${a.name} auswählen`).check();
  await page.getByLabel(`${b.name} auswählen`).check();
  await page.getByLabel('Ereignis').selectOption('ONBOARDING_STARTEN');
  await click('Für Ausgewählte senden …');
  t.match(await page.locator('h1').innerText(), /„Onboarding beginnen“ wirklich für 2 Behörden\?/);
  await accessible(t, page, 'bulk confirmation');
  await click('Ja, für 2 Behörden ausführen');
  t.match(await page.locator('[role=status]').innerText(), /Angewandt bei 2 Behörden, abgelehnt bei 0 Behörden/);
  await accessible(t, page, 'bulk result');

  // one authority: an event by its button, then its links renewed
  await page.goto(`${origin}${tablePath}/${c.ars}`);
  t.equal(await page.locator('h1').innerText(), c.name);
  await accessible(t, page, 'participant page');
  await page.screenshot({ path: `${SCREENSHOTS}/behoerde.png`, fullPage: true });
  await page.getByRole('group', { name: 'Interesse vermerken' }).getByLabel('Anmerkung').fill('am Telefon');
  await click('Interesse vermerken');
  t.match(await page.locator('[role=status]').innerText(), /„Interesse bekundet“ wurde ausgeführt/);
  await click('Links erneuern und Mail senden');
  t.match(await page.locator('[role=status]').innerText(), /Neue Links erteilt: Die Mail „[^“]+“ mit den neuen Links ist zum Versand/);
  await accessible(t, page, 'participant page after the renewal');

  t.same(foreign, [], 'no request to any other host');
});
