import t from 'tap';
import { buildTestApp } from '../helpers/app.ts';
import { axeMissing } from '../helpers/axe.ts';
import { chromiumMissing } from '../helpers/browser.ts';
import { openStaffBrowser } from '../helpers/staff-browser.ts';
import { createSolution, ELTERNGELD } from '../helpers/rollout.ts';

/**
 * A solution's page in a real Chromium: a ministry's person signs in, opens the solution
 * from the dashboard, sends a form with a missing reason and sees the error, starts the
 * Erstinformation through its confirmation step and sees the stage change and the
 * timeline entry. axe finds no violation on the page, its error state and the
 * confirmation; none scrolls sideways at 320 px.
 */

t.test('a ministry steers a solution from its page in Chromium', { skip: chromiumMissing() ?? axeMissing() ?? false }, async (t) => {
  const env = await buildTestApp(t, 'pglite');
  const ministryToken = await env.ministryToken('MSGIV');
  await createSolution(env, ministryToken, { ...ELTERNGELD, description: 'Elterngeld online beantragen.' } as typeof ELTERNGELD);
  const { origin, page, foreign, accessible: checkAccessible } = await openStaffBrowser(t, env);

  await page.goto(`${origin}/anmelden`);
  await page.getByLabel('Persönliches Token').fill(ministryToken);
  await page.getByRole('button', { name: 'Anmelden' }).click();
  await page.waitForURL(`${origin}/verwaltung`);

  await page.getByRole('link', { name: 'Elterngeld digital' }).click();
  await page.waitForURL(/\/verwaltung\/loesungen\/[0-9a-f-]{36}$/);
  const solutionUrl = page.url();
  t.equal(await page.locator('h1').innerText(), 'Elterngeld digital');
  t.match(await page.locator('dl').innerText(), /Entwurf/);
  t.match(await page.locator('main').innerText(), /Trichter/);
  await checkAccessible(t, page, 'solution page');

  // a reason left empty: the error summary names the field and jumps to it
  await page.getByRole('button', { name: 'Lösung anhalten' }).click();
  await page.waitForLoadState();
  t.match(await page.locator('.zusammenfassung').innerText(), /Bitte prüfen Sie Ihre Angaben/);
  await page.locator('.zusammenfassung a').first().click();
  t.equal(await page.evaluate(() => document.activeElement?.id), 'f-PAUSIEREN-reason', 'the summary leads to the field');
  await checkAccessible(t, page, 'solution page with a field error');

  // the confirmation step, then the stage changes
  await page.getByRole('button', { name: 'Erstinformation beginnen' }).click();
  await page.waitForLoadState();
  t.equal(await page.locator('h1').innerText(), 'Wirklich die Erstinformation beginnen?');
  await checkAccessible(t, page, 'confirmation');
  await page.getByRole('button', { name: 'Ja, Erstinformation beginnen' }).click();
  await page.waitForURL(`${solutionUrl}?erfolg=ERSTINFORMATION_STARTEN`);
  t.match(await page.getByRole('status').innerText(), /„Erstinformation beginnen“ wurde ausgeführt/);
  t.match(await page.locator('dl').innerText(), /Stadium\s+Erstinformation/);
  t.match(await page.locator('ol.verlauf li').first().innerText(), /Erstinformation beginnen[\s\S]*test-MSGIV \(MSGIV\)/);
  t.equal(await page.getByRole('button', { name: 'Pilotphase starten' }).isDisabled(), true, 'a blocked event is a disabled button');
  await checkAccessible(t, page, 'solution page after the event');

  t.same(foreign, [], 'no request to any other host');
});
