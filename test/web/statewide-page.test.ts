import t from 'tap';
import { buildTestApp } from '../helpers/app.ts';
import { databaseKinds } from '../helpers/databases.ts';
import { staffClient } from '../helpers/staff-client.ts';
import { statewideSetUp } from '../helpers/statewide.ts';

/**
 * The Lagebild through inject, signed in for real: each number's link leads to a list
 * with that many entries (a solution's participant list, the ticket board, the page's own
 * lists), a ministry sees only its own solutions, the Landesredaktion the numbers without
 * tickets, and wrong query values are named (422).
 */

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The template escapes attribute values as numeric references (`&#61;`) or named ones. */
const unescape = (href: string) =>
  href.replace(/&#([0-9]+);/g, (_, code: string) => String.fromCharCode(Number(code))).replaceAll('&amp;', '&').replaceAll('&quot;', '"');

/** The number linked with this purpose and where it leads (without the #fragment, for inject). */
function numberLink(body: string, purpose: string) {
  const match = new RegExp(`<a href="([^"]+)">([0-9.]+)<span class="unsichtbar"> – ${escapeRegExp(purpose)}</span></a>`).exec(body);
  if (!match) throw new Error(`no number linked as „${purpose}“`);
  return { href: unescape(match[1]!).replace(/#.*$/, ''), n: Number(match[2]!.replaceAll('.', '')) };
}

const participantRows = (body: string, solutionId: string) => body.match(new RegExp(`<tr>(?:<td><input[^>]*>.*?</td>)?<td><a href="/verwaltung/loesungen/${solutionId}/teilnehmende/[0-9]{12}">`, 'g'))?.length ?? 0;
const ticketRows = (body: string) => body.match(/<th scope="row"><a href="\/verwaltung\/tickets\/[0-9a-f-]{36}">/g)?.length ?? 0;

t.test('the Lagebild: numbers that lead to their lists, scoped by role', async (t) => {
  const env = await buildTestApp(t, databaseKinds()[0]!);
  const { id, otherId, ticket } = await statewideSetUp(env);
  const title = 'Meldebescheinigung online';

  const kaz = staffClient(env);
  await kaz.signedIn(await env.roleToken('kaz'));
  const page = await kaz.get('/verwaltung/lagebild');
  t.equal(page.statusCode, 200, page.body);
  t.match(page.body, /href="\/verwaltung\/lagebild" aria-current="page">Lagebild</, 'in the navigation, marked current');
  t.equal(page.body.match(/<h1>/g)?.length, 1);
  t.match(page.body, /ePayment-Anbindung &(#60|lt);fehlt&(#62|gt);/, 'the ticket title escaped');
  t.notMatch(page.body, /<fehlt>/);
  t.match(page.body, /href="\/verwaltung\/karte"/, 'the map is linked');

  // A solution's participant list behind each per-solution number.
  for (const [purpose, expected] of [
    [`live: ${title}`, 1],
    [`Antwort überfällig: ${title}`, 1],
    [`aufgehaltene Behörden: ${title}`, 1],
    [`alle Teilnehmenden: ${title}`, 18],
    [`Personal: ${title}`, 1],
    [`Sonstiges: ${title}`, 1],
  ] as const) {
    const link = numberLink(page.body, purpose);
    t.equal(link.n, expected, `${purpose}: ${expected}`);
    const list = await kaz.get(link.href);
    t.equal(list.statusCode, 200, `${link.href}: ${list.statusCode}`);
    t.equal(participantRows(list.body, id), link.n, `${purpose}: the list ${link.href} has ${link.n} rows`);
  }
  // The responsible ones (the coverage's own filter) and the coverage page behind the Kreise.
  const responsible = numberLink(page.body, `zuständig: ${title}`);
  t.ok(responsible.n > 0 && responsible.n <= 18, `responsible: ${responsible.n} of 18`);
  t.equal(participantRows((await kaz.get(responsible.href)).body, id), responsible.n, `the list ${responsible.href} has as many rows`);
  const kreise = /<a href="([^"]+)">([0-9.]+)<span class="unsichtbar"> – Abdeckung nach Kreis: /.exec(page.body);
  if (kreise) t.equal((await kaz.get(unescape(kreise[1]!))).statusCode, 200, 'the Kreise flächendeckend lead to the coverage page');
  // The ticket board behind the ticket numbers.
  for (const purpose of [`SLA überschritten: ${title}`, `offene blockierende Tickets: ${title}`, 'im Ticket-Board']) {
    const link = numberLink(page.body, purpose);
    t.equal(link.n, 1);
    const board = await kaz.get(link.href);
    t.equal(board.statusCode, 200, link.href);
    t.equal(ticketRows(board.body), 1, `${purpose}: the board ${link.href} lists ${link.n}`);
  }
  // The page's own lists: solutions of one stage, authorities with n solutions live.
  const rollout = numberLink(page.body, 'Lösungen im Stadium Flächendeckender Rollout');
  const rolloutPage = await kaz.get(rollout.href);
  t.equal(rolloutPage.body.match(/<tr><th scope="row"><a href="\/verwaltung\/loesungen\/[0-9a-f-]{36}">/g)?.length, rollout.n, 'the stage list');
  t.notMatch(rolloutPage.body, `href="/verwaltung/loesungen/${otherId}"`, 'the draft is not in the rollout list');
  for (const live of [0, 1]) {
    const link = numberLink(page.body, `Behörden mit ${live} ${live === 1 ? 'Lösung' : 'Lösungen'} live`);
    const list = await kaz.get(link.href);
    const table = /<table id="behoerden-liste">[\s\S]*?<\/table>/.exec(list.body)?.[0] ?? '';
    t.equal(table.match(/<tr><th scope="row">/g)?.length ?? 0, link.n, `${live} live: ${link.n} authorities listed`);
  }

  // A ministry: its own solutions only.
  const mik = staffClient(env);
  await mik.signedIn(await env.ministryToken('MIK'));
  const own = await mik.get('/verwaltung/lagebild');
  t.equal(own.statusCode, 200);
  t.match(own.body, /Waffenschein online/);
  t.notMatch(own.body, title, 'not another ministry’s solution');
  t.notMatch(own.body, ticket.title.slice(0, 10), 'nor its tickets');

  // The Landesredaktion: the numbers, no ticket's title or board link.
  const lr = staffClient(env);
  await lr.signedIn(await env.roleToken('landesredaktion'));
  const lrPage = await lr.get('/verwaltung/lagebild');
  t.equal(lrPage.statusCode, 200);
  t.notMatch(lrPage.body, ticket.title.slice(0, 10), 'no ticket title');
  t.notMatch(lrPage.body, 'href="/verwaltung/tickets', 'no link to the ticket board');
  t.match(lrPage.body, /Nummern und Titel der Tickets sieht die Kaz/);
  t.equal(numberLink(lrPage.body, `Antwort überfällig: ${title}`).n, 1, 'the same numbers');

  // Wrong values are named; a signed-out visitor is sent to sign in.
  for (const [query, field] of [['stadium=erfunden', 'stadium'], ['live=-1', 'live'], [`live=${'9'.repeat(5000)}`, 'live']] as const) {
    const wrong = await kaz.get(`/verwaltung/lagebild?${query}`);
    t.equal(wrong.statusCode, 422, query.slice(0, 30));
    t.match(wrong.body, new RegExp(`href="#(f-${field}|behoerden)"`), `${query.slice(0, 30)}: the summary names the field`);
  }
  const nul = await kaz.get('/verwaltung/lagebild?stadium=%00');
  t.ok(nul.statusCode >= 400 && nul.statusCode < 500, `a NUL byte is refused as input (${nul.statusCode}), no 500`);
  const signedOut = await env.app.inject({ url: '/verwaltung/lagebild' });
  t.equal(signedOut.statusCode, 303);
  t.match(signedOut.headers.location, /^\/anmelden/);
});
