import t from 'tap';
import { createApiToken } from '../../src/auth/api-token.service.ts';
import { buildTestApp } from '../helpers/app.ts';
import { databaseKinds } from '../helpers/databases.ts';
import { drainSettling } from '../helpers/rollout.ts';
import { BARNIM, POTSDAM, ticketSetUp } from '../helpers/tickets.ts';
import { staffClient } from '../helpers/staff-client.ts';
import { solutionInRollout } from '../helpers/waves.ts';

/**
 * One solution's tickets page and the board's filters through inject, signed in for real:
 * for every filter the page lists the same tickets in the same order as GET /api/v1/tickets
 * with the matching query; the API takes the two new filters (assigned, blocking); the
 * page is limited to its solution; roles and scope (Landesredaktion 403, another ministry
 * 404); wrong filter values answer 422 with the page naming them, never 500.
 */

const ANNA = 'anna@zit-bb.example';
const numbersOnPage = (body: string) => [...body.matchAll(/<tr><td>(\d+)<\/td><th scope="row">/g)].map((m) => Number(m[1]));

for (const kind of databaseKinds()) {
  t.test(`one solution's tickets and the queue filters (${kind})`, async (t) => {
    const env = await buildTestApp(t, kind);
    const { kaz, id, api, token: ministry } = await ticketSetUp(env);
    const other = await solutionInRollout(env, ministry, 'kreis');
    const create = async (solutionId: string, ars: string, fields: Record<string, unknown>) => {
      const response = await api('POST', '/tickets', kaz, { solutionId, ars, category: 'epayment', description: 'Beschreibung', ...fields });
      t.equal(response.statusCode, 201, response.body);
      return response.json() as { id: string; number: number };
    };
    await create(id, BARNIM, { title: 'Ruhig', priority: 'niedrig' });
    await create(id, POTSDAM, { title: 'Kritisch und blockierend', priority: 'kritisch', blocking: true, category: 'bundid' });
    await create(id, BARNIM, { title: 'Annas Ticket', priority: 'hoch', assignee: ANNA, category: 'transport' });
    const elsewhere = await create(other.id, BARNIM, { title: 'Ticket der anderen Lösung', priority: 'kritisch' });
    await drainSettling(env);
    // two days on: the critical ones are overdue (sessions start after the jump: idle timeout)
    env.clock.now = new Date(env.clock.now.getTime() + 2 * 24 * 60 * 60_000);

    const { token: annaToken } = await createApiToken(env.handle.db, { role: 'kaz', ministry: null, label: ANNA });
    const anna = staffClient(env);
    await anna.signedIn(annaToken);
    const page = `/verwaltung/loesungen/${id}/tickets`;
    const apiNumbers = async (query: string) => {
      const response = await api('GET', `/tickets?${query}`, annaToken);
      t.equal(response.statusCode, 200, `GET /api/v1/tickets?${query}`);
      return (response.json() as { items: { number: number }[] }).items.map((item) => item.number);
    };

    t.test('the API takes the new filters assigned and blocking, bounded', async (t) => {
      t.equal((await apiNumbers(`solutionId=${id}&blocking=true`)).length, 1);
      t.equal((await apiNumbers(`solutionId=${id}&blocking=false`)).length, 2);
      t.equal((await apiNumbers(`solutionId=${id}&assigned=false`)).length, 2);
      t.equal((await apiNumbers(`solutionId=${id}&assigned=true`)).length, 1);
      t.equal((await api('GET', '/tickets?blocking=vielleicht', kaz)).statusCode, 422, 'not a boolean');
      t.equal((await api('GET', '/tickets?assigned=2', kaz)).statusCode, 422);
    });

    t.test('the page under the solution heading and its tabs; each filter lists what the JSON route lists', async (t) => {
      const response = await anna.get(page);
      t.equal(response.statusCode, 200);
      t.match(response.body, /<h1>Meldebescheinigung online<\/h1>/);
      t.match(response.body, new RegExp(`href="${page}" aria-current="page">Tickets<`));
      t.notMatch(response.body, /Ticket der anderen Lösung/, 'only this solution');
      t.notMatch(response.body, new RegExp(`<td>${elsewhere.number}</td>`));
      t.match(response.body, /Kritisch und blockierend[\s\S]*Annas Ticket[\s\S]*Ruhig/, 'urgency order');
      t.match(response.body, new RegExp(`href="${page}\\?status=neu">neu: 3<`), 'counts of this solution, linking this page');
      t.match(response.body, /mir zugewiesen \(anna@zit-bb\.example\)/, 'her token names her address');
      const cases: [string, string][] = [
        ['', ''],
        ['status=neu', 'status=neu'],
        ['status=geloest', 'status=geloest'],
        ['sla=ueberschritten', 'sla=ueberschritten'],
        ['sla=im-plan&sla=bald-faellig', 'sla=im-plan,bald-faellig'],
        ['prioritaet=kritisch&prioritaet=hoch', 'priority=kritisch,hoch'],
        ['thema=transport', 'category=transport'],
        ['blockiert=ja', 'blocking=true'],
        ['blockiert=nein', 'blocking=false'],
        ['zustaendig=niemand', 'assigned=false'],
        ['zustaendig=mir', `assignee=${encodeURIComponent(ANNA)}`],
        [`an=${encodeURIComponent(ANNA)}`, `assignee=${encodeURIComponent(ANNA)}`],
        ['prioritaet=niedrig,kritisch&blockiert=nein', 'priority=niedrig,kritisch&blocking=false'],
      ];
      for (const [pageQuery, apiQuery] of cases) {
        const shown = await anna.get(`${page}?${pageQuery}`);
        t.equal(shown.statusCode, 200, pageQuery);
        t.same(numbersOnPage(shown.body), await apiNumbers(`solutionId=${id}${apiQuery ? `&${apiQuery}` : ''}`), `page ?${pageQuery} = API ?${apiQuery}`);
      }
      t.ok((await apiNumbers(`solutionId=${id}&sla=ueberschritten`)).length > 0, 'the SLA case is not vacuous');
      const chosen = await anna.get(`${page}?blockiert=ja&thema=bundid`);
      t.match(chosen.body, /id="f-blockiert-ja" name="blockiert" value="ja" checked/, 'the filter stays chosen');
      t.match(chosen.body, /value="bundid" checked/);
    });

    t.test('the board takes the same filters and the solution as a filter', async (t) => {
      const all = await anna.get('/verwaltung/tickets');
      t.same(numbersOnPage(all.body), await apiNumbers(''));
      t.match(all.body, /<option value="[^"]+">Meldebescheinigung online<\/option>/, 'the solutions to choose from');
      const one = await anna.get(`/verwaltung/tickets?loesung=${other.id}`);
      t.same(numbersOnPage(one.body), [elsewhere.number]);
      t.match(one.body, new RegExp(`<option value="${other.id}" selected>`));
      const critical = await anna.get('/verwaltung/tickets?prioritaet=kritisch&blockiert=nein');
      t.same(numbersOnPage(critical.body), await apiNumbers('priority=kritisch&blocking=false'));
    });

    t.test('wrong filter values: 422 with the field named, never 500', async (t) => {
      const wrong: [string, RegExp][] = [
        ['status=offen', /Status: „offen“ gibt es nicht/],
        ['sla=rot', /SLA-Zustand: „rot“ gibt es nicht/],
        ['prioritaet=sehr%20hoch', /Priorität: „sehr hoch“/],
        ['thema=%3Cscript%3E', /Thema: „&#60;script&#62;“ gibt es nicht/],
        ['blockiert=vielleicht', /Blockiert den Live-Gang: bitte/],
        ['zustaendig=jemand', /Zuständig: bitte/],
        ['an=keine-adresse', /Zugewiesen an: bitte eine gültige E-Mail-Adresse/],
        ['ab=-5', /Seitenangabe/],
        ['ab=1e99', /Seitenangabe/],
        [`status=${'x'.repeat(100_000)}`, /Filterwert ist zu lang/],
      ];
      for (const [query, message] of wrong) {
        for (const base of [page, '/verwaltung/tickets']) {
          const response = await anna.get(`${base}?${query}`);
          t.equal(response.statusCode, 422, `${base}?${query.slice(0, 30)}`);
          t.match(response.body, /Bitte prüfen Sie Ihre Angaben/);
          t.match(response.body, message);
        }
      }
      t.match((await anna.get(`${page}?an=keine-adresse`)).body, /id="f-an" name="an" maxlength="254" autocomplete="email" value="keine-adresse" aria-describedby="fehler-f-an" aria-invalid="true"/);
      t.equal((await anna.get('/verwaltung/tickets?loesung=keine-uuid')).statusCode, 422);
      const nul = await anna.get(`${page}?status=neu%00`);
      t.ok(nul.statusCode >= 400 && nul.statusCode < 500, `a NUL byte: ${nul.statusCode}`);
      const mine = staffClient(env);
      await mine.signedIn(kaz);
      const notMine = await mine.get(`${page}?zustaendig=mir`);
      t.equal(notMine.statusCode, 422, 'a token without an address has no „mir“');
      t.match(notMine.body, /Ihr Token nennt keine E-Mail-Adresse/);
      t.notMatch(notMine.body, /value="mir"/, 'and no such option');
    });

    t.test('roles and scope: the Landesredaktion 403, another ministry 404, the own ministry sees its tickets', async (t) => {
      const editor = staffClient(env);
      await editor.signedIn(await env.roleToken('landesredaktion'));
      t.equal((await editor.get(page)).statusCode, 403);
      const mik = staffClient(env);
      await mik.signedIn(await env.ministryToken('MIK'));
      t.equal((await mik.get(page)).statusCode, 404);
      t.equal((await mik.get(`/verwaltung/loesungen/00000000-0000-4000-8000-000000000000/tickets`)).statusCode, 404);
      t.equal((await mik.get('/verwaltung/loesungen/keine-uuid/tickets')).statusCode, 404);
      const own = staffClient(env);
      await own.signedIn(ministry);
      const shown = await own.get(page);
      t.equal(shown.statusCode, 200);
      t.equal(numbersOnPage(shown.body).length, 3);
      t.match(shown.body, /Kritisch und blockierend/);
      const signedOut = await staffClient(env).get(page);
      t.equal(signedOut.statusCode, 303, 'signed out: to the sign-in');
    });
  });
}
