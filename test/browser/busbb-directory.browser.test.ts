import t from 'tap';
import { mkdir } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildTestApp } from '../helpers/app.ts';
import { axeMissing } from '../helpers/axe.ts';
import { chromiumMissing } from '../helpers/browser.ts';
import { openStaffBrowser } from '../helpers/staff-browser.ts';
import { PVOG_EXPORT_FIXTURE, setUpBusBbRollout } from '../helpers/busbb-rollout.ts';

/**
 * The Landesredaktion and the admin in a real Chromium: the Landesredaktion confirms a
 * Leistungsbeschreibung and an authority's BUS-BB step, uploads the PVOG export through
 * the file input, sees the four categories and applies the reconciliation after its
 * confirmation; the admin checks a Kommunalverzeichnis file in a dry run and applies it.
 * axe and the 320 px check on every page; screenshots under test-output/screenshots.
 */

const SCREENSHOTS = fileURLToPath(new URL('../../test-output/screenshots/', import.meta.url));
const DIRECTORY_FILE = readFileSync(new URL('../../fixtures/brandenburg-kommunalverzeichnis.csv', import.meta.url))
  .toString('utf8')
  .split('\r\n')
  .filter((line) => !line.startsWith('"120605003034"'))
  .join('\r\n');

t.test('the Landesredaktion reconciles, the admin uploads the Kommunalverzeichnis', { skip: chromiumMissing() ?? axeMissing() ?? false }, async (t) => {
  const env = await buildTestApp(t, 'pglite');
  const { id } = await setUpBusBbRollout(env);
  await mkdir(SCREENSHOTS, { recursive: true });
  const { origin, page, foreign, accessible, click } = await openStaffBrowser(t, env);
  const busBb = `${origin}/verwaltung/loesungen/${id}/bus-bb`;

  await page.goto(busBb);
  await page.getByLabel('Persönliches Token').fill(await env.roleToken('landesredaktion'));
  await page.getByRole('button', { name: 'Anmelden' }).click();
  await page.waitForURL(busBb);
  t.match(await page.locator('h1').innerText(), /BUS-BB und Abgleich/);
  await accessible(t, page, 'BUS-BB page');
  await page.screenshot({ path: `${SCREENSHOTS}bus-bb.png`, fullPage: true });

  await page.getByLabel('Anmerkung (optional)').fill('im BUS-BB hinterlegt');
  await click('Leistungsbeschreibung bestätigen');
  t.match(await page.locator('[role=status]').innerText(), /Leistungsbeschreibung ist als im BUS-BB hinterlegt bestätigt/);

  await click('Schritt „Online-Dienst im BUS-BB angelegt“ bestätigen: Potsdam, Stadt');
  t.match(await page.locator('[role=status]').innerText(), /Der BUS-BB-Schritt ist bestätigt/);
  t.match(await page.locator('tr', { hasText: 'Potsdam' }).innerText(), /Online-Dienst im BUS-BB angelegt: bestätigt/);
  t.ok(await page.locator('tr', { hasText: 'Potsdam' }).getByRole('button', { name: 'Live bestätigen' }).isDisabled(), 'the go-live waits, disabled');

  // without a file: the error summary names the file field
  await click('Export hochladen und abgleichen');
  t.match(await page.locator('.zusammenfassung').innerText(), /Bitte wählen Sie die Exportdatei/);
  await accessible(t, page, 'upload without a file');

  await page.getByLabel('Exportdatei (JSON, XZuFi 2.2)').setInputFiles(fileURLToPath(PVOG_EXPORT_FIXTURE));
  await click('Export hochladen und abgleichen');
  t.match(page.url(), /\/bus-bb\/abgleiche\/[0-9a-f-]{36}\?erfolg=eingelesen$/);
  const headings = await page.locator('h2').allInnerTexts();
  for (const heading of ['Bestätigt (1)', 'Gemeldet, nicht gefunden (1)', 'Gefunden, nicht gemeldet (3)', 'Fehlt (2)']) t.ok(headings.includes(heading), heading);
  t.equal(await page.locator('table caption').count(), 4, 'four tables with captions');
  await accessible(t, page, 'reconciliation result');
  await page.screenshot({ path: `${SCREENSHOTS}abgleich.png`, fullPage: true });

  await click('Abgleich anwenden …');
  t.match(await page.locator('.kasten').innerText(), /2 Behörden wechseln/);
  await accessible(t, page, 'apply confirmation');
  await click('Ja, 2 Behörden übernehmen');
  t.match(await page.locator('[role=status]').innerText(), /Der Abgleich ist angewandt/);
  await page.getByRole('link', { name: 'Zurück zu BUS-BB und Abgleich' }).click();
  t.match(await page.locator('section', { hasText: 'Bisherige Abgleiche' }).innerText(), /PVOG-Export/);
  await accessible(t, page, 'BUS-BB page with a reconciliation');
  // the remaining steps in order, then the go-live the last one unlocks
  await click('Schritt „Zuständigkeit zugeordnet (Organisationseinheit und Gebiet)“ bestätigen: Potsdam, Stadt');
  await click('Schritt „Im Landesserviceportal sichtbar“ bestätigen: Potsdam, Stadt');
  await click('Live bestätigen: Potsdam, Stadt');
  t.match(await page.locator('[role=status]').innerText(), /Die Behörde ist als live bestätigt/);
  t.notMatch(await page.locator('main').innerText(), /Potsdam, Stadt/, 'live: no longer waiting');
  await click('Abmelden');

  await page.goto(`${origin}/verwaltung/verzeichnis`);
  await page.getByLabel('Persönliches Token').fill(env.adminToken);
  await page.getByRole('button', { name: 'Anmelden' }).click();
  await page.waitForURL(`${origin}/verwaltung/verzeichnis`);
  await accessible(t, page, 'Kommunalverzeichnis');
  await page.getByLabel(/^Datei \(kvdaten/).setInputFiles({ name: 'kvdaten.csv', mimeType: 'text/csv', buffer: Buffer.from(DIRECTORY_FILE) });
  await page.getByLabel('Nur dieses Land (optional)').fill('12');
  await click('Datei prüfen (Probelauf)');
  t.match(await page.locator('h1').innerText(), /Probelauf: kvdaten\.csv/);
  t.match(await page.locator('main').innerText(), /Breydin \(120605003034/);
  await accessible(t, page, 'dry run');
  await page.screenshot({ path: `${SCREENSHOTS}verzeichnis.png`, fullPage: true });
  await click('Diese Datei übernehmen');
  t.match(await page.locator('[role=status]').innerText(), /Die Datei ist übernommen: Import Nr\. \d+/);
  t.match(await page.locator('tbody').first().innerText(), /kvdaten\.csv/);
  await accessible(t, page, 'Kommunalverzeichnis after the import');

  t.same(foreign, [], 'no request to any other host');
});
