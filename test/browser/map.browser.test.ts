import { mkdir } from 'node:fs/promises';
import t from 'tap';
import { buildTestApp } from '../helpers/app.ts';
import { axeMissing } from '../helpers/axe.ts';
import { chromiumMissing } from '../helpers/browser.ts';
import { FRANKFURT, POTSDAM, setUpBusBbRollout } from '../helpers/busbb-rollout.ts';
import { csrfOf, postForm } from '../helpers/forms.ts';
import { issueLinkPath } from '../helpers/links.ts';
import { openStaffBrowser } from '../helpers/staff-browser.ts';

/**
 * A ministry looks at its solution's map and the map of all solutions in a real Chromium:
 * axe and the 320 px check pass on both, Tab reaches an area (named by its title, drawn
 * with the focus outline), a click on an area opens the authority's page, and after an
 * authority's answer moved it on, its area's class and its table row say the new stage.
 * No request leaves the service.
 */

const SCREENSHOTS = 'test-output/screenshots';

t.test('a ministry reads its maps in the browser', { skip: chromiumMissing() ?? axeMissing() ?? false }, async (t) => {
  const env = await buildTestApp(t, 'pglite');
  const { token, id } = await setUpBusBbRollout(env);
  await mkdir(SCREENSHOTS, { recursive: true });
  const { origin, page, foreign, accessible, click } = await openStaffBrowser(t, env);
  const mapPath = `/verwaltung/loesungen/${id}/karte`;
  await page.goto(`${origin}${mapPath}`);
  await page.getByLabel('Persönliches Token').fill(token);
  await click('Anmelden');
  t.equal(new URL(page.url()).pathname, mapPath, 'back to the map after signing in');
  t.match(await page.locator('h1').innerText(), /^Karte: Gewerbeanmeldung <digital>$/);
  await accessible(t, page, 'solution map');
  await page.screenshot({ path: `${SCREENSHOTS}/karte.png`, fullPage: true });

  // keyboard: Tab until the focus is in the map – the first area, named by its title, outlined
  let inMap = false;
  for (let i = 0; i < 40 && !inMap; i++) {
    await page.keyboard.press('Tab');
    inMap = await page.evaluate(() => document.activeElement?.closest('svg') !== null && document.activeElement?.tagName === 'a');
  }
  t.ok(inMap, 'Tab reaches an area of the map');
  const focused = page.locator(':focus');
  const title = await focused.evaluate((a) => a.querySelector('title')?.textContent ?? '');
  t.match(title, /: .+ \(.+\), zuletzt geändert am \d\d\.\d\d\.\d{4}$/, 'its title names authority, stage and date');
  t.match(await focused.ariaSnapshot(), title.slice(0, 20), 'and is its accessible name');
  // the area's own outline, not the box around it and its caption
  const outline = await focused.evaluate((a) => {
    const style = getComputedStyle(a.querySelector('path')!);
    return { stroke: style.stroke, width: style.strokeWidth };
  });
  t.same(outline, { stroke: 'rgb(11, 79, 156)', width: '5px' }, 'the focus outline: a strong border in the focus colour');
  const caption = page.locator(`svg a[href="${await focused.getAttribute('href')}"] text.fokus`);
  t.ok(await caption.isVisible(), 'the title shown in the map while the area has focus');
  t.equal(await caption.evaluate((text) => text.firstChild?.textContent), title.slice(0, title.indexOf(': ')), 'naming the authority');
  await page.keyboard.press('Tab');
  t.notOk(await caption.isVisible(), 'and gone when the focus moves on');

  // an answer moves Frankfurt on: after a reload its area and its row say so
  const frankfurt = (selector: string) => page.locator(selector).first();
  const areaClass = () => frankfurt(`svg a[href$="/teilnehmende/${FRANKFURT}"] path`).getAttribute('class');
  const rowText = () => page.locator('tbody tr', { has: page.locator(`a[href$="/teilnehmende/${FRANKFURT}"]`) }).innerText();
  t.equal(await areaClass(), 'stufe-informiert');
  t.match(await rowText(), /vorgemerkt oder informiert\s+informiert/);
  const mailing = await env.handle.db.selectFrom('mailing').select('id').where('solution_id', '=', id).where('kind', '=', 'erstinformation').executeTakeFirstOrThrow();
  const link = await issueLinkPath(env, { solutionId: id, mailingId: mailing.id, ars: FRANKFURT, purpose: 'interesse' });
  t.equal((await postForm(env, link, [['csrf', await csrfOf(env, link)], ['wahl', 'interesse']])).statusCode, 200);
  await page.reload();
  t.equal(await areaClass(), 'stufe-interessiert', 'the area’s colour class');
  t.match(await rowText(), /interessiert\s+Interesse bekundet/, 'the table row');

  // a click on an area opens the authority's page
  await Promise.all([page.waitForURL(`**/teilnehmende/${POTSDAM}`), page.locator(`svg a[href$="/teilnehmende/${POTSDAM}"]`).click()]);
  t.match(await page.locator('h1').innerText(), /Potsdam/, 'the authority’s page');

  // the map of all solutions, from the navigation
  await Promise.all([page.waitForURL('**/verwaltung/karte'), page.getByRole('navigation', { name: 'Hauptnavigation' }).getByRole('link', { name: 'Karte' }).click()]);
  t.match(await page.locator('h1').innerText(), /Lösungen live in Brandenburg/);
  await accessible(t, page, 'map of all solutions');
  await page.screenshot({ path: `${SCREENSHOTS}/karte-alle.png`, fullPage: true });
  await page.locator(`svg a[href="#z-${POTSDAM}"]`).click();
  t.equal(new URL(page.url()).hash, `#z-${POTSDAM}`, 'an area leads to its row');
  t.match(await page.locator(`#z-${POTSDAM}`).innerText(), /Potsdam \(Stadt\)\s+Potsdam\s+0/);

  t.same(foreign, [], 'no request to another host');
});
