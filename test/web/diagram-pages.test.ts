import t from 'tap';
import { bearer, buildTestApp } from '../helpers/app.ts';
import { databaseKinds } from '../helpers/databases.ts';
import { createSolution } from '../helpers/rollout.ts';
import { staffClient } from '../helpers/staff-client.ts';

/**
 * The process diagrams on the staff pages, through inject with a real sign-in:
 * `/verwaltung/ablauf` for every staff role (and not signed out), and on a solution's and
 * an authority's page the stage the API reports marked – before and after an event moves
 * the solution and the authority.
 */

/** The keys of the marked boxes of a page: class "aktuell". */
const marked = (body: string) => [...body.matchAll(/<g class="knoten [^"]*\baktuell" data-zustand="([^"]+)">/g)].map((m) => m[1]);

for (const kind of databaseKinds()) {
  t.test(`the process diagrams on the pages (${kind})`, async (t) => {
    const env = await buildTestApp(t, kind);
    const token = await env.ministryToken('MSGIV');
    const id = await createSolution(env, token);
    const api = (method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>) =>
      env.app.inject({ method, url: `/api/v1${url}`, headers: bearer(token), ...(payload ? { payload } : {}) });

    t.test('/verwaltung/ablauf: three drawings with their tables, for every staff role; signed out → sign-in', async (t) => {
      const signedOut = await env.app.inject({ url: '/verwaltung/ablauf' });
      t.equal(signedOut.statusCode, 303);
      t.match(signedOut.headers.location, /^\/anmelden\?zurueck=/);
      const tokens = [token, env.adminToken, await env.roleToken('kaz'), await env.roleToken('landesredaktion')];
      for (const personal of tokens) {
        const browser = staffClient(env);
        await browser.signedIn(personal);
        const page = await browser.get('/verwaltung/ablauf');
        t.equal(page.statusCode, 200);
        t.match(page.body, /<h1>Ablauf<\/h1>/);
        t.match(page.body, /<a href="\/verwaltung\/ablauf" aria-current="page">Ablauf<\/a>/, 'in the navigation, as the current page');
        t.equal(page.body.match(/<svg [^>]*role="img"/g)?.length, 3, 'three drawings');
        t.equal(page.body.match(/<caption>[^<]+: alle Übergänge<\/caption>/g)?.length, 3, 'three tables');
        for (const id of ['ablauf-loesung', 'ablauf-behoerde', 'ablauf-ticket']) t.match(page.body, `aria-labelledby="${id}-titel ${id}-beschreibung"`);
        t.same(marked(page.body), [], 'nothing marked on the general page');
        t.notMatch(page.body, /style=/, 'no style attribute (strict CSP)');
      }
      const dashboard = await (async () => {
        const browser = staffClient(env);
        await browser.signedIn(token);
        return browser.get('/verwaltung');
      })();
      t.match(dashboard.body, /<a href="\/verwaltung\/ablauf">Ablauf<\/a>/, 'linked from every staff page');
    });

    t.test("a solution's and an authority's page mark the stage the API reports, also after events", async (t) => {
      const browser = staffClient(env);
      await browser.signedIn(token);
      const solutionPage = `/verwaltung/loesungen/${id}`;
      const before = await browser.get(solutionPage);
      t.equal(before.statusCode, 200);
      t.match(before.body, /<details class="ablauf-details"><summary>Ablauf dieser Lösung<\/summary>/);
      t.same(marked(before.body), [(await api('GET', `/solutions/${id}`)).json().stage], 'the draft marked');
      t.same(marked(before.body), ['entwurf']);
      t.match(before.body, /Aktuelle Phase: Entwurf\./);

      const moved = await api('POST', `/solutions/${id}/events`, { type: 'ERSTINFORMATION_STARTEN' });
      t.equal(moved.statusCode, 200, moved.body);
      const after = await browser.get(solutionPage);
      t.same(marked(after.body), ['erstinformation'], 'the new stage marked, the old one no more');
      t.match(after.body, /Aktuelle Phase: Erstinformation\./);
      t.match(after.body, /<th scope="row">Erstinformation \(erstinformation\) <strong>\(aktuelle Phase\)<\/strong><\/th>/, 'the table marks it too');

      const participants = (await api('GET', `/solutions/${id}/participants?limit=1`)).json().items as { ars: string; stage: string }[];
      const ars = participants[0]!.ars;
      const authorityPage = `${solutionPage}/teilnehmende/${ars}`;
      const first = await browser.get(authorityPage);
      t.equal(first.statusCode, 200);
      t.match(first.body, /<summary>Ablauf für diese Behörde<\/summary>/);
      t.same(marked(first.body), [participants[0]!.stage]);
      const refused = await api('POST', `/solutions/${id}/participants/${ars}/events`, { type: 'NICHT_ZUSTAENDIG_MELDEN', reason: 'Zuständig ist das Amt' });
      t.equal(refused.statusCode, 200, refused.body);
      const stage = (await api('GET', `/solutions/${id}/participants/${ars}`)).json().stage;
      t.equal(stage, 'nicht-zustaendig');
      const second = await browser.get(authorityPage);
      t.same(marked(second.body), ['nicht-zustaendig'], "the authority's new stage marked");
      t.match(second.body, /Aktuelle Phase: Als nicht zuständig gemeldet\./);

      const other = staffClient(env);
      await other.signedIn(await env.ministryToken('MIK'));
      t.equal((await other.get(solutionPage)).statusCode, 404, "another ministry's solution: not found, no drawing of it");
      t.equal((await other.get(authorityPage)).statusCode, 404);
    });
  });
}
