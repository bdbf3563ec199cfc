import t, { type Test } from 'tap';
import type { AddressInfo } from 'node:net';
import type { Page, Response } from 'playwright-core';
import { getLinkSecret, issueResponseLinks } from '../../src/links/link.service.ts';
import { bearer, buildTestApp } from '../helpers/app.ts';
import { chromiumMissing, horizontalOverflow, launchChromium, NARROW_VIEWPORT } from '../helpers/browser.ts';
import { databaseKinds } from '../helpers/databases.ts';
import { insertBareMailing } from '../helpers/rows.ts';
import { solutionInRollout } from '../helpers/waves.ts';

/**
 * The authority's side of a ticket as a person meets it in a real Chromium: from the
 * answer page of its mail to "Problem melden", the form, the confirmation, the ticket's
 * page; the Kaz answers and waits on it (API), the authority reloads and replies. No
 * header is set by hand: Origin, Sec-Fetch-Site and the relative links are the browser's.
 */

const BARNIM = '120600000000';
const DAY = 24 * 60 * 60 * 1000;

/** Presses the form's button and waits for the page that answers the POST. */
async function submit(page: Page, button: string): Promise<Response> {
  const answered = page.waitForResponse((response) => response.request().method() === 'POST' && response.request().isNavigationRequest());
  await page.getByRole('button', { name: button, exact: true }).click();
  const response = await answered;
  await page.waitForLoadState('domcontentloaded');
  return response;
}

const heading = (page: Page) => page.getByRole('heading', { level: 1 }).innerText();

/** Long words as real data brings them: an address, a compound noun – nothing to break at. */
const LONG_SUBJECT = 'OSCI-XTA: keine Zustellung an poststelle.zertifikatsablaufbenachrichtigungsempfang@kreisverwaltung-barnim.example';
const LONG_NAME = 'Landkreisverwaltungsgemeinschaftsbehörde Barnim-Uckermark-Oberhavel-Märkisch-Oderland';

/** WCAG 1.4.10: the whole walk happens at 320 CSS px, and no page scrolls sideways. */
async function expectReflow(t: Test, page: Page, what: string) {
  const { scrollWidth, clientWidth } = await horizontalOverflow(page);
  t.ok(scrollWidth <= clientWidth && clientWidth <= NARROW_VIEWPORT.width, `${what}: no horizontal scrolling at 320 px (scrollWidth ${scrollWidth}, clientWidth ${clientWidth})`);
}

