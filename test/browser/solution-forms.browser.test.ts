import t from 'tap';
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { buildTestApp } from '../helpers/app.ts';
import { axeMissing } from '../helpers/axe.ts';
import { chromiumMissing } from '../helpers/browser.ts';
import { openStaffBrowser } from '../helpers/staff-browser.ts';
import { createSolution, drainSettling, ELTERNGELD } from '../helpers/rollout.ts';

/**
 * A ministry without the API, in a real Chromium: the dashboard with its progress bars,
 * a new solution through the form (first with an error), its draft, mail details and a
 * mail text edited (preview, save, back to the default), the Erstinformation begun,
 * previewed and sent from the mailing page, and the mailing's progress. axe finds no
 * violation on any of these pages, none scrolls sideways at 320 px; screenshots go to
 * test-output/screenshots/.
 */

const SCREENSHOTS = 'test-output/screenshots';

t.test('a ministry creates a solution and sends its Erstinformation in Chromium', { skip: chromiumMissing() ?? axeMissing() ?? false }, async (t) => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const env = await buildTestApp(t, 'pglite');
  const token = await env.ministryToken('MSGIV');
  await createSolution(env, token, ELTERNGELD);
  const { origin, page, foreign, accessible, click } = await openStaffBrowser(t, env);
  const shot = (p: Page, name: string) => p.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: true });

  await page.goto(`${origin}/anmelden`);
  await page.getByLabel('Persönliches Token').fill(token);
  await click('Anmelden');
  await page.waitForURL(`${origin}/verwaltung`);
  t.match(await page.locator('main').innerText(), /0 von \d+ Behörden fertig/);
  t.equal(await page.locator('progress').count(), 1, 'a progress bar for the solution');
  await accessible(t, page, 'dashboard');
  await shot(page, 'uebersicht');

  await page.getByRole('link', { name: 'Neue EfA-Lösung anlegen' }).click();
  await page.waitForURL(`${origin}/verwaltung/loesungen/neu`);
  await accessible(t, page, 'new solution form');
  await shot(page, 'neue-loesung');
  await click('Lösung anlegen');
  t.match(await page.locator('.zusammenfassung').innerText(), /Titel: darf nicht leer sein/);
  await page.locator('.zusammenfassung a').first().click();
  t.equal(await page.evaluate(() => document.activeElement?.id), 'f-title', 'the summary leads to the field');
  await accessible(t, page, 'new solution form with errors');
  await page.getByLabel('Titel', { exact: true }).fill('Wohngeld digital');
  await page.getByLabel('OZG-ID').fill('10326');
  await page.getByLabel('LeiKa-Leistungsschlüssel').fill('99107005000000');
  await page.getByLabel('Landkreise und kreisfreie Städte').check();
  await click('Lösung anlegen');
  await page.waitForURL(/\/verwaltung\/loesungen\/[0-9a-f-]{36}$/);
  const solutionUrl = page.url();
  t.equal(await page.locator('h1').innerText(), 'Wohngeld digital');

  await page.getByRole('link', { name: 'Angaben und Mailtexte' }).click();
  await page.waitForURL(`${solutionUrl}/bearbeiten`);
  await accessible(t, page, 'settings page');
  await shot(page, 'bearbeiten');
  await page.getByLabel('Titel', { exact: true }).fill('Wohngeld online');
  await click('Entwurf speichern');
  t.match(await page.getByRole('status').innerText(), /Der Entwurf ist gespeichert/);
  await page.getByLabel('Ansprechperson', { exact: true }).fill('Referat 32, Frau Beispiel');
  await page.getByLabel('E-Mail-Adresse der Ansprechperson').fill('ozg@msgiv.example');
  await click('Angaben speichern');
  t.match(await page.getByRole('status').innerText(), /Angaben für die Mails sind gespeichert/);

  await page.getByRole('link', { name: 'Erstinformation', exact: true }).click();
  await page.waitForURL(`${solutionUrl}/bearbeiten/vorlagen/erstinformation`);
  await accessible(t, page, 'mail text editor');
  await page.getByLabel('Betreff').fill('Bitte lesen: {{loesung.titel}}');
  await click('Vorschau');
  t.match(await page.locator('main').innerText(), /Vorschau \(noch nicht gespeichert\)[\s\S]*Bitte lesen: Wohngeld online/);
  await accessible(t, page, 'mail text preview');
  await click('Speichern');
  t.match(await page.getByRole('status').innerText(), /Der Text ist gespeichert/);
  await click('Auf Standard zurücksetzen');
  t.match(await page.getByRole('status').innerText(), /wieder den Standardtext/);

  await page.goto(solutionUrl);
  await click('Erstinformation beginnen');
  await click('Ja, Erstinformation beginnen');
  await page.getByRole('link', { name: 'Mailings' }).click();
  await page.waitForURL(`${solutionUrl}/mailings`);
  await accessible(t, page, 'mailings page');
  await shot(page, 'mailings');
  await page.getByLabel('Art des Mailings').selectOption('erstinformation');
  await click('Vorschau und Empfänger ansehen');
  t.equal(await page.locator('h1').innerText(), 'Wirklich die Erstinformation versenden?');
  t.match(await page.locator('pre').innerText(), /\/antwort\//, 'the mail text with the authority’s link');
  await accessible(t, page, 'mailing preview');
  const send = page.getByRole('button', { name: /^Ja, an \d+ Behörden senden$/ });
  await Promise.all([page.waitForURL(/\/mailings\/[0-9a-f-]{36}\?versandt$/), send.click()]);
  t.match(await page.locator('main').innerText(), /0 von \d+ Mails sind verarbeitet/);
  await drainSettling(env);
  // the page's own script renews the progress block within 5 seconds, without a reload
  await page.getByText(/der Versand ist abgeschlossen/).waitFor({ timeout: 15_000 });
  t.pass('the progress renewed itself');
  await page.getByRole('link', { name: 'Aktualisieren' }).click();
  await page.waitForLoadState();
  t.match(await page.locator('main').innerText(), /der Versand ist abgeschlossen/);
  await accessible(t, page, 'mailing page');
  await shot(page, 'mailing');

  t.same(foreign, [], 'no request to any other host');
});
