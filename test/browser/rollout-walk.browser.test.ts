import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { Page } from 'playwright-core';
import { simpleParser, type ParsedMail } from 'mailparser';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { axeMissing } from '../helpers/axe.ts';
import { chromiumMissing } from '../helpers/browser.ts';
import { navigating, openStaffBrowser, tickWholeChecklist } from '../helpers/staff-browser.ts';
import { drainSettling } from '../helpers/rollout.ts';

/**
 * One whole rollout in a real Chromium, by click and keyboard, without the API: a ministry's
 * person signs in with the keyboard alone, creates a solution through the form, enters the
 * mail contact, begins the Erstinformation, previews and sends it; an authority follows the
 * link in its mail from the outbox and offers to be a pilot (keyboard only); the funnel on the solution's
 * page shows it; the ministry starts the pilot phase, confirms the pilot, ticks its
 * checklist and reports its go-live, records lessons learned and starts the rollout; plans
 * a wave from the "ungeplant" list, starts it after the confirmation (keyboard only) and
 * moves the invited authorities on with a bulk action of the participant table; the pilot
 * authority reports a problem through its link, and the Kaz works the ticket to solved
 * from the link in the Kaz queue's mail (the last step by keyboard); the two onboarding authorities' BUS-BB linking is
 * noted, the Landesredaktion confirms each step and their go-live, the remaining
 * authorities are excluded with a reason in one bulk action, and the rollout is closed. axe and the 320 px check on every page the walk
 * meets; screenshots under test-output/screenshots/walk-*.png.
 */

const SHOTS = 'test-output/screenshots';

async function outbox(env: TestApp): Promise<ParsedMail[]> {
  const dir = env.mail.routes.outboxDir!;
  const files = (await readdir(dir)).filter((f) => f.endsWith('.eml')).sort();
  return Promise.all(files.map(async (f) => simpleParser(await readFile(join(dir, f)))));
}

/** Tab until the element matching `selector` has the focus (at most 40 presses): the page's own focus order. */
async function tabTo(t: Test, page: Page, selector: string): Promise<void> {
  for (let presses = 0; presses < 40; presses++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
  }
  t.fail(`${selector} is not reachable with the Tab key`);
}

