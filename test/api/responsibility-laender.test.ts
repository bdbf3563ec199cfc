import t from 'tap';
import { databaseKinds } from '../helpers/databases.ts';
import { bearer, buildTestApp } from '../helpers/app.ts';

/**
 * Zuständigkeit over several Länder or all of them: the solution stores the rule
 * (`laender`, `land: 'alle'`), never the expanded list of authorities, and the single
 * `land` stays valid as before. (The test directory holds Brandenburg only; the
 * nationwide case with the Destatis extract is test/scale/scale-reduced.test.ts.)
 */

const base = { title: 'Wohngeld digital', ozgId: '10326', leikaKeys: ['99107004000000'] };

for (const kind of databaseKinds()) {
  t.test(`${kind}: one Land, several Länder or all`, async (t) => {
    const env = await buildTestApp(t, kind);
    const headers = bearer(await env.ministryToken('MSGIV'));
    const create = (responsibility: Record<string, unknown>) =>
      env.app.inject({ method: 'POST', url: '/api/v1/solutions', headers, payload: { ...base, responsibility } });

    const single = await create({ level: 'gemeinde', land: '12' });
    t.equal(single.statusCode, 201, single.body);
    t.same(single.json().responsibility, { level: 'gemeinde', land: '12' }, 'one Land as before');
    t.same(single.json().participantsByStage, { vorgemerkt: 195 });

    const defaulted = await create({ level: 'kreis' });
    t.same(defaulted.json().responsibility, { level: 'kreis', land: '12' }, 'no Land: Brandenburg');

    const oneOfList = await create({ level: 'gemeinde', laender: ['12'] });
    t.same(oneOfList.json().responsibility, { level: 'gemeinde', land: '12' }, 'a list of one Land is that Land');

    const several = await create({ level: 'gemeinde', laender: ['13', '12', '13'].slice(0, 2) });
    t.equal(several.statusCode, 201, several.body);
    t.same(several.json().responsibility, { level: 'gemeinde', laender: ['12', '13'] }, 'several Länder: the sorted rule');
    t.same(several.json().participantsByStage, { vorgemerkt: 195 }, 'Brandenburg’s authorities (the test directory has no Land 13)');

    const all = await create({ level: 'gemeinde', land: 'alle' });
    t.equal(all.statusCode, 201, all.body);
    t.same(all.json().responsibility, { level: 'gemeinde', land: 'alle' });
    t.same(all.json().participantsByStage, { vorgemerkt: 195 });
    const read = await env.app.inject({ url: `/api/v1/solutions/${all.json().id}`, headers });
    t.notOk('authorities' in read.json().responsibility, 'GET carries the rule, not the authorities');

    const both = await create({ level: 'gemeinde', land: '12', laender: ['12', '13'] });
    t.equal(both.statusCode, 422);
    t.match(both.json().errors, [{ field: '/body/responsibility/laender' }]);
    const none = await create({ level: 'gemeinde', laender: ['13'] });
    t.equal(none.statusCode, 422, 'a Land without authorities in the directory');
    t.match(none.json().errors, [{ field: '/body/responsibility/land', message: /Land 13/ }]);
    const wrongKey = await create({ level: 'gemeinde', land: 'Brandenburg' });
    t.equal(wrongKey.statusCode, 422);

    const patched = await env.app.inject({
      method: 'PATCH',
      url: `/api/v1/solutions/${single.json().id}`,
      headers,
      payload: { responsibility: { level: 'kreis', land: 'alle' } },
    });
    t.equal(patched.statusCode, 200, patched.body);
    t.same(patched.json().responsibility, { level: 'kreis', land: 'alle' });
    t.same(patched.json().participantsByStage, { vorgemerkt: 18 });
  });
}
