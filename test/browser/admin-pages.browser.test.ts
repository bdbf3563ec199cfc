import t, { type Test } from 'tap';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { buildTestApp } from '../helpers/app.ts';
import { axeMissing, axeViolations, scrollsSideways } from '../helpers/axe.ts';
import { chromiumMissing, launchChromium, NARROW_VIEWPORT } from '../helpers/browser.ts';
import { enqueueJob } from '../../src/engine/job.queue.ts';

/**
 * The admin in a real Chromium: signs in, issues a token for a person (shown once),
 * revokes it after the confirmation step, and opens the job overview; axe finds no
 * violation on the token pages and the job page.
 */

t.test('the admin issues and revokes a personal token and opens the job overview', { skip: chromiumMissing() ?? axeMissing() ?? false }, async (t) => {
  const env = await buildTestApp(t, 'pglite');
  await enqueueJob(env.handle.db, { kind: 'mail.send', payload: {}, idempotencyKey: 'admin-pages-browser' });
  await env.app.listen({ host: '127.0.0.1', port: 0 });
  const origin = `http://127.0.0.1:${(env.app.server.address() as AddressInfo).port}`;
  const context = await (await launchChromium(t)).newContext({ locale: 'de-DE', timezoneId: 'Europe/Berlin' });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const foreign: string[] = [];
  page.on('request', (request) => {
    if (!request.url().startsWith(`${origin}/`)) foreign.push(request.url());
  });
  const accessible = async (t: Test, page: Page, name: string) => {
    t.same(await axeViolations(page), [], `${name}: no axe violations`);
    await page.setViewportSize(NARROW_VIEWPORT);
    t.notOk(await scrollsSideways(page), `${name}: no sideways scrolling at 320 px`);
    await page.setViewportSize({ width: 1280, height: 800 });
  };
  const click = async (name: string) => {
    await Promise.all([page.waitForLoadState(), page.getByRole('button', { name, exact: true }).click()]);
    await page.waitForLoadState();
  };

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
