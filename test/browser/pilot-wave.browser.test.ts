import { mkdir } from 'node:fs/promises';
import t from 'tap';
import { buildTestApp } from '../helpers/app.ts';
import { axeMissing } from '../helpers/axe.ts';
import { chromiumMissing } from '../helpers/browser.ts';
import { pilotPhaseWithCandidates } from '../helpers/pilots.ts';
import { openStaffBrowser, tickWholeChecklist } from '../helpers/staff-browser.ts';

/**
 * A ministry runs its pilots and a wave in a real Chromium, by click only: confirms one
 * candidate, puts back and declines the others, adds an own checklist item, ticks the
 * pilot's checklist, records a meeting and the ZIT-BB involvement, reports the go-live;
 * then – the rollout started – plans a wave from two ticked authorities of the "ungeplant"
 * list, takes one out and adds another, starts it after the confirmation and sees its
 * progress. Every page passes axe and the 320 px check; screenshots go to
 * test-output/screenshots/ (piloten, pilot, wellen, welle).
 */

const SHOTS = 'test-output/screenshots';

t.test('a ministry confirms a pilot, works its checklist and starts a wave in the browser', { skip: chromiumMissing() ?? axeMissing() ?? false }, async (t) => {
  const env = await buildTestApp(t, 'pglite');
  const token = await env.ministryToken('MSGIV');
  const { id, candidates } = await pilotPhaseWithCandidates(env, token, 3);
  const [a, b, c] = candidates as [{ ars: string; name: string }, { ars: string; name: string }, { ars: string; name: string }];
  await mkdir(SHOTS, { recursive: true });
  const { origin, page, foreign, accessible, click } = await openStaffBrowser(t, env);

  const pilots = `/verwaltung/loesungen/${id}/piloten`;
  await page.goto(`${origin}${pilots}`);
  await page.getByLabel('Persönliches Token').fill(token);
  await page.getByRole('button', { name: 'Anmelden' }).click();
  await page.waitForURL(`${origin}${pilots}`);
  await accessible(t, page, 'pilots page');
  await page.screenshot({ path: `${SHOTS}/piloten.png`, fullPage: true });

  await click(`Als Pilot bestätigen: ${a.name}`);
  t.match(await page.locator('[role=status]').innerText(), /als Pilot bestätigt/);
  await page.locator(`#f-${b.ars}-reason`).fill('Erst nach der Haushaltsplanung');
  await click(`Zurückstellen: ${b.name}`);
  t.match(await page.locator('[role=status]').innerText(), /zurückgestellt/);
  await click(`Ablehnen: ${c.name}`);
  t.match(await page.locator('.zusammenfassung').innerText(), /Begründung/, 'declining without a reason names the field');
  await accessible(t, page, 'pilots page with an error');
  await page.locator(`#f-${c.ars}-reason`).fill('Kein Fachverfahren');
  await click(`Ablehnen: ${c.name}`);
  t.match(await page.locator('[role=status]').innerText(), /abgelehnt/);
  await page.getByLabel('Bezeichnung des Punkts').fill('Datenschutz-Folgenabschätzung');
  await click('Punkt ergänzen');
  t.match(await page.locator('#checkliste + ul').innerText(), /Datenschutz-Folgenabschätzung/);

  await page.getByRole('link', { name: a.name }).click();
  await page.waitForURL(`${origin}${pilots}/${a.ars}`);
  await accessible(t, page, 'pilot page');
  const items = await page.locator('ul.ereignisse > li[id^=punkt-] legend').allInnerTexts();
  t.ok(items.length >= 10, 'every item, the own one too');
  await click('in Arbeit: Vertrag zur Auftragsverarbeitung (AVV) abgeschlossen');
  await tickWholeChecklist(page, click);
  t.match(await page.locator('#checkliste + p').innerText(), /Alle Punkte sind erledigt oder entfallen/);
  await click('offen: Datenschutz-Folgenabschätzung');
  await click('erledigt: Datenschutz-Folgenabschätzung');

  await page.getByLabel('Art des Termins').selectOption('videokonferenz');
  await page.getByLabel('Tag des Termins').fill('2026-03-02');
  await page.getByLabel('Wer teilnahm').fill('Frau Beispiel, Amt\nHerr Muster, Kaz');
  await page.getByLabel('Notizen').fill('Anbindung besprochen');
  await page.getByLabel('vom Kaz moderiert').check();
  await click('Termin speichern');
  t.match(await page.locator('#termine + ol').innerText(), /02\.03\.2026: Videokonferenz, vom Kaz moderiert/);
  await page.getByLabel('ZIT-BB eingebunden').check();
  await page.getByLabel('Ansprechperson bei ZIT-BB/DIKOM').fill('Frau Kontakt');
  await click('Einbindung speichern');
  t.match(await page.locator('[role=status]').innerText(), /Einbindung von ZIT-BB und DIKOM ist gespeichert/);
  await accessible(t, page, 'pilot page with a meeting');
  await page.screenshot({ path: `${SHOTS}/pilot.png`, fullPage: true });
  await page.getByLabel('Adresse (URL) des Online-Dienstes').fill('https://elterngeld.example/barnim');
  await click(`Go-live melden: ${a.name}`);
  t.match(await page.locator('dl').innerText(), /der Online-Dienst ist live/);

  // the rollout begins (on the solution's overview page)
  await page.goto(`${origin}/verwaltung/loesungen/${id}`);
  await page.getByLabel('Lessons learned', { exact: true }).fill('Fachverfahren früh anbinden');
  await click('Lessons learned erfassen');
  await click('Flächendeckenden Rollout starten');
  await click('Ja, Rollout starten');

  const waves = `/verwaltung/loesungen/${id}/wellen`;
  await page.goto(`${origin}${waves}`);
  await accessible(t, page, 'waves page');
  const boxes = page.locator('input[name=behoerden]');
  const names = await page.locator('input[name=behoerden] + label').allInnerTexts();
  t.ok(names.length >= 3);
  await page.getByLabel('Name der Welle').fill('Welle 1');
  await page.getByLabel(names[0]!, { exact: true }).check();
  await page.getByLabel(names[1]!, { exact: true }).check();
  t.equal(await boxes.count(), names.length);
  await click('Welle planen');
  t.match(await page.locator('h1').innerText(), 'Welle „Welle 1“');
  t.match(await page.locator('[role=status]').innerText(), /Die Welle ist geplant/);
  await click(`Entfernen: ${names[1]!}`);
  await page.getByLabel(names[2]!, { exact: true }).check();
  await click('Angekreuzte aufnehmen');
  t.match(await page.locator('[role=status]').innerText(), /Aufgenommen: 1 Behörde/);
  await accessible(t, page, 'wave page');
  await click('Welle starten …');
  t.match(await page.locator('h1').innerText(), /Wirklich die Welle „Welle 1“ starten\?/);
  t.match(await page.locator('.kasten').innerText(), /Das lädt 2 Behörden ein/);
  await accessible(t, page, 'start confirmation');
  await click('Ja, Welle starten und 2 Behörden einladen');
  t.match(await page.locator('[role=status]').innerText(), /Die Welle ist gestartet: 2 Behörden werden eingeladen/);
  t.match(await page.locator('#stand ~ table').first().innerText(), /zur Nachnutzung eingeladen|noch nicht informiert|informiert|Interesse/);
  await accessible(t, page, 'started wave');
  await page.screenshot({ path: `${SHOTS}/welle.png`, fullPage: true });
  await page.getByRole('link', { name: 'Zurück zu den Wellen' }).click();
  t.match(await page.locator('tbody').first().innerText(), /Welle 1\s+–\s+gestartet\s+2/);
  await page.screenshot({ path: `${SHOTS}/wellen.png`, fullPage: true });

  t.same(foreign, [], 'no request to any other host');
});
