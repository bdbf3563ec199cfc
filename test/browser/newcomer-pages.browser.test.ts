/**
 * What a newcomer opens first, in a real Chromium (issue 14, points 16 and 20): the start
 * page at `/` and the API documentation at `/docs` (Swagger UI). Both load without a
 * single Content-Security-Policy violation, do not scroll sideways at 320 CSS pixels,
 * and are checked with every axe rule: the start page has no violation at all; Swagger
 * UI has exactly the ones its markup brings and the README lists ("Accessibility of
 * /docs") – one fixed by an option or the stylesheet, or a new one in an update, fails
 * here until the README says so.
 */
import t, { type Test } from 'tap';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { buildTestApp } from '../helpers/app.ts';
import { chromiumMissing, launchChromium } from '../helpers/browser.ts';
import { databaseKinds } from '../helpers/databases.ts';
import { axeMissing, axeViolations, scrollsSideways } from '../helpers/axe.ts';

/** The remaining violations the README names, per state of the page. */
const SWAGGER_UI_REMAINING: Record<string, string[]> = {
  loaded: ['heading-order', 'region'],
  'dialog "Authorize" open': ['button-name', 'heading-order', 'label-content-name-mismatch', 'region'],
  'operation opened, "Try it out" executed': ['heading-order', 'region', 'select-name'],
};

const WIDTHS = [1280, 320];

/** A page that records every CSP violation and every console message about one. */
async function watchedPage(t: Test, browser: Browser, width: number): Promise<{ page: Page; violations: string[] }> {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  t.teardown(() => context.close());
  const page = await context.newPage();
  const violations: string[] = [];
  await page.exposeFunction('reportCspViolation', (text: string) => violations.push(text));
  await page.addInitScript(() =>
    document.addEventListener('securitypolicyviolation', (event) =>
      (window as unknown as { reportCspViolation(text: string): void }).reportCspViolation(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`),
    ),
  );
  page.on('console', (message) => {
    if (/Content.Security.Policy/i.test(message.text())) violations.push(message.text());
  });
  return { page, violations };
}

const skip = chromiumMissing() ?? axeMissing();

// One database is enough in the browser: what the start page reads from it is held for
// both kinds by test/api/start-page.test.ts, and /docs reads nothing from it.
for (const kind of databaseKinds().slice(0, 1)) {
  t.test(`${kind}: the start page and /docs in Chromium – CSP, axe, 320 px`, { skip: skip ?? false }, async (t) => {
    const env = await buildTestApp(t, kind, { withDirectory: false });
    await env.app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(env.app.server.address() as AddressInfo).port}`;
    const browser = await launchChromium(t);

    for (const width of WIDTHS) {
      // The start page: German, clean, and its links lead on.
      const start = await watchedPage(t, browser, width);
      const response = await start.page.goto(`${base}/`);
      t.equal(response?.status(), 200);
      t.match(response?.headers()['content-security-policy'], /default-src 'none'/);
      t.equal(await start.page.getAttribute('html', 'lang'), 'de');
      t.same(await axeViolations(start.page), [], `${width} px: the start page has no axe violation`);
      t.notOk(await scrollsSideways(start.page), `${width} px: the start page does not scroll sideways`);
      await start.page.getByRole('link', { name: 'Bereitschaft des Dienstes' }).click();
      t.match(await start.page.textContent('body'), /"status":"ok"/, 'the health link answers');
      await start.page.goBack();
      await start.page.getByRole('link', { name: 'API-Dokumentation' }).click();
      await start.page.waitForSelector('.opblock');
      t.same(start.violations, [], `${width} px: no CSP violation on the start page or on the way to /docs`);

      // /docs, in the states a reader goes through.
      const docs = await watchedPage(t, browser, width);
      const page = docs.page;
      const loaded = await page.goto(`${base}/docs`);
      t.equal(loaded?.headers()['content-security-policy']?.startsWith("default-src 'none'"), true, '/docs has its own CSP');
      await page.waitForSelector('.opblock');
      const check = async (state: string) => {
        // as a reader sees it at rest: no hover state under the pointer, colour transitions finished
        await page.mouse.move(0, 0);
        await page.evaluate(() => Promise.all(document.getAnimations().map((animation) => animation.finished)));
        const found = await axeViolations(page);
        t.same(
          found.map((violation) => violation.rule),
          SWAGGER_UI_REMAINING[state],
          `${width} px, ${state}: exactly the violations the README lists (${JSON.stringify(found)})`,
        );
        t.notOk(await scrollsSideways(page), `${width} px, ${state}: no sideways scrolling`);
      };
      await check('loaded');

      await page.click('.btn.authorize');
      await page.waitForSelector('.modal-ux');
      await check('dialog "Authorize" open');
      await page.fill('.modal-ux input', env.adminToken);
      await page.click('.modal-ux button.authorize');
      await page.click('.modal-ux .btn-done');

      const operation = page.locator('#operations-EfA-Lösungen-listSolutions');
      await operation.locator('.opblock-summary-control').click();
      await operation.locator('.try-out__btn').click();
      await operation.locator('.execute').click();
      await operation.locator('.live-responses-table .response .response-col_status').first().waitFor();
      const status = (await operation.locator('.live-responses-table .response .response-col_status').first().textContent())?.trim();
      t.equal(status, '200', `"Try it out" reaches the API (connect-src): ${status}`);
      await check('operation opened, "Try it out" executed');

      t.same(docs.violations, [], `${width} px: no CSP violation on /docs`);
    }
  });
}
