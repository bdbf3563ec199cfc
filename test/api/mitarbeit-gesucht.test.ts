/**
 * Issue 17, point 6: "Kommunale Mitarbeit gesucht" – the solutions in Erstinformation or
 * Pilotphase whose newest Pilotaufruf has not run out, as a public page, an embeddable
 * page and public JSON: only the right solutions, nothing internal, the right headers.
 * (In Chromium, framed by another origin: test/browser/mitarbeit-gesucht.browser.test.ts.)
 */
import t from 'tap';
import { bearer, buildTestApp } from '../helpers/app.ts';
import { databaseKinds } from '../helpers/databases.ts';
import { createSolution, drainSettling, ELTERNGELD } from '../helpers/rollout.ts';
import { pilotPhaseWithCandidates } from '../helpers/pilots.ts';
import { solutionInRollout } from '../helpers/waves.ts';
import { addCalendarDays, berlinDate } from '../../src/time/berlin.clock.ts';

const KEYS = ['bewerbungBis', 'gesucht', 'kontaktEmail', 'kontaktName', 'ministerium', 'ministeriumKuerzel', 'ozgId', 'phase', 'titel'];
const HOSTILE = '<script>alert(1)</script> Wohngeld & "Co"';
const LONG = `${'Antragstellung vollständig online mit Nachweisabruf '.repeat(12)}Ende`;
const TICKET_TITLE = 'Internes Ticket XTA-Zertifikat 4711';

