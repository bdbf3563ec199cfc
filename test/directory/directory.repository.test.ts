import t from 'tap';
import { readFileSync } from 'node:fs';
import { databaseKinds, openTestDatabase } from '../helpers/databases.ts';
import { importDirectory } from '../../src/directory/directory.import.ts';
import { getAuthorityByArs, listChildren, searchAuthorities } from '../../src/directory/directory.repository.ts';

const FIXTURE = readFileSync(new URL('../../fixtures/brandenburg-kommunalverzeichnis.csv', import.meta.url));

for (const kind of databaseKinds()) {
  t.test(kind, async (t) => {
    const { db } = await openTestDatabase(t, kind);
    await importDirectory(db, { content: FIXTURE, sourceName: 'fixture' });

    t.test('name substring, case-insensitive, ordered by name', async (t) => {
      const page = await searchAuthorities(db, { q: 'LIEBENW' });
      t.same(
        page.items.map((a) => a.name),
        ['Bad Liebenwerda, Stadt', 'Liebenwalde, Stadt', 'Liebenwerda'],
      );
      t.equal(page.total, 3);
      t.equal((await searchAuthorities(db, { q: '100%' })).total, 0, 'LIKE wildcards are literal');
    });

    t.test('digits search ARS and AGS prefixes', async (t) => {
      const byArs = await searchAuthorities(db, { q: '120605003', limit: 100 });
      t.ok(byArs.total > 1 && byArs.items.every((a) => a.ars.startsWith('120605003')));
      const byAgs = await searchAuthorities(db, { q: '12060024' });
      t.same(
        byAgs.items.map((a) => a.ars),
        ['120605003024'],
      );
    });

    t.test('filters and paging', async (t) => {
      const aemter = await searchAuthorities(db, { kind: ['amt', 'verbandsgemeinde'], limit: 10 });
      t.equal(aemter.total, 53);
      t.equal(aemter.items.length, 10);
      const next = await searchAuthorities(db, { kind: ['amt', 'verbandsgemeinde'], limit: 10, offset: 10 });
      t.notSame(next.items[0]!.ars, aemter.items[0]!.ars);
      t.equal((await searchAuthorities(db, { kreisArs: '120600000000', kind: ['amtsfreie_gemeinde'] })).total, 7);
      t.equal((await searchAuthorities(db, { parentArs: '120625031000' })).total, 4);
      t.equal((await searchAuthorities(db, { land: '12', active: true })).total, 484);
      t.equal((await searchAuthorities(db, { land: '13' })).total, 0);
      t.equal((await searchAuthorities(db, { active: false })).total, 0);
    });

    t.test('one authority and its children', async (t) => {
      t.match(await getAuthorityByArs(db, '120625031000'), { name: 'Liebenwerda', kind: 'verbandsgemeinde' });
      t.equal(await getAuthorityByArs(db, '999999999999'), undefined);
      const members = await listChildren(db, '120625031000');
      t.same(
        members.map((a) => a.name),
        ['Bad Liebenwerda, Stadt', 'Falkenberg/Elster, Stadt', 'Mühlberg/Elbe, Stadt', 'Uebigau-Wahrenbrück, Stadt'],
      );
      const barnim = await listChildren(db, '120600000000');
      t.ok(barnim.some((a) => a.kind === 'amt') && barnim.some((a) => a.kind === 'amtsfreie_gemeinde'));
      t.notOk(barnim.some((a) => a.kind === 'amtsangehoerige_gemeinde'), 'Amt members hang below their Amt');
    });
  });
}
