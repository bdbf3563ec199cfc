import t from 'tap';
import { buildTestApp } from '../helpers/app.ts';
import { axeMissing } from '../helpers/axe.ts';
import { chromiumMissing } from '../helpers/browser.ts';
import { openStaffBrowser } from '../helpers/staff-browser.ts';
import { enqueueJob } from '../../src/engine/job.queue.ts';

/**
 * The admin in a real Chromium: signs in, issues a token for a person (shown once),
 * revokes it after the confirmation step, and opens the job overview; axe finds no
 * violation on the token pages and the job page.
 */

t.test('the admin issues and revokes a personal token and opens the job overview', { skip: chromiumMissing() ?? axeMissing() ?? false }, async (t) => {
  const env = await buildTestApp(t, 'pglite');
  await enqueueJob(env.handle.db, { kind: 'mail.send', payload: {}, idempotencyKey: 'admin-pages-browser' });
  const { origin, page, foreign, accessible, click } = await openStaffBrowser(t, env);

  await page.goto(`${origin}/verwaltung/tokens`);
  await page.getByLabel('Persönliches Token').fill(env.adminToken);
  await page.getByRole('button', { name: 'Anmelden' }).click();
  await page.waitForURL(`${origin}/verwaltung/tokens`);
  await accessible(t, page, 'token list');

  // without a name: the error summary names the field
  await page.getByLabel('Rolle', { exact: true }).selectOption('kaz');
  await click('Token ausstellen');
  t.match(await page.locator('.zusammenfassung').innerText(), /Bitte geben Sie den Namen der Person an/);
  await accessible(t, page, 'token form with an error');

  await page.getByLabel('Name der Person').fill('Anna Beispiel');
  await page.getByLabel('Rolle', { exact: true }).selectOption('kaz');
  await click('Token ausstellen');
  t.match(await page.locator('h1').innerText(), /Token für Anna Beispiel ausgestellt/);
  t.match(await page.getByLabel('Das Token').inputValue(), /^efa_/);
  await accessible(t, page, 'issued token');

  await page.getByRole('link', { name: 'Zurück zu den Tokens' }).click();
  await page.waitForURL(`${origin}/verwaltung/tokens`);
  await page.getByRole('link', { name: /^Widerrufen\W*Anna Beispiel/ }).click();
  t.match(await page.locator('h1').innerText(), /Token von Anna Beispiel widerrufen\?/);
  await accessible(t, page, 'revoke confirmation');
  await click('Ja, Token von Anna Beispiel widerrufen');
  t.match(await page.locator('[role=status]').innerText(), /Das Token von Anna Beispiel ist widerrufen/);
  t.match(await page.locator('tbody').innerText(), /Anna Beispiel[\s\S]*widerrufen am/);

  await page.getByRole('link', { name: 'Hintergrundaufträge' }).click();
  await page.waitForURL(`${origin}/verwaltung/jobs`);
  t.match(await page.locator('tbody').last().innerText(), /mail\.send/);
  await accessible(t, page, 'job overview');
  await page.getByLabel('Status').selectOption('failed');
  await click('Filtern');
  t.match(page.url(), /status=failed/);
  t.match(await page.locator('main').innerText(), /Keine Aufträge für diese Auswahl/);

  t.same(foreign, [], 'no request to any other host');
});
