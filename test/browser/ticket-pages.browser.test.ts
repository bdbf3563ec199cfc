import t from 'tap';
import type { AddressInfo } from 'node:net';
import type { Page, Response } from 'playwright-core';
import { getLinkSecret, issueResponseLinks } from '../../src/responses/response-link.service.ts';
import { bearer, buildTestApp } from '../helpers/app.ts';
import { chromiumMissing, launchChromium } from '../helpers/browser.ts';
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

for (const kind of databaseKinds()) {
  t.test(`${kind}: an authority reports a problem and answers the Kaz in Chromium`, { skip: chromiumMissing() ?? false }, async (t) => {
    const env = await buildTestApp(t, kind);
    await env.app.listen({ host: '127.0.0.1', port: 0 });
    const origin = `http://127.0.0.1:${(env.app.server.address() as AddressInfo).port}`;
    const ministry = await env.ministryToken('MSGIV');
    const kaz = await env.roleToken('kaz');
    const { id: solutionId } = await solutionInRollout(env, ministry, 'kreis');
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

    const context = await (await launchChromium(t)).newContext({ locale: 'de-DE', timezoneId: 'Europe/Berlin' });
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
    await page.getByRole('link', { name: 'Problem melden', exact: true }).click();
    await page.waitForLoadState('domcontentloaded');
    t.equal(await heading(page), 'Problem melden');

    // a missing description: the summary, the fields kept
    await page.getByLabel('Bereich').selectOption({ label: 'Transport (FIT-Connect, OSCI-XTA, DVDV)' });
    await page.getByLabel('Betreff', { exact: true }).fill('OSCI-XTA: keine Zustellung');
    t.equal((await submit(page, 'Problem melden')).status(), 422);
    t.match(await page.getByRole('alert').innerText(), 'Bitte beschreiben Sie das Problem.');
    t.equal(await page.getByLabel('Betreff', { exact: true }).inputValue(), 'OSCI-XTA: keine Zustellung');
    await page.getByLabel('Beschreibung').fill('Seit dem Zertifikatswechsel kommen keine Anträge an.');
    t.equal((await submit(page, 'Problem melden')).status(), 200);
    t.equal(await heading(page), 'Ihr Problem ist gemeldet');

    // the ticket's page, reached by the link on the confirmation
    await page.getByRole('link', { name: /Ihre Meldung Nr\. \d+ ansehen/ }).click();
    await page.waitForLoadState('domcontentloaded');
    t.match(await heading(page), /^Meldung Nr\. \d+: OSCI-XTA: keine Zustellung$/);
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

    // the authority replies through the form
    await page.getByLabel('Ihre Nachricht', { exact: true }).fill('Fingerabdruck: AB:CD:EF');
    t.equal((await submit(page, 'Antwort senden')).status(), 200);
    const text = await main.innerText();
    t.match(text, 'Ihre Antwort ist beim Kaz eingegangen.');
    t.match(text, /Status\s+in Bearbeitung/);
    t.match(text, 'Fingerabdruck: AB:CD:EF');
    t.notMatch(await page.content(), 'DVDV-Eintrag veraltet');
    t.equal((await api('GET', url)).json().stage, 'in-bearbeitung');
    t.ok(posts.length >= 3 && posts.every((p) => p.origin === origin && p.site === 'same-origin'), 'every POST came from the page itself');
  });
}
