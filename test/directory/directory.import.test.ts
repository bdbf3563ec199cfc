import t from 'tap';
import { readFileSync } from 'node:fs';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.ts';
import { databaseKinds, openTestDatabase } from '../helpers/databases.ts';
import { DirectoryFileError, formatImportSummaryLine, importDirectory } from '../../src/directory/directory.import.ts';
import { GEMEINDE_KINDS } from '../../src/directory/kvdaten.format.ts';

const FIXTURE = readFileSync(new URL('../../fixtures/brandenburg-kommunalverzeichnis.csv', import.meta.url));
const DESTATIS = readFileSync(new URL('../../../shared/data/destatis-gv-auszug.csv', import.meta.url));

const BRANDENBURG = {
  amt: 52,
  amtsangehoerige_gemeinde: 271,
  amtsfreie_gemeinde: 138,
  kreisfreie_stadt: 4,
  landkreis: 14,
  ortsgemeinde: 4,
  verbandsgemeinde: 1,
};

async function tableSizes(db: Kysely<Database>) {
  const [authorities, imports] = await Promise.all([
    db.selectFrom('authority').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    db.selectFrom('directory_import').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { authorities: Number(authorities.n), imports: Number(imports.n) };
}

/** Every stored authority without the bookkeeping of which import last saw it. */
async function authoritySnapshot(db: Kysely<Database>) {
  const rows = await db.selectFrom('authority').selectAll().orderBy('ars').execute();
  return rows.map(({ last_import_id: _seenBy, ...row }) => row);
}

/** The fixture without the rows whose key is listed. */
function withoutRows(content: Buffer, arsList: string[]): Buffer {
  const lines = content.toString('utf8').split('\r\n');
  return Buffer.from(lines.filter((line) => !arsList.some((ars) => line.startsWith(`"${ars}"`))).join('\r\n'), 'utf8');
}

for (const kind of databaseKinds()) {
  t.test(kind, async (t) => {
    t.test('the Brandenburg fixture gives every Kommune with its hierarchy', async (t) => {
      const { db } = await openTestDatabase(t, kind);
      const started = performance.now();
      const summary = await importDirectory(db, { content: FIXTURE, sourceName: 'brandenburg-kommunalverzeichnis.csv' });
      t.comment(`${kind}: Brandenburg fixture imported in ${Math.round(performance.now() - started)} ms`);
      t.same(summary.counts, BRANDENBURG);
      t.equal(summary.format, 'kvdaten');
      t.equal(summary.total, 484);
      t.equal(summary.deactivated, 0);
      t.same(JSON.parse(formatImportSummaryLine(summary)), { format: 'kvdaten', total: 484, counts: BRANDENBURG, deactivated: 0 });
      t.notOk(formatImportSummaryLine(summary).includes('\n'));

      const stored = await db.selectFrom('directory_import').selectAll().where('id', '=', summary.importId).executeTakeFirstOrThrow();
      t.match(stored, { format: 'kvdaten', source_name: 'brandenburg-kommunalverzeichnis.csv', deactivated: 0 });
      t.same(stored.counts, BRANDENBURG);

      // Biesenthal belongs to Amt Biesenthal-Barnim, which belongs to Landkreis Barnim.
      const biesenthal = await db.selectFrom('authority').selectAll().where('ars', '=', '120605003024').executeTakeFirstOrThrow();
      t.match(biesenthal, { kind: 'amtsangehoerige_gemeinde', ags: '12060024', parent_ars: '120605003000', kreis_ars: '120600000000', land: '12', active: true });
      t.equal(biesenthal.email, 'poststelle.120605003024@kommunen.example');
      const amt = await db.selectFrom('authority').selectAll().where('ars', '=', '120605003000').executeTakeFirstOrThrow();
      t.match(amt, { kind: 'amt', name: 'Biesenthal-Barnim', parent_ars: '120600000000', ags: null });
      const members = await db.selectFrom('authority').select((eb) => eb.fn.sum<number>('population').as('sum')).where('parent_ars', '=', amt.ars).executeTakeFirstOrThrow();
      t.equal(amt.population, Number(members.sum), 'an Amt counts the inhabitants of its members');
      t.match(await db.selectFrom('authority').selectAll().where('ars', '=', '120600000000').executeTakeFirstOrThrow(), {
        kind: 'landkreis',
        name: 'Barnim',
        parent_ars: null,
      });
      t.match(await db.selectFrom('authority').selectAll().where('ars', '=', '120540000000').executeTakeFirstOrThrow(), {
        kind: 'kreisfreie_stadt',
        ags: '12054000',
        parent_ars: null,
        kreis_ars: '120540000000',
        population: 180334,
      });

      // Coordinates went WGS84 → UTM (fixture) → WGS84 (import) and still lie in Brandenburg.
      const gemeinden = await db.selectFrom('authority').selectAll().where('kind', 'in', ['kreisfreie_stadt', 'amtsfreie_gemeinde', 'amtsangehoerige_gemeinde', 'ortsgemeinde']).execute();
      t.equal(gemeinden.length, 417);
      const outside = gemeinden.filter((g) => g.latitude === null || g.longitude === null || g.latitude < 51.35 || g.latitude > 53.56 || g.longitude < 11.26 || g.longitude > 14.77);
      t.same(outside.map((g) => g.name), []);
      t.ok(Math.abs(biesenthal.latitude! - 52.765802) < 1e-6 && Math.abs(biesenthal.longitude! - 13.63123) < 1e-6);
    });

    t.test('the Destatis file for Brandenburg only gives the same authorities', async (t) => {
      const { db } = await openTestDatabase(t, kind);
      const summary = await importDirectory(db, { content: DESTATIS, sourceName: 'destatis-gv-auszug.csv', land: '12' });
      t.equal(summary.format, 'destatis');
      t.same(summary.counts, BRANDENBURG);
      const fromDestatis = await db.selectFrom('authority').select(['ars', 'kind', 'parent_ars', 'kreis_ars', 'population', 'email']).orderBy('ars').execute();
      t.same(
        fromDestatis.filter((row) => row.email !== null),
        [],
        'Destatis has no e-mail addresses',
      );
      t.equal(fromDestatis.filter((row) => row.ars.startsWith('12')).length, 484);

      // Importing the fixture over it changes kinds and hierarchy nowhere.
      await importDirectory(db, { content: FIXTURE, sourceName: 'fixture' });
      const fromFixture = await db.selectFrom('authority').select(['ars', 'kind', 'parent_ars', 'kreis_ars', 'population']).orderBy('ars').execute();
      t.same(fromFixture, fromDestatis.map(({ email: _email, ...row }) => row));

      // A later Destatis import keeps the e-mail addresses that only the Kommunalverzeichnis has.
      await importDirectory(db, { content: DESTATIS, sourceName: 'destatis-gv-auszug.csv', land: '12' });
      const biesenthal = await db.selectFrom('authority').select('email').where('ars', '=', '120605003024').executeTakeFirstOrThrow();
      t.equal(biesenthal.email, 'poststelle.120605003024@kommunen.example');
    });

    t.test('the whole German Gemeindeverzeichnis imports', async (t) => {
      const { db } = await openTestDatabase(t, kind);
      const started = performance.now();
      const summary = await importDirectory(db, { content: DESTATIS, sourceName: 'destatis-gv-auszug.csv' });
      t.comment(`${kind}: all of Germany (${summary.total} authorities) imported in ${Math.round(performance.now() - started)} ms`);
      const gemeinden = Object.entries(summary.counts)
        .filter(([kind]) => GEMEINDE_KINDS.has(kind as never))
        .reduce((sum, [, count]) => sum + count, 0);
      t.equal(gemeinden, 11_004);
      t.match(summary.counts, { landkreis: 251, kreisfreie_stadt: 98, stadtkreis: 9, amt: 210, gemeindefreies_gebiet: 210, ortsgemeinde: 2379 });
      const lands = await db.selectFrom('authority').select('land').distinct().execute();
      t.equal(lands.length, 16);
      t.equal((await tableSizes(db)).authorities, summary.total);
    });

    t.test('re-importing the same file changes nothing', async (t) => {
      const { db } = await openTestDatabase(t, kind);
      const first = await importDirectory(db, { content: FIXTURE, sourceName: 'fixture' });
      const before = await authoritySnapshot(db);
      const second = await importDirectory(db, { content: FIXTURE, sourceName: 'fixture' });
      t.not(second.importId, first.importId);
      t.same({ ...second, importId: 0 }, { ...first, importId: 0 });
      t.equal(second.deactivated, 0);
      t.same(await authoritySnapshot(db), before, 'same rows, same updated_at');
    });

    t.test('an authority missing from a newer file is deactivated, not deleted', async (t) => {
      const { db } = await openTestDatabase(t, kind);
      await importDirectory(db, { content: FIXTURE, sourceName: 'fixture' });
      // Rüdnitz and Werneuchen left the directory (e.g. merged into a neighbour).
      const gone = ['120605003192', '120600280280'];
      const newer = await importDirectory(db, { content: withoutRows(FIXTURE, gone), sourceName: 'fixture-2' });
      t.equal(newer.deactivated, 2);
      t.equal(newer.total, 482);
      const rows = await db.selectFrom('authority').select(['ars', 'active', 'name']).where('ars', 'in', gone).orderBy('ars').execute();
      t.same(
        rows.map((row) => [row.name, row.active]),
        [
          ['Werneuchen, Stadt', false],
          ['Rüdnitz', false],
        ],
      );
      t.equal((await tableSizes(db)).authorities, 484);
      const stored = await db.selectFrom('directory_import').select('deactivated').where('id', '=', newer.importId).executeTakeFirstOrThrow();
      t.equal(stored.deactivated, 2);

      // Authorities of other Länder are not touched by a Brandenburg file.
      await importDirectory(db, { content: DESTATIS, sourceName: 'destatis', land: '13' });
      const again = await importDirectory(db, { content: withoutRows(FIXTURE, gone), sourceName: 'fixture-3' });
      t.equal(again.deactivated, 0);
      const mv = await db.selectFrom('authority').select((eb) => eb.fn.countAll<number>().as('n')).where('land', '=', '13').where('active', '=', false).executeTakeFirstOrThrow();
      t.equal(Number(mv.n), 0);

      // Coming back reactivates.
      const back = await importDirectory(db, { content: FIXTURE, sourceName: 'fixture-4' });
      t.equal(back.deactivated, 0);
      const active = await db.selectFrom('authority').select('active').where('ars', 'in', gone).execute();
      t.same(active.map((row) => row.active), [true, true]);
    });

    t.test('malformed files are rejected with line and column and change nothing', async (t) => {
      const { db } = await openTestDatabase(t, kind);
      await importDirectory(db, { content: FIXTURE, sourceName: 'fixture' });
      const sizesBefore = await tableSizes(db);
      const snapshotBefore = await authoritySnapshot(db);
      const fixtureText = FIXTURE.toString('utf8');
      const lines = fixtureText.split('\r\n');

      const cases: { name: string; content: Buffer; message: RegExp; field: string }[] = [
        {
          name: 'missing required column',
          content: Buffer.from(fixtureText.replace('"organisationsart"', '"art"'), 'utf8'),
          message: /^Zeile 1, Spalte organisationsart: Pflichtspalte fehlt/,
          field: 'line 1 / organisationsart',
        },
        {
          name: 'bad key',
          content: Buffer.from(fixtureText.replace('"120605003024"', '"12060500302"'), 'utf8'),
          message: /^Zeile \d+, Spalte regionalschluessel: „12060500302“ ist kein 12-stelliger Regionalschlüssel/,
          field: 'regionalschluessel',
        },
        {
          name: 'duplicate key',
          content: Buffer.from([...lines.slice(0, 20), lines[17]!, ...lines.slice(20)].join('\r\n'), 'utf8'),
          message: /^Zeile 21, Spalte regionalschluessel: Schlüssel \d{12} steht schon in Zeile 18/,
          field: 'line 21 / regionalschluessel',
        },
        {
          name: 'Latin-1 bytes',
          content: Buffer.from(fixtureText.slice(1), 'latin1'),
          message: /^Zeile \d+: Datei ist nicht UTF-8-kodiert/,
          field: 'line',
        },
        {
          name: 'unparsable number',
          content: Buffer.from(fixtureText.replace('"13843"', '"13k843"'), 'utf8'),
          message: /^Zeile \d+, Spalte einwohner: „13k843“ ist keine Einwohnerzahl/,
          field: 'einwohner',
        },
        {
          name: 'unknown format',
          content: Buffer.from('a,b,c\n1,2,3\n', 'utf8'),
          message: /^Zeile 1, Spalte regionalschluessel: Pflichtspalte fehlt/,
          field: 'line 1 / regionalschluessel',
        },
        {
          name: 'Destatis with an unknown Satzart',
          content: Buffer.from(
            [...DESTATIS.toString('utf8').split('\n').slice(0, 30), '70,,12,,,,,Irgendwas,,,,,,,,,,,,'].join('\n'),
            'utf8',
          ),
          message: /^Zeile 31, Spalte satzart: unbekannte Satzart „70“/,
          field: 'satzart',
        },
      ];
      for (const testCase of cases) {
        try {
          await importDirectory(db, { content: testCase.content, sourceName: testCase.name });
          t.fail(`${testCase.name}: expected a rejection`);
        } catch (error) {
          t.ok(error instanceof DirectoryFileError, testCase.name);
          const problem = error as DirectoryFileError;
          t.equal(problem.status, 422, testCase.name);
          t.match(problem.message, testCase.message, testCase.name);
          t.match(problem.errors[0]!.field, testCase.field, testCase.name);
        }
      }
      t.same(await tableSizes(db), sizesBefore);
      t.same(await authoritySnapshot(db), snapshotBefore);
    });
  });
}
