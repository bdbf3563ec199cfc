import t from 'tap';
import { databaseKinds } from '../helpers/databases.ts';
import { bearer, buildTestApp } from '../helpers/app.ts';

/**
 * The participant list pages by key: `nextCursor` → `after` walks every participant once,
 * in the order offset paging gives, without a count unless asked (`total=true`).
 */

for (const kind of databaseKinds()) {
  t.test(`${kind}: the participant list pages by key in name and ARS order`, async (t) => {
    const env = await buildTestApp(t, kind);
    const headers = bearer(await env.ministryToken('MSGIV'));
    const created = await env.app.inject({
      method: 'POST',
      url: '/api/v1/solutions',
      headers,
      payload: { title: 'Wohngeld digital', ozgId: '10326', leikaKeys: ['99107004000000'], responsibility: { level: 'gemeinde' } },
    });
    const base = `/api/v1/solutions/${created.json().id}/participants`;
    const get = (query: string) => env.app.inject({ url: `${base}?${query}`, headers });

    for (const [sort, order] of [['name', 'asc'], ['name', 'desc'], ['ars', 'asc'], ['ars', 'desc']] as const) {
      const all = (await get(`sort=${sort}&order=${order}&limit=500`)).json();
      t.equal(all.total, 195, 'without after: the total as before');
      t.equal(all.nextCursor, null, 'one page holds them all');
      const walked: string[] = [];
      let page = (await get(`sort=${sort}&order=${order}&limit=40`)).json();
      walked.push(...page.items.map((item: { ars: string }) => item.ars));
      let pages = 1;
      while (page.nextCursor) {
        const response = await get(`sort=${sort}&order=${order}&limit=40&after=${page.nextCursor}`);
        t.equal(response.statusCode, 200, response.body);
        page = response.json();
        t.notOk('total' in page, 'with after: no count unless asked');
        walked.push(...page.items.map((item: { ars: string }) => item.ars));
        pages++;
      }
      t.equal(pages, 5, `${sort} ${order}: 195 in pages of 40`);
      t.same(walked, all.items.map((item: { ars: string }) => item.ars), `${sort} ${order}: by key, the same order as offset paging`);
    }

    const filtered = (await get('landkreis=120600000000&limit=5')).json();
    const next = (await get(`landkreis=120600000000&limit=5&after=${filtered.nextCursor}&total=true`)).json();
    t.equal(next.total, filtered.total, 'total=true counts with after too');
    t.ok(next.items.every((item: { kreisArs: string }) => item.kreisArs === '120600000000'), 'the filter holds on the next page');
    t.notOk((await get('limit=5&total=false')).json().total !== undefined, 'total=false: no count');

    const wrongSort = await get(`sort=stage&after=${filtered.nextCursor}`);
    t.equal(wrongSort.statusCode, 422);
    t.match(wrongSort.json().errors, [{ field: '/querystring/after' }]);
    const withOffset = await get(`offset=5&after=${filtered.nextCursor}`);
    t.equal(withOffset.statusCode, 422);
    const forged = await get(`after=${Buffer.from('["x","1"]').toString('base64url')}`);
    t.equal(forged.statusCode, 422, 'a cursor that is none');
    t.match(forged.headers['content-type'], /application\/problem\+json/);
  });
}
