import t, { type Test } from 'tap';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { buildTestApp } from '../helpers/app.ts';
import { axeMissing, axeViolations, scrollsSideways } from '../helpers/axe.ts';
import { chromiumMissing, launchChromium, NARROW_VIEWPORT } from '../helpers/browser.ts';
import { createSolution, ELTERNGELD } from '../helpers/rollout.ts';

/**
 * The staff's shell in a real Chromium against the listening service: a ministry's person
 * signs in through the form, sees the solutions, walks the page by keyboard from the skip
 * link, and signs out; axe finds no violation on the sign-in page, the dashboard and the
 * accessibility statement, none of which scrolls sideways at 320 px. The browser asks
 * nothing of any other host and the CSP blocks nothing the pages need.
 */

t.test('a ministry signs in, sees its solutions and signs out in Chromium', { skip: chromiumMissing() ?? axeMissing() ?? false }, async (t) => {
  const env = await buildTestApp(t, 'pglite');
  const ministryToken = await env.ministryToken('MSGIV');
  await createSolution(env, ministryToken, ELTERNGELD);
  await createSolution(env, ministryToken, { ...ELTERNGELD, title: 'Anwohnerparken digital' });
  await env.app.listen({ host: '127.0.0.1', port: 0 });
  const origin = `http://127.0.0.1:${(env.app.server.address() as AddressInfo).port}`;
  const context = await (await launchChromium(t)).newContext({ locale: 'de-DE', timezoneId: 'Europe/Berlin' });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const foreign: string[] = [];
  const cspViolations: string[] = [];
  page.on('request', (request) => {
    if (!request.url().startsWith(`${origin}/`)) foreign.push(request.url());
  });
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });

  async function checkAccessible(t: Test, page: Page, name: string) {
    t.same(await axeViolations(page), [], `${name}: no axe violations`);
    await page.setViewportSize(NARROW_VIEWPORT);
    t.notOk(await scrollsSideways(page), `${name}: no sideways scrolling at 320 px`);
    await page.setViewportSize({ width: 1280, height: 800 });
  }

  await page.goto(`${origin}/verwaltung`);
  t.equal(new URL(page.url()).pathname, '/anmelden', 'signed out: sent to the sign-in');
  t.equal(new URL(page.url()).searchParams.get('zurueck'), '/verwaltung');
  await checkAccessible(t, page, '/anmelden');

  // the skip link is the first tab stop and leads to the main content
  await page.keyboard.press('Tab');
  t.equal(await page.evaluate(() => document.activeElement?.textContent), 'Zum Inhalt springen', 'first tab stop: the skip link');
  t.ok(await page.evaluate(() => document.activeElement!.getBoundingClientRect().left >= 0), 'the focused skip link is visible');
  await page.keyboard.press('Enter');
  t.equal(await page.evaluate(() => document.activeElement?.id), 'inhalt', 'Enter moves the focus to the main content');

  // a wrong token: the form again with the error summary
  await page.getByLabel('Persönliches Token').fill('efa_falsch');
  await page.getByRole('button', { name: 'Anmelden' }).click();
  await page.waitForLoadState();
  t.match(await page.locator('.zusammenfassung').innerText(), /unbekannt oder widerrufen/);
  await checkAccessible(t, page, '/anmelden with an error');

  // the real token, by keyboard only: type it and press Enter
  await page.getByLabel('Persönliches Token').focus();
  await page.keyboard.type(ministryToken);
  await page.keyboard.press('Enter');
  await page.waitForURL(`${origin}/verwaltung`);
  t.match(await page.locator('header').innerText(), /Angemeldet: test-MSGIV \(MSGIV\)/);
  const rows = await page.locator('tbody th').allInnerTexts();
  t.match(rows[0], /Anwohnerparken digital/, 'sorted by title');
  t.match(rows[1], /Elterngeld digital/);
  t.match(await page.locator('tbody').innerText(), /Entwurf/);
  const cookie = (await context.cookies()).find((c) => c.name === 'efa_sitzung')!;
  t.equal(cookie.httpOnly, true);
  t.equal(cookie.sameSite, 'Strict');
  await checkAccessible(t, page, '/verwaltung');

  await page.getByRole('link', { name: 'Erklärung zur Barrierefreiheit' }).click();
  await page.waitForURL(`${origin}/barrierefreiheit`);
  t.match(await page.locator('main').innerText(), /teilweise barrierefrei/);
  await checkAccessible(t, page, '/barrierefreiheit');

  await page.getByRole('button', { name: 'Abmelden' }).click();
  await page.waitForURL(/\/anmelden\?abgemeldet/);
  t.match(await page.locator('main').innerText(), /Sie haben sich abgemeldet/);
  await page.goto(`${origin}/verwaltung`);
  t.equal(new URL(page.url()).pathname, '/anmelden', 'signed out: the dashboard is closed again');

  // signed out, the statement is public
  await page.goto(`${origin}/barrierefreiheit`);
  t.equal(await page.getByRole('button', { name: 'Abmelden' }).count(), 0);
  await checkAccessible(t, page, '/barrierefreiheit signed out');

  t.same(foreign, [], 'no request to any other host');
  t.same(cspViolations, [], 'the Content-Security-Policy blocks nothing');
});