for (const kind of databaseKinds()) {
  t.test(`${kind}: only solutions whose pilot call is open, the same in JSON, page and embed, nothing internal`, async (t) => {
    const env = await buildTestApp(t, kind);
    const token = await env.ministryToken('MSGIV');
    const get = (url: string) => env.app.inject({ url });

    const nul = await get('/mitarbeit-gesucht/einbetten?x=%00');
    t.equal(nul.statusCode, 422, 'a NUL byte in the address: 422 …');
    t.match(nul.headers['content-type'], /^text\/html/, '… as a German page, not problem+json');
    t.equal(nul.headers['x-frame-options'], 'DENY');

    const empty = await get('/mitarbeit-gesucht');
    t.equal(empty.statusCode, 200);
    t.match(empty.body, /Zurzeit sucht keine EfA-Lösung Pilotbehörden\./, 'the empty state');
    t.same((await get('/api/v1/public/mitarbeit-gesucht')).json(), { items: [] });

    await createSolution(env, token, { ...ELTERNGELD, title: 'Entwurf Hundesteuer', ozgId: '1' });
    const erst = await createSolution(env, token, { ...ELTERNGELD, title: HOSTILE, ozgId: '2', description: LONG } as typeof ELTERNGELD);
    t.equal((await env.app.inject({ method: 'POST', url: `/api/v1/solutions/${erst}/events`, headers: bearer(token), payload: { type: 'ERSTINFORMATION_STARTEN' } })).statusCode, 200);
    const pilot = await pilotPhaseWithCandidates(env, token, 1);
    const candidate = pilot.candidates[0]!;
    const deadline = addCalendarDays(berlinDate(env.clock.now), 14);
    const call = await env.app.inject({ method: 'POST', url: `${pilot.base}/mailings`, headers: bearer(token), payload: { kind: 'pilotaufruf', deadline } });
    t.equal(call.statusCode, 201, 'a Pilotaufruf with a deadline');
    await drainSettling(env);
    const ticket = await env.app.inject({
      method: 'POST',
      url: '/api/v1/tickets',
      headers: bearer(token),
      payload: { solutionId: pilot.id, ars: candidate.ars, category: 'transport', title: TICKET_TITLE, description: 'intern' },
    });
    t.equal(ticket.statusCode, 201, 'a ticket on the pilot candidate');
    await solutionInRollout(env, token);

    const json = await get('/api/v1/public/mitarbeit-gesucht');
    t.equal(json.statusCode, 200, 'the JSON without token');
    t.equal(json.headers['access-control-allow-origin'], '*');
    t.notOk(json.headers['set-cookie'], 'JSON: no cookie');
    const items = json.json().items as Array<Record<string, unknown>>;
    t.same(items.map((item) => item.titel).sort(), ['Elterngeld digital', HOSTILE].sort(), 'Erstinformation and Pilotphase; no draft, no rollout');
    for (const item of items) t.same(Object.keys(item).sort(), KEYS, `${String(item.titel)}: exactly the documented keys`);
    const inPilot = items.find((item) => item.titel === 'Elterngeld digital')!;
    t.match(inPilot, { phase: 'pilotphase', bewerbungBis: deadline, kontaktName: 'Referat 32, Frau Beispiel', kontaktEmail: 'ozg@msgiv.example', ministeriumKuerzel: 'MSGIV' });
    t.match(inPilot.ministerium, /^Ministerium für Soziales/);
    const inErst = items.find((item) => item.titel === HOSTILE)!;
    t.match(inErst, { phase: 'erstinformation', bewerbungBis: null, kontaktName: null });
    const asked = String(inErst.gesucht);
    t.ok(asked.length <= 302 && asked.endsWith(' …') && LONG.startsWith(asked.slice(0, -2)), 'the description shortened at a word boundary');

    const page = await get('/mitarbeit-gesucht');
    const embed = await get('/mitarbeit-gesucht/einbetten');
    for (const [name, response] of [['page', page], ['embed', embed]] as const) {
      t.equal(response.statusCode, 200);
      t.notOk(response.headers['set-cookie'], `${name}: no cookie`);
      t.match(response.headers['content-security-policy'], /default-src 'none'/);
      t.equal(response.body.match(/<li class="aufruf">/g)?.length, items.length, `${name}: as many entries as the JSON`);
      t.notMatch(response.body, /<script>/, `${name}: the hostile title escaped`);
      t.ok(response.body.includes('<h2>&#60;script&#62;alert(1)&#60;/script&#62; Wohngeld &#38; &#34;Co&#34;</h2>'), `${name}: shown as text`);
      t.match(response.body, /Elterngeld digital/);
      t.match(response.body, /Melden Sie sich bei Referat 32, Frau Beispiel \(<a href="mailto:ozg@msgiv.example">/);
      t.match(response.body, new RegExp(`Bewerbung bis</dt><dd>${deadline.split('-').reverse().join('\\.')}`));
    }
    t.equal(page.headers['x-frame-options'], 'DENY', 'the page may not be framed');
    t.match(page.headers['content-security-policy'], /frame-ancestors 'none'/);
    t.notOk(embed.headers['x-frame-options'], 'the embed: no X-Frame-Options');
    t.match(embed.headers['content-security-policy'], /(^|; )frame-ancestors \*(;|$)/, 'the embed: any site may frame it');
    t.match(embed.headers['content-security-policy'], /style-src 'sha256-/, '… the rest of the strict policy stays');
    t.match(embed.body, /<a href="http:\/\/efa\.test\/mitarbeit-gesucht" target="_blank" rel="noopener">/, 'the embed links to the public page in a new tab');
    t.match(page.body, /&#60;iframe src&#61;&#34;http:\/\/efa\.test\/mitarbeit-gesucht\/einbetten&#34; title&#61;&#34;Kommunale Mitarbeit gesucht&#34;/, 'the snippet to copy');

    for (const body of [json.body, page.body, embed.body]) {
      for (const secret of [candidate.name, TICKET_TITLE, pilot.id, erst, 'Entwurf Hundesteuer', 'Meldewesen']) t.notOk(body.includes(secret), `nothing internal: ${secret}`);
    }

    env.clock.now = new Date(`${addCalendarDays(deadline, 1)}T12:00:00Z`);
    const later = (await get('/api/v1/public/mitarbeit-gesucht')).json().items as Array<{ titel: string }>;
    t.same(later.map((item) => item.titel), [HOSTILE], 'the Pilotaufruf has run out: no longer listed');

    const document = (await get('/openapi.json')).json() as { paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown> }>> };
    const operation = document.paths['/api/v1/public/mitarbeit-gesucht']?.get;
    t.ok(operation?.responses['200'], 'documented with its response');
    t.same(operation?.security, [], 'without token');
    t.notOk(operation?.responses['401'], 'no 401 documented');
    t.notOk('/mitarbeit-gesucht' in document.paths, 'the pages are no API operations');
  });
}
