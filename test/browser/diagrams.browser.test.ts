import t from 'tap';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { bearer, buildTestApp } from '../helpers/app.ts';
import { axeMissing } from '../helpers/axe.ts';
import { chromiumMissing } from '../helpers/browser.ts';
import { createSolution } from '../helpers/rollout.ts';
import { openStaffBrowser } from '../helpers/staff-browser.ts';

/**
 * The process diagrams in Chromium: `/verwaltung/ablauf` from the navigation, a solution's
 * page and an authority's page with their diagram opened – the marked box visible, inside
 * the page at 320 px as on a wide screen; axe and the 320 px check on each.
 */

const SCREENSHOTS = fileURLToPath(new URL('../../test-output/screenshots/', import.meta.url));

t.test('the process diagrams in Chromium', { skip: chromiumMissing() ?? axeMissing() ?? false }, async (t) => {
  const env = await buildTestApp(t, 'pglite');
  const token = await env.ministryToken('MSGIV');
  const id = await createSolution(env, token);
  const started = await env.app.inject({ method: 'POST', url: `/api/v1/solutions/${id}/events`, headers: bearer(token), payload: { type: 'ERSTINFORMATION_STARTEN' } });
  t.equal(started.statusCode, 200, started.body);
  const participant = (await env.app.inject({ url: `/api/v1/solutions/${id}/participants?limit=1`, headers: bearer(token) })).json().items[0] as { ars: string; stage: string };
  await mkdir(SCREENSHOTS, { recursive: true });
  const { origin, page, foreign, accessible } = await openStaffBrowser(t, env);

  await page.goto(`${origin}/anmelden`);
  await page.getByLabel('Persönliches Token').fill(token);
  await page.getByRole('button', { name: 'Anmelden' }).click();
  await page.waitForURL(`${origin}/verwaltung`);
  await page.getByRole('link', { name: 'Ablauf', exact: true }).click();
  await page.waitForURL(`${origin}/verwaltung/ablauf`);
  t.equal(await page.locator('h1').innerText(), 'Ablauf');
  t.equal(await page.getByRole('img').count(), 3, 'three drawings as images with their names');
  t.match(await page.getByRole('img').first().getAttribute('aria-labelledby'), /ablauf-loesung-titel/);
  const width = await page.locator('figure.ablauf svg').first().evaluate((svg) => svg.getBoundingClientRect().width);
  const main = await page.locator('main').evaluate((element) => element.clientWidth);
  t.ok(width <= main, 'the drawing fits the page');
  await page.getByText('Alle Übergänge als Tabelle', { exact: true }).first().click();
  t.ok(await page.getByRole('table', { name: /Ablauf einer Lösung: alle Übergänge/ }).isVisible(), 'the text alternative opens');
  await accessible(t, page, 'Ablauf');
  await page.screenshot({ path: `${SCREENSHOTS}ablauf.png`, fullPage: true });

  const pages = [
    { url: `${origin}/verwaltung/loesungen/${id}`, summary: 'Ablauf dieser Lösung', stage: 'erstinformation', name: 'solution page' },
    { url: `${origin}/verwaltung/loesungen/${id}/teilnehmende/${participant.ars}`, summary: 'Ablauf für diese Behörde', stage: participant.stage, name: 'authority page' },
  ];
  for (const { url, summary, stage, name } of pages) {
    await page.goto(url);
    const current = page.locator('g.aktuell');
    t.equal(await current.count(), 1, `${name}: one box marked`);
    t.notOk(await current.isVisible(), `${name}: the diagram starts closed`);
    await page.getByText(summary, { exact: true }).click();
    t.ok(await current.isVisible(), `${name}: opened, the marked box is visible`);
    t.equal(await current.getAttribute('data-zustand'), stage);
    t.match(await current.locator('title').textContent(), /aktuelle Phase/);
    await page.setViewportSize({ width: 320, height: 640 });
    await current.scrollIntoViewIfNeeded();
    const box = await current.boundingBox();
    t.ok(box && box.x >= 0 && box.x + box.width <= 320 && box.width > 0, `${name}: at 320 px the marked box lies inside the page`);
    await page.setViewportSize({ width: 1280, height: 800 });
    await accessible(t, page, `${name} with its diagram open`);
  }
  t.same(foreign, [], 'no request to any other host');
});
