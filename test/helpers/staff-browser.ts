import type { Test } from 'tap';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import type { TestApp } from './app.ts';
import { axeViolations, scrollsSideways } from './axe.ts';
import { launchChromium, NARROW_VIEWPORT } from './browser.ts';

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * On a pilot's page (`…/piloten/<ARS>`): every checklist item „erledigt“, the production
 * test „entfällt“ with a reason – what a go-live needs.
 */
export async function tickWholeChecklist(page: Page, click: (name: string) => Promise<void>): Promise<number> {
  const items = await page.locator('ul.ereignisse > li[id^=punkt-] legend').allInnerTexts();
  for (const legend of items) {
    const label = legend.replace(/: [^:]+$/, '');
    if (label.startsWith('Produktionstest')) {
      await page.locator('#f-grund-produktionstest').fill('kein Testsystem');
      await click(`entfällt: ${label}`);
    } else await click(`erledigt: ${label}`);
  }
  return items.length;
}

/**
 * The app listening on a free port and a German Chromium page on it: `foreign` collects
 * every request to another host (there must be none), `accessible` runs axe and the
 * 320 px check, `click` presses a button by its name and waits for the next page.
 */
export async function openStaffBrowser(t: Test, env: TestApp) {
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
  // „Als Pilot bestätigen: Barnim“ – the visible words and, visually hidden, whom the button
  // concerns: Chromium's accessible name may have a break before the hidden part
  const click = async (name: string) => {
    const [visible, ...rest] = name.split(': ');
    const button = rest.length
      ? page.getByRole('button', { name: new RegExp(`^${escapeRegExp(visible!)}\\s*: ${escapeRegExp(rest.join(': '))}$`) })
      : page.getByRole('button', { name, exact: true });
    await navigating(page, () => button.click());
  };
  return { origin, page, foreign, accessible, click };
}

/**
 * Runs an action that sends a form or follows a link and waits until the new document has
 * loaded. `waitForLoadState()` alone answers at once while the old document is still shown
 * (it is loaded), so a check right after a submit by keyboard could read the old page.
 */
export async function navigating(page: Page, action: () => Promise<unknown>): Promise<void> {
  const navigated = page.waitForEvent('framenavigated', { predicate: (frame) => frame === page.mainFrame(), timeout: 30_000 });
  await action();
  await navigated;
  await page.waitForLoadState();
}
