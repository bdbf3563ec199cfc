/**
 * Issue 17, point 6 in a real Chromium: "Kommunale Mitarbeit gesucht" embedded in a page
 * of another site (http://localhost:<port>, the service at http://127.0.0.1:<port>) –
 * the frame loads and shows the solution, the browser sends the service no cookie and
 * asks no third host; axe and 320 px on the public page and on the embed; screenshots
 * test-output/screenshots/mitarbeit-gesucht.png and mitarbeit-gesucht-eingebettet.png.
 */
import t from 'tap';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { bearer, buildTestApp } from '../helpers/app.ts';
import { chromiumMissing, launchChromium, NARROW_VIEWPORT } from '../helpers/browser.ts';
import { databaseKinds } from '../helpers/databases.ts';
import { axeMissing, axeViolations, scrollsSideways } from '../helpers/axe.ts';
import { createSolution, ELTERNGELD, TEST_MAIL_DETAILS } from '../helpers/rollout.ts';

const SCREENSHOTS = fileURLToPath(new URL('../../test-output/screenshots/', import.meta.url));
const skip = chromiumMissing() ?? axeMissing();
// One database is enough here: the list itself is held for both by test/api/mitarbeit-gesucht.test.ts.
const kind = databaseKinds()[0]!;

t.test(`${kind}: the widget framed by another site, the public page – axe, 320 px, no cookie, no third host`, { skip: skip ?? false }, async (t) => {
  const env = await buildTestApp(t, kind);
  const token = await env.ministryToken('MSGIV');
  const id = await createSolution(env, token, { ...ELTERNGELD, description: 'Wir suchen Landkreise, die den Antrag als Erste anbieten.' } as typeof ELTERNGELD);
  t.equal((await env.app.inject({ method: 'POST', url: `/api/v1/solutions/${id}/events`, headers: bearer(token), payload: { type: 'ERSTINFORMATION_STARTEN' } })).statusCode, 200);
  t.equal((await env.app.inject({ method: 'PUT', url: `/api/v1/solutions/${id}/mail-details`, headers: bearer(token), payload: TEST_MAIL_DETAILS })).statusCode, 200);
  await env.app.listen({ port: 0, host: '127.0.0.1' });
  const service = `http://127.0.0.1:${(env.app.server.address() as AddressInfo).port}`;

  // The Land's portal, another site: one page with the snippet's iframe.
  const portal = createServer((_request, response) =>
    response
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      .end(`<!doctype html><html lang="de"><head><title>Landesportal</title></head><body><main><h1>Landesportal</h1><iframe src="${service}/mitarbeit-gesucht/einbetten" title="Kommunale Mitarbeit gesucht" width="100%" height="600"></iframe></main></body></html>`),
  );
  await new Promise<void>((resolve) => portal.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => portal.close(resolve)));
  const portalUrl = `http://localhost:${(portal.address() as AddressInfo).port}/`;

  await mkdir(SCREENSHOTS, { recursive: true });
  const browser = await launchChromium(t);
  const context = await browser.newContext({ viewport: NARROW_VIEWPORT });
  t.teardown(() => context.close());
  const page = await context.newPage();
  const hosts = new Set<string>();
  const cookiesSent: string[] = [];
  page.on('request', (request) => {
    hosts.add(new URL(request.url()).origin);
    const cookie = request.headers()['cookie'];
    if (cookie && request.url().startsWith(service)) cookiesSent.push(`${request.url()}: ${cookie}`);
  });

  for (const round of ['first visit', 'reload']) {
    await page.goto(portalUrl);
    const frame = page.frameLocator('iframe');
    await frame.getByRole('heading', { name: 'Elterngeld digital' }).waitFor();
    t.match(await frame.locator('body').textContent(), /Melden Sie sich bei Referat 32, Frau Beispiel/, `${round}: the frame shows the solution and whom to contact`);
    t.equal(await frame.getByRole('link', { name: /Alle Angaben/ }).getAttribute('target'), '_blank', `${round}: its link opens a new tab`);
  }
  await page.screenshot({ path: `${SCREENSHOTS}mitarbeit-gesucht-eingebettet.png`, fullPage: true });
  t.same(cookiesSent, [], 'the browser sent the service no cookie');
  t.same(await context.cookies(), [], 'and holds none');
  t.same([...hosts].sort(), [new URL(portalUrl).origin, service].sort(), 'no request to a third host');

  // The embed on its own and the public page: axe, 320 px.
  for (const [path, shot] of [['/mitarbeit-gesucht/einbetten', null], ['/mitarbeit-gesucht', 'mitarbeit-gesucht.png']] as const) {
    const response = await page.goto(`${service}${path}`);
    t.equal(response?.status(), 200);
    t.same(await axeViolations(page), [], `${path}: no axe violation`);
    t.notOk(await scrollsSideways(page), `${path}: no sideways scrolling at 320 px`);
    if (shot) await page.screenshot({ path: `${SCREENSHOTS}${shot}`, fullPage: true });
  }
  t.ok(await page.getByText('<iframe src="').isVisible(), 'the public page shows the snippet to copy');
  t.same([...hosts].sort(), [new URL(portalUrl).origin, service].sort(), 'still no third host');
});
