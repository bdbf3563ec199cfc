import t from 'tap';
import { readFileSync } from 'node:fs';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.ts';
import { databaseKinds, openTestDatabase } from '../helpers/databases.ts';
import iconv from 'iconv-lite';
import {
  DeactivationRefusedError,
  DirectoryFileError,
  formatImportSummaryLine,
  importDirectory,
  type ImportLogger,
} from '../../src/directory/directory.import.ts';
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

/** The first `count` data rows of the fixture, as a file cut off at a line boundary. */
function firstRows(content: Buffer, count: number): Buffer {
  const lines = content.toString('utf8').split('\r\n');
  return Buffer.from(lines.slice(0, count + 1).join('\r\n') + '\r\n', 'utf8');
}

/**
 * The fixture as the Landesserviceportal's real file looks: universities, chambers,
 * state offices and Zweckverbände between the Kommunen, several with the ARS of the
 * municipality they sit in. Addresses on reserved example domains.
 */
const OTHER_BODIES = [
  ['120540000000', 'Universität Potsdam', 'Hochschule', 'poststelle@uni-potsdam.example'],
  ['120540000000', 'Fachhochschule Potsdam', 'Hochschule', 'praesidium@fh-potsdam.example'],
  ['120540000000', 'Industrie- und Handelskammer Potsdam', 'Kammer', 'info@ihk-potsdam.example'],
  ['120520000000', 'Handwerkskammer Cottbus', 'Kammer', 'info@hwk-cottbus.example'],
  ['120540000000', 'Landesamt für Umwelt', 'Landesoberbehörde', 'poststelle@lfu.brandenburg.example'],
  ['120000000000', 'Ministerium des Innern und für Kommunales', 'Oberste Landesbehörde', 'poststelle@mik.brandenburg.example'],
  ['120600000000', 'Zweckverband für Wasserversorgung und Abwasserentsorgung Barnim', 'Zweckverband', 'info@zv-barnim.example'],
  ['120690000000', 'Zweckverband Digitale Kommunen Brandenburg', 'Zweckverband', 'kontakt@dikom.example'],
] as const;
function withOtherBodies(content: Buffer): Buffer {
  const lines = content.toString('utf8').split('\r\n');
  OTHER_BODIES.forEach(([ars, name, art, email], i) => {
    lines.splice(3 + i * 50, 0, [ars, name, art, '', '', '', email].map((value) => `"${value}"`).join(';'));
  });
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

/** Collects what the import logs. */
function recordingLogger(): ImportLogger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (_data, message) => lines.push(message), warn: (_data, message) => lines.push(message) };
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
      t.same(JSON.parse(formatImportSummaryLine(summary)), {
        dryRun: false,
        format: 'kvdaten',
        encoding: 'utf-8',
        counts: BRANDENBURG,
        total: 484,
        skipped: { total: 0, byOrganisationsart: {} },
        changes: { new: 484, changed: 0, unchanged: 0, deactivated: 0, reactivated: 0 },
        deactivated: 0,
        deactivations: [],
        deactivationRefusal: null,
      });
      t.notOk(formatImportSummaryLine(summary).includes('\n'));

      const stored = await db.selectFrom('directory_import').selectAll().where('id', '=', summary.importId!).executeTakeFirstOrThrow();
      t.match(stored, { format: 'kvdaten', source_name: 'brandenburg-kommunalverzeichnis.csv', deactivated: 0 });
      t.same(stored.counts, BRANDENBURG);
      t.same(stored.details, {
        encoding: 'utf-8',
        skipped: { total: 0, byOrganisationsart: {} },
        changes: { new: 484, changed: 0, unchanged: 0, deactivated: 0, reactivated: 0 },
        deactivationAllowed: false,
      });

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
      t.same({ ...second, importId: 0, changes: null }, { ...first, importId: 0, changes: null });
      t.same(second.changes, { new: 0, changed: 0, unchanged: 484, deactivated: 0, reactivated: 0 });
      t.equal(second.deactivated, 0);
      t.same(await authoritySnapshot(db), before, 'same rows, same updated_at');
    });

    t.test('an authority missing from a newer file is deactivated, not deleted', async (t) => {
      const { db } = await openTestDatabase(t, kind);
      await importDirectory(db, { content: FIXTURE, sourceName: 'fixture' });
      // Rüdnitz and Werneuchen left the directory (e.g. merged into a neighbour).
      const gone = ['120605003192', '120600280280'];
      const newer = await importDirectory(db, { content: withoutRows(FIXTURE, gone), sourceName: 'fixture-2' });
      t.equal(newer.deactivated, 2, 'two of 484 pass the guard without permission');
      t.equal(newer.total, 482);
      // Their Amt and Landkreis count fewer inhabitants now.
      t.same(newer.changes, { new: 0, changed: 2, unchanged: 480, deactivated: 2, reactivated: 0 });
      t.same(newer.deactivations, [
        { ars: '120600280280', name: 'Werneuchen, Stadt', kind: 'amtsfreie_gemeinde' },
        { ars: '120605003192', name: 'Rüdnitz', kind: 'amtsangehoerige_gemeinde' },
      ]);
      const rows = await db.selectFrom('authority').select(['ars', 'active', 'name']).where('ars', 'in', gone).orderBy('ars').execute();
      t.same(
        rows.map((row) => [row.name, row.active]),
        [
          ['Werneuchen, Stadt', false],
          ['Rüdnitz', false],
        ],
      );
      t.equal((await tableSizes(db)).authorities, 484);
      const stored = await db.selectFrom('directory_import').select('deactivated').where('id', '=', newer.importId!).executeTakeFirstOrThrow();
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
      t.same(back.changes, { new: 0, changed: 2, unchanged: 480, deactivated: 0, reactivated: 2 });
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
          name: 'one Latin-1 line in a UTF-8 file',
          content: Buffer.concat([FIXTURE, Buffer.from('"120700000000";"Prüfung";"Amt";"";"";"";""\r\n', 'latin1')]),
          message: /^Zeile 486: Datei ist nicht durchgehend UTF-8-kodiert \(Byte 0xFC\)/,
          field: 'line 486',
        },
        {
          name: 'UTF-16 without BOM',
          content: Buffer.from(fixtureText.slice(1), 'utf16le'),
          message: /^Zeile 1: Datei ist keine Textdatei in UTF-8 oder Windows-1252: \d+ % NUL-Bytes \(vermutlich UTF-16 ohne BOM/,
          field: 'line 1',
        },
        {
          name: 'an Excel workbook',
          content: Buffer.concat([Buffer.from('PK\x03\x04\x14\x00\x06\x00', 'latin1'), FIXTURE]),
          message: /^Datei ist eine Excel-Arbeitsmappe \(\.xlsx\)/,
          field: 'file',
        },
        {
          name: 'a NUL byte',
          content: Buffer.from(fixtureText.replace('"Rüdnitz"', '"Rüd\0nitz"'), 'utf8'),
          message: /^Zeile \d+, Spalte bezeichnung, Zeichen 20: NUL-Zeichen \(Byte 0x00\) ist in einer Verzeichnisdatei nicht erlaubt/,
          field: 'bezeichnung',
        },
        {
          name: 'cut off inside a line',
          content: Buffer.from(fixtureText.slice(0, fixtureText.indexOf('"Rüdnitz"') + 9), 'utf8'),
          message: /^Zeile \d+: Zeile hat 2 statt 7 Feldern? – die Datei endet mitten in der Zeile; ist sie abgeschnitten\?/,
          field: 'line',
        },
        {
          name: 'cut off inside a field',
          content: Buffer.from(fixtureText.slice(0, fixtureText.indexOf('"Rüdnitz"') + 4), 'utf8'),
          message: /^Zeile \d+: Anführungszeichen wird nicht geschlossen – die Datei endet mitten im Feld; ist sie abgeschnitten\?/,
          field: 'line',
        },
        {
          name: 'cut off inside a character',
          content: FIXTURE.subarray(0, FIXTURE.indexOf(Buffer.from('Rü', 'utf8')) + 2),
          message: /^Zeile \d+: Datei endet mitten in einem UTF-8-Zeichen – ist sie abgeschnitten\?/,
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
          t.equal(problem.kind, 'invalid-input', testCase.name);
          t.match(problem.message, testCase.message, testCase.name);
          t.match(problem.errors[0]!.field, testCase.field, testCase.name);
        }
      }
      t.same(await tableSizes(db), sizesBefore);
      t.same(await authoritySnapshot(db), snapshotBefore);
    });

    t.test('the real Kommunalverzeichnis with universities, chambers and Zweckverbände imports its Kommunen', async (t) => {
      const { db } = await openTestDatabase(t, kind);
      const logger = recordingLogger();
      const summary = await importDirectory(db, { content: withOtherBodies(FIXTURE), sourceName: 'kvdaten.csv', logger });
      t.same(summary.counts, BRANDENBURG);
      t.equal(summary.total, 484);
      const byOrganisationsart = { Hochschule: 2, Kammer: 2, Landesoberbehörde: 1, 'Oberste Landesbehörde': 1, Zweckverband: 2 };
      t.same(summary.skipped, { total: 8, byOrganisationsart });
      t.same(JSON.parse(formatImportSummaryLine(summary)).skipped, { total: 8, byOrganisationsart }, 'the CLI line names them');
      t.match(logger.lines, [/^8 Zeilen ohne Kommunalverwaltung/]);
      t.equal((await tableSizes(db)).authorities, 484);
      t.match(await db.selectFrom('authority').selectAll().where('ars', '=', '120540000000').executeTakeFirstOrThrow(), {
        name: 'Potsdam, Stadt',
        kind: 'kreisfreie_stadt',
        email: 'poststelle.120540000000@kommunen.example',
      });
      const stored = await db.selectFrom('directory_import').select('details').where('id', '=', summary.importId!).executeTakeFirstOrThrow();
      t.same(stored.details.skipped, { total: 8, byOrganisationsart });

      // Importing the plain fixture over it changes nothing: the other bodies never were authorities.
      const again = await importDirectory(db, { content: FIXTURE, sourceName: 'fixture' });
      t.same(again.changes, { new: 0, changed: 0, unchanged: 484, deactivated: 0, reactivated: 0 });
    });

    t.test('a file cut off after 40 rows is refused and changes nothing; the dry run lists it; permission applies it', async (t) => {
      const { db } = await openTestDatabase(t, kind);
      await importDirectory(db, { content: FIXTURE, sourceName: 'fixture' });
      const sizesBefore = await tableSizes(db);
      const snapshotBefore = await authoritySnapshot(db);
      const cut = firstRows(FIXTURE, 40);
      const firstMissing = FIXTURE.toString('utf8').split('\r\n')[41]!.slice(1, 13);

      const preview = await importDirectory(db, { content: cut, sourceName: 'cut', dryRun: true });
      t.match(preview, { importId: null, dryRun: true, total: 40, deactivated: 444 });
      t.match(preview.changes, { new: 0, deactivated: 444, reactivated: 0 });
      t.equal(preview.changes.changed + preview.changes.unchanged, 40);
      t.equal(preview.deactivations.length, 25, 'the first 25 are named');
      t.equal(preview.deactivations[0]!.ars, firstMissing);
      t.match(preview.deactivationRefusal, /^Der Import würde 444 Behörden deaktivieren \(Land 12: 444 von 484 aktiven\) – ohne ausdrückliche Erlaubnis höchstens 10 und höchstens 5 %/);
      t.same(await tableSizes(db), sizesBefore, 'the dry run records no import');
      t.same(await authoritySnapshot(db), snapshotBefore, 'the dry run writes nothing');

      const refused = await importDirectory(db, { content: cut, sourceName: 'cut' }).then(
        () => null,
        (error: unknown) => error,
      );
      t.ok(refused instanceof DeactivationRefusedError);
      const problem = refused as DeactivationRefusedError;
      t.equal(problem.kind, 'conflict');
      t.match(problem.message, /Ist die Datei vollständig\? Es wurde nichts geändert\..*erlaubeDeaktivierung=true \(API\) bzw\. --allow-deactivate \(CLI\)/);
      t.same({ ...problem.summary, dryRun: true }, preview, 'the refusal lists the same changes');
      t.same(await tableSizes(db), sizesBefore, 'refused: no import recorded');
      t.same(await authoritySnapshot(db), snapshotBefore, 'refused: nothing changed');

      const applied = await importDirectory(db, { content: cut, sourceName: 'cut', allowDeactivation: true });
      t.match(applied, { dryRun: false, deactivated: 444 });
      t.ok(applied.importId);
      const active = await db.selectFrom('authority').select((eb) => eb.fn.countAll<number>().as('n')).where('active', '=', true).executeTakeFirstOrThrow();
      t.equal(Number(active.n), 40);
      const stored = await db.selectFrom('directory_import').select(['deactivated', 'details']).where('id', '=', applied.importId!).executeTakeFirstOrThrow();
      t.match(stored, { deactivated: 444, details: { deactivationAllowed: true, changes: { deactivated: 444 } } });

      const restored = await importDirectory(db, { content: FIXTURE, sourceName: 'fixture' });
      t.match(restored.changes, { new: 0, deactivated: 0, reactivated: 444 });
    });

    t.test('up to 10 deactivations in Brandenburg pass, 11 need permission; in a small Land 5 % count', async (t) => {
      const { db } = await openTestDatabase(t, kind);
      await importDirectory(db, { content: FIXTURE, sourceName: 'fixture' });
      const gemeinden = FIXTURE.toString('utf8')
        .split('\r\n')
        .filter((line) => line.includes('"amtsangehörige Gemeinde"'))
        .map((line) => line.slice(1, 13));
      const eleven = gemeinden.slice(100, 111);
      await t.rejects(importDirectory(db, { content: withoutRows(FIXTURE, eleven), sourceName: 'minus-11' }), DeactivationRefusedError);
      const ten = await importDirectory(db, { content: withoutRows(FIXTURE, eleven.slice(0, 10)), sourceName: 'minus-10' });
      t.equal(ten.deactivated, 10);

      // Bremen has two authorities: losing one is half of them.
      const bremen = DESTATIS.toString('utf8')
        .split('\n')
        .filter((line, i) => i === 0 || line.split(',')[2] === '04');
      await importDirectory(db, { content: Buffer.from(bremen.join('\n'), 'utf8'), sourceName: 'bremen', land: '04' });
      const withoutBremerhaven = bremen.filter((line) => line.split(',')[4] !== '12');
      const refused = await importDirectory(db, { content: Buffer.from(withoutBremerhaven.join('\n'), 'utf8'), sourceName: 'bremen-2', land: '04' }).catch(
        (error: unknown) => error,
      );
      t.ok(refused instanceof DeactivationRefusedError);
      t.match((refused as Error).message, /Land 04: 1 von 2 aktiven/);
    });

    t.test('a Windows-1252 file (Excel) is converted, logged and gives the same authorities', async (t) => {
      const { db } = await openTestDatabase(t, kind);
      const text = FIXTURE.toString('utf8').replace(/^\uFEFF/, '');
      const logger = recordingLogger();
      const summary = await importDirectory(db, { content: iconv.encode(text, 'windows-1252'), sourceName: 'excel.csv', logger });
      t.equal(summary.encoding, 'windows-1252');
      t.same(summary.counts, BRANDENBURG);
      t.match(logger.lines, [/^Verzeichnisdatei ist Windows-1252-kodiert \(Excel\) und wurde nach UTF-8 umgewandelt/]);
      t.equal(JSON.parse(formatImportSummaryLine(summary)).encoding, 'windows-1252');
      const rüdnitz = await db.selectFrom('authority').select('name').where('ars', '=', '120605003192').executeTakeFirstOrThrow();
      t.equal(rüdnitz.name, 'Rüdnitz');
      const stored = await db.selectFrom('directory_import').select('details').where('id', '=', summary.importId!).executeTakeFirstOrThrow();
      t.equal(stored.details.encoding, 'windows-1252');

      // Only names with letters Windows-1252 lacks (Sorbian "Chóśebuz", "Błota") differ from the UTF-8 original.
      const names = text.split('\r\n').slice(1).filter(Boolean).map((line) => line.split('";"')[1]!);
      const lossy = names.filter((name) => iconv.decode(iconv.encode(name, 'windows-1252'), 'windows-1252') !== name);
      t.ok(lossy.includes('Cottbus/Chóśebuz, Stadt') && lossy.every((name) => /[^\u0000-\u00ff€„“”‚‘’–—…]/.test(name)));
      const utf8 = await importDirectory(db, { content: FIXTURE, sourceName: 'fixture' });
      t.same(utf8.changes, { new: 0, changed: lossy.length, unchanged: 484 - lossy.length, deactivated: 0, reactivated: 0 });
    });
  });
}