for (const kind of databaseKinds()) {
  t.test(`${kind}: an authority reports a problem and answers the Kaz in Chromium`, { skip: chromiumMissing() ?? false }, async (t) => {
    const env = await buildTestApp(t, kind);
    await env.app.listen({ host: '127.0.0.1', port: 0 });
    const origin = `http://127.0.0.1:${(env.app.server.address() as AddressInfo).port}`;
    const ministry = await env.ministryToken('MSGIV');
    const kaz = await env.roleToken('kaz');
    const { id: solutionId } = await solutionInRollout(env, ministry, 'kreis');
    await env.handle.db.updateTable('authority').set({ name: LONG_NAME }).where('ars', '=', BARNIM).execute();
    const secret = await getLinkSecret(env.handle.db);
    const mailingId = await insertBareMailing(env.handle.db, solutionId);
    const urls = await issueResponseLinks(env.handle.db, {
      secret,
      solutionId,
      ars: BARNIM,
      mailingId,
      purposes: ['interesse'],
      expiresAt: new Date(env.clock.now.getTime() + 30 * DAY),
      baseUrl: env.mail.routes.publicBaseUrl,
    });
    const api = (method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>) =>
      env.app.inject({ method, url: `/api/v1${url}`, headers: bearer(kaz), ...(payload ? { payload } : {}) });

    const context = await (await launchChromium(t)).newContext({ locale: 'de-DE', timezoneId: 'Europe/Berlin', viewport: NARROW_VIEWPORT });
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    t.teardown(() => page.close());
    const posts: Array<{ origin: string | undefined; site: string | undefined }> = [];
    page.on('request', async (request) => {
      if (request.method() !== 'POST') return;
      const headers = await request.allHeaders();
      posts.push({ origin: headers.origin, site: headers['sec-fetch-site'] });
    });

    // the answer page from the mail, and its "Problem melden"
    t.equal((await page.goto(`${origin}${new URL(urls.interesse!).pathname}`))?.status(), 200);
    await expectReflow(t, page, 'the answer page');
    await page.getByRole('link', { name: 'Problem melden', exact: true }).click();
    await page.waitForLoadState('domcontentloaded');
    t.equal(await heading(page), 'Problem melden');
    await expectReflow(t, page, 'the report form');

    // a missing description: the summary, the fields kept
    await page.getByLabel('Bereich').selectOption({ label: 'Transport (FIT-Connect, OSCI-XTA, DVDV)' });
    await page.getByLabel('Betreff', { exact: true }).fill(LONG_SUBJECT);
    t.equal((await submit(page, 'Problem melden')).status(), 422);
    await expectReflow(t, page, 'the report form with its error summary');
    t.match(await page.getByRole('alert').innerText(), 'Bitte beschreiben Sie das Problem.');
    t.equal(await page.getByLabel('Betreff', { exact: true }).inputValue(), LONG_SUBJECT);
    await page.getByLabel('Beschreibung').fill('Seit dem Zertifikatswechsel kommen keine Anträge an.');
    t.equal((await submit(page, 'Problem melden')).status(), 200);
    t.equal(await heading(page), 'Ihr Problem ist gemeldet');
    await expectReflow(t, page, 'the confirmation');

    // the ticket's page, reached by the link on the confirmation
    await page.getByRole('link', { name: /Ihre Meldung Nr\. \d+ ansehen/ }).click();
    await page.waitForLoadState('domcontentloaded');
    t.equal(await heading(page), `Meldung Nr. ${/\/tickets\/(\d+)$/.exec(page.url())![1]}: ${LONG_SUBJECT}`);
    await expectReflow(t, page, 'the ticket page');
    const ticketUrl = page.url();
    t.match(ticketUrl, new RegExp(`^${origin}/antwort/[A-Za-z0-9_-]{43}/tickets/\\d+$`));

    // the Kaz answers publicly, notes something internal and waits on the authority
    const queue = (await api('GET', `/tickets?solutionId=${solutionId}`)).json();
    t.match(queue.items[0], { source: 'behoerde', ars: BARNIM });
    const url = `/tickets/${queue.items[0].id}`;
    t.equal((await api('POST', `${url}/comments`, { text: 'Interner Vermerk: DVDV-Eintrag veraltet', visibility: 'intern' })).statusCode, 201);
    t.equal((await api('POST', `${url}/comments`, { text: 'Bitte prüfen Sie das Zertifikat im DVDV.', visibility: 'oeffentlich' })).statusCode, 201);
    t.equal((await api('POST', `${url}/events`, { type: 'AUF_KOMMUNE_WARTEN', grund: 'Fingerabdruck des Zertifikats' })).statusCode, 200);

    await page.reload();
    const main = page.locator('main');
    t.match(await main.innerText(), 'wartet auf Ihre Antwort: Fingerabdruck des Zertifikats');
    t.match(await main.innerText(), 'Bitte prüfen Sie das Zertifikat im DVDV.');
    t.notMatch(await page.content(), 'DVDV-Eintrag veraltet', 'the internal note is not on the page');
    await expectReflow(t, page, 'the ticket page with the Kaz\'s question');

    // the authority replies through the form
    await page.getByLabel('Ihre Nachricht', { exact: true }).fill('Fingerabdruck: AB:CD:EF');
    t.equal((await submit(page, 'Antwort senden')).status(), 200);
    const text = await main.innerText();
    t.match(text, 'Ihre Antwort ist beim Kaz eingegangen.');
    t.match(text, /Status\s+in Bearbeitung/);
    t.match(text, 'Fingerabdruck: AB:CD:EF');
    t.notMatch(await page.content(), 'DVDV-Eintrag veraltet');
    t.equal((await api('GET', url)).json().stage, 'in-bearbeitung');
    await expectReflow(t, page, 'the ticket page after the reply');

    // the list of the authority's tickets (once a four-column table 476 px wide)
    await page.getByRole('link', { name: 'Alle Meldungen Ihrer Behörde zu dieser Lösung', exact: true }).click();
    await page.waitForLoadState('domcontentloaded');
    t.equal(await heading(page), 'Ihre Anfragen an das Kommunale Anwendungszentrum');
    t.match(await page.locator('main').innerText(), LONG_SUBJECT);
    await expectReflow(t, page, 'the ticket list');
    t.ok(posts.length >= 3 && posts.every((p) => p.origin === origin && p.site === 'same-origin'), 'every POST came from the page itself');
  });
}