t.test('a whole rollout in the browser: ministry, authority, Kaz', { skip: chromiumMissing() ?? axeMissing() ?? false }, async (t) => {
  await mkdir(SHOTS, { recursive: true });
  const env = await buildTestApp(t, 'pglite');
  const ministryToken = await env.ministryToken('MSGIV');
  const kazToken = await env.roleToken('kaz');
  const { origin, page, foreign, accessible, click } = await openStaffBrowser(t, env);
  const shot = (name: string, p: Page = page) => p.screenshot({ path: `${SHOTS}/walk-${name}.png`, fullPage: true });
  const status = () => page.locator('[role=status]').first().innerText();

  // 1. Sign-in with the keyboard alone: the skip link first, then the token field, Enter sends.
  await page.goto(`${origin}/anmelden`);
  await accessible(t, page, 'sign-in');
  await shot('anmelden');
  await page.keyboard.press('Tab');
  t.equal(await page.evaluate(() => document.activeElement?.textContent), 'Zum Inhalt springen', 'the skip link is the first tab stop');
  await tabTo(t, page, '#f-token');
  await page.keyboard.type(ministryToken);
  await Promise.all([page.waitForURL(`${origin}/verwaltung`), page.keyboard.press('Enter')]);
  t.match(await page.locator('.sitzung').innerText(), /Angemeldet: test-MSGIV \(MSGIV\)/);

  // 2. A new solution through the form.
  await page.getByRole('link', { name: 'Neue EfA-Lösung anlegen' }).click();
  await page.waitForURL(`${origin}/verwaltung/loesungen/neu`);
  await page.getByLabel('Titel', { exact: true }).fill('Wohngeld digital');
  await page.getByLabel('OZG-ID').fill('10326');
  await page.getByLabel('LeiKa-Leistungsschlüssel').fill('99107005000000');
  await page.getByLabel('Landkreise und kreisfreie Städte').check();
  await click('Lösung anlegen');
  await page.waitForURL(/\/verwaltung\/loesungen\/[0-9a-f-]{36}$/);
  const solutionUrl = page.url();
  const solutionPath = new URL(solutionUrl).pathname;
  t.equal(await page.locator('h1').innerText(), 'Wohngeld digital');
  t.match(await page.locator('dl').innerText(), /Stadium\s+Entwurf/);

  // 3. The mail's contact, then the Erstinformation: begun, previewed, sent.
  await page.getByRole('link', { name: 'Angaben und Mailtexte' }).click();
  await page.getByLabel('Ansprechperson', { exact: true }).fill('Referat 32, Frau Beispiel');
  await page.getByLabel('E-Mail-Adresse der Ansprechperson').fill('ozg@msgiv.example');
  await click('Angaben speichern');
  t.match(await status(), /Angaben für die Mails sind gespeichert/);
  await page.goto(solutionUrl);
  await click('Erstinformation beginnen');
  await click('Ja, Erstinformation beginnen');
  t.match(await page.locator('dl').innerText(), /Stadium\s+Erstinformation/);
  await page.getByRole('link', { name: 'Mailings' }).click();
  await page.getByLabel('Art des Mailings').selectOption('erstinformation');
  await click('Vorschau und Empfänger ansehen');
  t.equal(await page.locator('h1').innerText(), 'Wirklich die Erstinformation versenden?');
  t.match(await page.locator('pre').innerText(), /Wohngeld digital[\s\S]*\/antwort\//, 'the preview shows the mail with its answer link');
  await accessible(t, page, 'mailing preview');
  await shot('vorschau');
  const send = page.getByRole('button', { name: /^Ja, an \d+ Behörden senden$/ });
  const recipients = Number(/\d+/.exec((await send.innerText()) ?? '')?.[0]);
  t.ok(recipients >= 18, `the Erstinformation goes to every Kreis and kreisfreie Stadt (${recipients})`);
  await Promise.all([page.waitForURL(/\/mailings\/[0-9a-f-]{36}\?versandt$/), send.click()]);
  await drainSettling(env);
  await page.reload();
  t.match(await page.locator('main').innerText(), /der Versand ist abgeschlossen/);

  // 4. An authority follows the link in its mail (another browser context: no session) and offers to be a pilot.
  const mails = await outbox(env);
  const erstinformation = mails.find((m) => /Wohngeld digital/.test(m.subject ?? '') && /\/antwort\/\S+/.test(m.text ?? ''));
  t.ok(erstinformation, 'the Erstinformation is in the outbox');
  const answerUrl = new URL(/https?:\/\/\S+\/antwort\/\S+/.exec(erstinformation!.text ?? '')![0]);
  const authority = await page.context().browser()!.newContext({ locale: 'de-DE', timezoneId: 'Europe/Berlin' });
  t.teardown(() => authority.close());
  const authorityPage = await authority.newPage();
  authorityPage.on('request', (request) => {
    if (!request.url().startsWith(`${origin}/`)) foreign.push(request.url());
  });
  await authorityPage.goto(`${origin}${answerUrl.pathname}`);
  await accessible(t, authorityPage, 'answer page');
  await shot('antwort', authorityPage);
  // by keyboard alone: Tab into the choices, the arrow key to „Pilotbehörde“, Tab to the button, Enter
  await tabTo(t, authorityPage, 'input[name=wahl]');
  for (let presses = 0; presses < 4 && !(await authorityPage.locator('input[name=wahl][value=pilot]').isChecked()); presses++) {
    await authorityPage.keyboard.press('ArrowDown');
  }
  t.ok(await authorityPage.getByLabel('Wir möchten als Pilotbehörde mitwirken.', { exact: true }).isChecked(), 'the choice is made by keyboard');
  await tabTo(t, authorityPage, 'main form button[type=submit]');
  await navigating(authorityPage, () => authorityPage.keyboard.press('Enter'));
  t.match(await authorityPage.locator('main').innerText(), /Vielen Dank|Danke/);
  await accessible(t, authorityPage, 'thanks page');

  // 5. The funnel shows the candidate; the ministry starts the pilot phase and confirms the pilot.
  await page.goto(solutionUrl);
  t.match(await page.locator('ol.trichter').innerText(), /Pilot: 1 \(gerade 1\)/, 'the funnel counts the candidate');
  await accessible(t, page, 'solution page');
  await shot('loesung');
  await click('Pilotphase starten');
  if (/Wirklich/.test(await page.locator('h1').innerText())) await click(await page.locator('main form button').first().innerText());
  t.match(await page.locator('dl').innerText(), /Stadium\s+Pilotphase/);
  await page.getByRole('link', { name: 'Piloten' }).click();
  const candidate = (await page.locator('ul.kandidaten > li').first().locator('a').first().innerText()).trim();
  t.ok(candidate, `the candidate is listed (${candidate})`);
  await click(`Als Pilot bestätigen: ${candidate}`);
  t.match(await status(), /als Pilot bestätigt/);

  // 6. Its checklist ticked, its go-live reported.
  await page.getByRole('link', { name: candidate, exact: true }).click();
  await page.waitForURL(/\/piloten\/\d{12}$/);
  t.ok((await tickWholeChecklist(page, click)) >= 5, 'the checklist has its items');
  t.match(await page.locator('#checkliste + p').innerText(), /Alle Punkte sind erledigt oder entfallen/);
  await accessible(t, page, 'pilot page');
  await shot('pilot');
  await page.getByLabel('Adresse (URL) des Online-Dienstes').fill('https://wohngeld.example/pilot');
  await click(`Go-live melden: ${candidate}`);
  t.match(await page.locator('dl').innerText(), /der Online-Dienst ist live/);

  // 7. Lessons learned, the rollout begins.
  await page.goto(solutionUrl);
  await page.getByLabel('Lessons learned', { exact: true }).fill('Fachverfahren früh anbinden');
  await click('Lessons learned erfassen');
  await click('Flächendeckenden Rollout starten');
  await click('Ja, Rollout starten');
  t.match(await page.locator('dl').innerText(), /Stadium\s+Flächendeckender Rollout/);

  // 8. A wave from the "ungeplant" list, started with the keyboard after its confirmation.
  await page.getByRole('link', { name: 'Wellen' }).click();
  const names = await page.locator('input[name=behoerden] + label').allInnerTexts();
  t.ok(names.length >= 2, 'authorities still without a wave');
  await page.getByLabel('Name der Welle').fill('Welle Nord');
  await page.getByLabel(names[0]!, { exact: true }).check();
  await page.getByLabel(names[1]!, { exact: true }).check();
  await click('Welle planen');
  t.match(await status(), /Die Welle ist geplant/);
  await click('Welle starten …');
  t.match(await page.locator('.kasten').innerText(), /Das lädt 2 Behörden ein/);
  await accessible(t, page, 'wave start confirmation');
  await tabTo(t, page, 'main form button');
  t.equal(await page.evaluate(() => document.activeElement?.textContent), 'Ja, Welle starten und 2 Behörden einladen');
  await Promise.all([page.waitForURL(/\/wellen\/[0-9a-f-]{36}/), page.keyboard.press('Enter')]);
  t.match(await status(), /Die Welle ist gestartet: 2 Behörden werden eingeladen/);
  await shot('welle');
  await drainSettling(env);

  // 9. The invited authorities move on together: a bulk action of the participant table.
  await page.getByRole('link', { name: 'Behörden' }).click();
  await page.getByLabel('Stadium').selectOption('eingeladen');
  await click('Filter anwenden');
  t.equal(await page.locator('tbody tr').count(), 2, 'the two invited authorities');
  await page.getByLabel(`${names[0]!} auswählen`).check();
  await page.getByLabel(`${names[1]!} auswählen`).check();
  await page.getByLabel('Ereignis').selectOption('ONBOARDING_STARTEN');
  await click('Für Ausgewählte senden …');
  await accessible(t, page, 'bulk confirmation');
  await click('Ja, für 2 Behörden ausführen');
  t.match(await page.locator('main').innerText(), /Angewandt bei 2 Behörden, abgelehnt bei 0 Behörden/, 'both applied');
  await shot('sammelaktion');
  await page.goto(solutionUrl);
  t.match(await page.locator('ol.trichter').innerText(), /onboarding: [2-9]/i, 'the funnel counts them in onboarding');

  // 10. The pilot authority reports a problem through its link; the Kaz works it from its mail.
  await authorityPage.goto(`${origin}${answerUrl.pathname}`);
  await authorityPage.getByRole('link', { name: 'Problem melden', exact: true }).click();
  await authorityPage.waitForLoadState();
  await authorityPage.getByLabel('Bereich').selectOption({ index: 1 });
  await authorityPage.getByLabel('Betreff', { exact: true }).fill('Anträge kommen nicht an');
  await authorityPage.getByLabel('Beschreibung').fill('Seit gestern erreicht uns kein Antrag.');
  await navigating(authorityPage, () => authorityPage.getByRole('button', { name: 'Problem melden', exact: true }).click());
  t.equal(await authorityPage.locator('h1').innerText(), 'Ihr Problem ist gemeldet');
  await drainSettling(env);
  const queueMail = (await outbox(env)).find((m) => /\[Kaz-Ticket \d+\] Anträge kommen nicht an/.test(m.subject ?? '') && JSON.stringify(m.to).includes('kaz-queue@'));
  t.ok(queueMail, 'the Kaz queue hears of the ticket');
  const ticketPath = new URL(/https?:\/\/\S+\/verwaltung\/tickets\/[0-9a-f-]{36}/.exec(queueMail!.text ?? '')![0]).pathname;

  await click('Abmelden');
  await page.goto(`${origin}${ticketPath}`);
  t.equal(new URL(page.url()).pathname, '/anmelden', 'signed out, the link leads through the sign-in');
  await page.getByLabel('Persönliches Token').fill(kazToken);
  await click('Anmelden');
  await page.waitForURL(`${origin}${ticketPath}`);
  await click('Bearbeitung aufnehmen');
  await page.getByLabel('Kommentar', { exact: true }).fill('Wir prüfen die Zustellung.');
  await page.getByLabel(/öffentlich – Antwort an die Behörde/).check();
  await click('Kommentar speichern');
  // solved by keyboard alone: Tab to the field, type, Tab to its button, Enter
  await tabTo(t, page, '#f-LOESEN-loesung');
  await page.keyboard.type('Zertifikat erneuert');
  await tabTo(t, page, 'form:has(#f-LOESEN-loesung) button[type=submit]');
  await navigating(page, () => page.keyboard.press('Enter'));
  t.match(await page.locator('dl').innerText(), /gelöst/);
  await accessible(t, page, 'solved ticket');
  await shot('ticket');
  await page.goto(`${origin}${solutionPath}/tickets`);
  t.match(await page.locator('tbody').innerText(), /Anträge kommen nicht an[\s\S]*gelöst/, 'the solution\u2019s tickets show it solved');

  // 11. The two onboarding authorities link the service in BUS-BB (noted by the ministry from their answer), the
  // Landesredaktion confirms each step and the go-live; the others are excluded in one bulk action; the rollout ends.
  await click('Abmelden');
  await page.goto(`${origin}/anmelden`);
  await page.getByLabel('Persönliches Token').fill(ministryToken);
  await click('Anmelden');
  const participantsPath = `${solutionPath}/teilnehmende`;
  for (const name of names.slice(0, 2)) {
    await page.goto(`${origin}${participantsPath}`);
    await page.getByRole('link', { name, exact: true }).click();
    await page.waitForURL(/\/teilnehmende\/\d{12}$/);
    const linking = page.getByRole('group', { name: 'BUS-BB-Verknüpfung vermerken' });
    await linking.getByLabel('Adresse des Online-Dienstes').fill('https://wohngeld.example/antrag');
    await navigating(page, () => linking.getByRole('button', { name: 'BUS-BB-Verknüpfung vermerken' }).click());
    t.match(await status(), /BUS-BB-Verknüpfung/, `${name}: the linking is noted`);
  }
  await accessible(t, page, 'authority page');
  await shot('behoerde');
  await click('Abmelden');

  await page.goto(`${origin}${solutionPath}/bus-bb`);
  await page.getByLabel('Persönliches Token').fill(await env.roleToken('landesredaktion'));
  await click('Anmelden');
  await page.waitForURL(`${origin}${solutionPath}/bus-bb`);
  await accessible(t, page, 'BUS-BB page');
  await shot('bus-bb');
  for (const name of names.slice(0, 2)) {
    for (const step of ['Online-Dienst im BUS-BB angelegt', 'Zuständigkeit zugeordnet (Organisationseinheit und Gebiet)', 'Im Landesserviceportal sichtbar']) {
      await click(`Schritt „${step}“ bestätigen: ${name}`);
    }
    await click(`Live bestätigen: ${name}`);
    t.match(await status(), /live|Live/, `${name}: live`);
  }
  await click('Abmelden');

  await page.goto(`${origin}/anmelden`);
  await page.getByLabel('Persönliches Token').fill(ministryToken);
  await click('Anmelden');
  await page.goto(`${origin}${participantsPath}`);
  await page.getByLabel('Stadium').selectOption('informiert');
  await click('Filter anwenden');
  const rest = await page.locator('tbody tr').count();
  t.equal(rest, recipients - 3, 'everyone else is still only informed');
  for (const box of await page.locator('tbody input[type=checkbox]').all()) await box.check();
  await page.getByLabel('Ereignis').selectOption('AUSSCHLIESSEN');
  await page.getByLabel('Begründung', { exact: true }).fill('Leistung wird landesweit zentral erbracht');
  await click('Für Ausgewählte senden …');
  await click(`Ja, für ${rest} Behörden ausführen`);
  t.match(await page.locator('main').innerText(), new RegExp(`Angewandt bei ${rest} Behörden, abgelehnt bei 0 Behörden`));
  await page.goto(solutionUrl);
  t.match(await page.locator('main').innerText(), new RegExp(`${recipients} von ${recipients} Behörden sind fertig`), 'the progress bar is full');
  await click('Rollout abschließen');
  if (/Wirklich/.test(await page.locator('h1').innerText())) await click(await page.locator('main form button').first().innerText());
  t.match(await page.locator('dl').innerText(), /Stadium\s+Abgeschlossen/, 'the rollout is complete');
  await accessible(t, page, 'completed solution');
  await shot('abgeschlossen');

  t.same(foreign, [], 'no request to any other host');
});
