/**
 * Issue 14, point 16: `GET /` is a short German start page instead of a JSON 404, with
 * the answer pages' headers, linking to what a newcomer needs; not an API operation.
 * (In Chromium – axe, CSP, 320 px: test/browser/newcomer-pages.browser.test.ts.)
 */
import t from 'tap';
import { buildTestApp } from '../helpers/app.ts';
import { databaseKinds } from '../helpers/databases.ts';

for (const kind of databaseKinds()) {
  t.test(`${kind}: GET / is a German start page whose links lead on`, async (t) => {
    const env = await buildTestApp(t, kind, { withDirectory: false });
    const page = await env.app.inject({ url: '/' });
    t.equal(page.statusCode, 200);
    t.match(page.headers['content-type'], /^text\/html; charset=utf-8/);
    t.match(page.body, /<html lang="de"/);
    t.match(page.headers['content-security-policy'], /default-src 'none'/);
    t.equal(page.headers['x-content-type-options'], 'nosniff');
    t.equal(page.headers['x-frame-options'], 'DENY');
    t.match(page.body, /ERSTINFORMATION_STARTEN/);
    t.match(page.body, /mailings/, 'the first steps go as far as the mailing');
    t.match(page.body, /outbox/, '… and the outbox');

    const hrefs = [...page.body.matchAll(/href="([^"]+)"/g)].map((match) => match[1]!);
    t.same(hrefs.sort(), ['anmelden', 'barrierefreiheit', 'docs', 'health', 'mitarbeit-gesucht', 'openapi.json'], 'relative links (they work behind a path prefix)');
    for (const href of hrefs) {
      const target = await env.app.inject({ url: new URL(href, 'http://efa.test/').pathname });
      t.equal(target.statusCode, 200, `${href} answers`);
    }
    const document = (await env.app.inject({ url: '/openapi.json' })).json() as { paths: Record<string, unknown> };
    t.notOk('/' in document.paths, 'the start page is no API operation');
  });
}
