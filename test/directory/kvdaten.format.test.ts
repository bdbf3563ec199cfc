import t, { type Test } from 'tap';
import { FileIssuesError } from '../../src/directory/csv.parse.ts';
import { formatKvdatenCsv, isNonMunicipalOrganisationsart, kindFromOrganisationsart, NON_MUNICIPAL_ORGANISATIONSARTEN, parseKvdaten } from '../../src/directory/kvdaten.format.ts';

// Header in odd case and order, with an unknown column the reader must ignore.
const SAMPLE = [
  '\uFEFF"Regionalschluessel";"Bezeichnung";"Telefon";" ORGANISATIONSART ";"utm_ostwert";"utm_nordwert";"einwohner";"e_mail"',
  '"120600000000";"Barnim";"03334 2140";"Landkreis";"";"";"";"poststelle@kvbarnim.example"',
  '"120605003000";"Amt Biesenthal-Barnim";"";"Amt";"";"";"";"amt@biesenthal.example"',
  '"120605003024";"Biesenthal, Stadt";"";"amtsangehörige Stadt";"407647,40";"5847096,80";"5 869";""',
  '"120605003340";"Rüdnitz";"";"Amtsangehoerige Gemeinde";"";"";"1.971";""',
  '"120600005005";"Ahrensfelde";"";"amtsfreie Gemeinde";"33403748,74";"5826066,07";"13843";"gemeinde@ahrensfelde.example; info@ahrensfelde.example"',
  '"120540000000";"Potsdam, Stadt";"";"kreisfreie Stadt";"367579";"5807350.73";"180 334";""',
];

t.test('reads the Kommunalverzeichnis shape by column name', async (t) => {
  const parsed = parseKvdaten(SAMPLE.join('\r\n') + '\r\n');
  t.equal(parsed.format, 'kvdaten');
  t.same(parsed.provides, { population: true, coordinates: true, email: true });
  const byArs = new Map(parsed.entries.map((entry) => [entry.ars, entry]));

  const amt = byArs.get('120605003000')!;
  t.match(amt, { kind: 'amt', ags: null, parentArs: '120600000000', kreisArs: '120600000000', population: 5869 + 1971 });
  t.equal(amt.email, 'amt@biesenthal.example');

  const biesenthal = byArs.get('120605003024')!;
  t.match(biesenthal, { kind: 'amtsangehoerige_gemeinde', ags: '12060024', parentArs: '120605003000', population: 5869, line: 4 });
  // Destatis gives 52.765802 / 13.63123 for Biesenthal; the UTM values above are its projection.
  t.ok(Math.abs(biesenthal.latitude! - 52.765802) < 1e-5 && Math.abs(biesenthal.longitude! - 13.63123) < 1e-5);
  t.equal(byArs.get('120605003340')!.kind, 'amtsangehoerige_gemeinde');

  const ahrensfelde = byArs.get('120600005005')!;
  t.match(ahrensfelde, { kind: 'amtsfreie_gemeinde', parentArs: '120600000000', email: 'gemeinde@ahrensfelde.example' });
  t.ok(Math.abs(ahrensfelde.longitude! - 13.5796) < 0.001, 'zone prefix 33 in the easting is understood');

  t.match(byArs.get('120540000000')!, { kind: 'kreisfreie_stadt', ags: '12054000', parentArs: null, kreisArs: '120540000000', population: 180334 });
  t.match(byArs.get('120600000000')!, { kind: 'landkreis', parentArs: null, population: 5869 + 1971 + 13843 });
});

t.test('organisationsart labels, tolerant of case and umlauts; others are no municipal kind', async (t) => {
  t.equal(kindFromOrganisationsart('  Kreisfreie   Stadt '), 'kreisfreie_stadt');
  t.equal(kindFromOrganisationsart('amtsfreie Stadt'), 'amtsfreie_gemeinde');
  t.equal(kindFromOrganisationsart('AMTSANGEHÖRIGE GEMEINDE'), 'amtsangehoerige_gemeinde');
  t.equal(kindFromOrganisationsart('Verbandsgemeinde'), 'verbandsgemeinde');
  t.equal(kindFromOrganisationsart('Ortsgemeinde'), 'ortsgemeinde');
  t.equal(kindFromOrganisationsart('Hochschule'), null);
  t.equal(kindFromOrganisationsart('Zweckverband'), null);
});

t.test('rows of other organisationsarten are left out and counted, even with a Kommune\'s key', async (t) => {
  const parsed = parseKvdaten(
    [
      ...SAMPLE,
      // Real-looking bodies that sit in Potsdam and Barnim and carry the municipality's ARS.
      '"120540000000";"Universität Potsdam";"";"Hochschule";"";"";"";"poststelle@uni-potsdam.example"',
      '"120540000000";"Industrie- und Handelskammer Potsdam";"";"Kammer";"";"";"";"info@ihk-potsdam.example"',
      '"120540000000";"Landesamt für Umwelt";"";" Landesoberbehörde ";"";"";"";""',
      '"120600000000";"Zweckverband Wasserversorgung Barnim";"";"Zweckverband";"";"";"kein Wert";"kaputt"',
      '"120540000000";"Fachhochschule Potsdam";"";"Hochschule";"";"";"";""',
    ].join('\r\n'),
  );
  t.equal(parsed.entries.length, 6, 'the six Kommunen of the sample');
  t.equal(parsed.entries.find((entry) => entry.ars === '120540000000')!.name, 'Potsdam, Stadt');
  t.same(
    parsed.skipped.map((row) => [row.organisationsart, row.land, row.line]),
    [
      ['Hochschule', '12', 8],
      ['Kammer', '12', 9],
      ['Landesoberbehörde', '12', 10],
      ['Zweckverband', '12', 11],
      ['Hochschule', '12', 12],
    ],
    'counted by the label as written; their other columns are not checked',
  );
});

t.test('a duplicate among the municipal kinds stays an error naming both lines', async (t) => {
  const text = [
    ...SAMPLE,
    '"120540000000";"Universität Potsdam";"";"Hochschule";"";"";"";""',
    '"120540000000";"Potsdam";"";"kreisfreie Stadt";"";"";"";""',
  ].join('\r\n');
  t.throws(() => parseKvdaten(text), { message: /^Zeile 9, Spalte regionalschluessel: Schlüssel 120540000000 steht schon in Zeile 7$/ });
});

t.test('problems are reported with line and column', async (t) => {
  const header = '"regionalschluessel";"bezeichnung";"organisationsart";"einwohner"';
  const text = [header, '"12060000000";"Barnim";"Landkreis";""', '"120600005005";"Ahrensfelde";"amtsfreie Gemeinde";"viele"'].join('\n');
  try {
    parseKvdaten(text);
    t.fail('expected an error');
  } catch (error) {
    t.ok(error instanceof FileIssuesError);
    const issues = (error as FileIssuesError).issues;
    t.match(issues, [
      { line: 2, column: 'regionalschluessel' },
      { line: 3, column: 'einwohner' },
    ]);
    t.match((error as Error).message, /^Zeile 2, Spalte regionalschluessel: /);
  }
  t.throws(() => parseKvdaten('"regionalschluessel";"bezeichnung"\n"120600000000";"Barnim"'), {
    message: /Zeile 1, Spalte organisationsart: Pflichtspalte fehlt/,
  });
});

// Issue 14, point 10: only the kinds known to be non-municipal are left out.
function issuesOf(t: Test, text: string) {
  try {
    parseKvdaten(text);
  } catch (error) {
    t.ok(error instanceof FileIssuesError, String(error));
    return (error as FileIssuesError).issues;
  }
  t.fail('expected the file to be refused');
  return [];
}

t.test('an unknown organisationsart is an error of its line, not a row left out', async (t) => {
  t.ok(isNonMunicipalOrganisationsart(' hochschule '), 'the known ones, tolerant of case and spaces');
  t.ok(isNonMunicipalOrganisationsart('Koerperschaft des oeffentlichen Rechts'));
  t.notOk(isNonMunicipalOrganisationsart('Landkries'));
  t.notOk(isNonMunicipalOrganisationsart('Landkreis'), 'a municipal kind is not in the list');
  for (const label of NON_MUNICIPAL_ORGANISATIONSARTEN) t.equal(kindFromOrganisationsart(label), null, `${label} is no municipal kind`);

  const mistyped = [...SAMPLE];
  mistyped[1] = mistyped[1]!.replace('"Landkreis"', '"Landkries"');
  const issues = issuesOf(t, mistyped.join('\r\n'));
  t.match(issues, [{ line: 2, column: 'organisationsart', message: /^unbekannte Organisationsart „Landkries“/ }], 'Barnim’s row, its column');
  t.equal(issues.length, 1);
  t.match(issues[0]!.message, /Hochschule, Kammer/, 'the message names what is known');

  const empty = [...SAMPLE];
  empty[3] = empty[3]!.replace('"amtsangehörige Stadt"', '""');
  t.match(issuesOf(t, empty.join('\n')), [{ line: 4, column: 'organisationsart', message: 'Organisationsart fehlt' }]);
});

t.test('a malformed key is an error of its line and column, also in a row of a non-municipal kind', async (t) => {
  const municipal = [...SAMPLE];
  municipal[2] = municipal[2]!.replace('"120605003000"', '"12060500300A"');
  t.match(issuesOf(t, municipal.join('\n')), [{ line: 3, column: 'regionalschluessel', message: /„12060500300A“ ist kein 12-stelliger Regionalschlüssel/ }]);

  const body = [...SAMPLE, '"1205400000";"Universität Potsdam";"";"Hochschule";"";"";"";""'];
  t.match(issuesOf(t, body.join('\n')), [{ line: 8, column: 'regionalschluessel', message: /„1205400000“ ist kein 12-stelliger/ }]);

  const withoutKey = parseKvdaten([...SAMPLE, '"";"Landesbetrieb Forst Brandenburg";"";"Landesbetrieb";"";"";"";""'].join('\n'));
  t.same(withoutKey.skipped, [{ organisationsart: 'Landesbetrieb', land: '', line: 8 }], 'a body without a key of its own is still left out and counted');
});

t.test('the header line repeated inside the file is an error naming its line', async (t) => {
  const text = [...SAMPLE.slice(0, 4), SAMPLE[0]!.replace('\uFEFF', ''), ...SAMPLE.slice(4)].join('\r\n');
  const issues = issuesOf(t, text);
  t.same(issues, [{ line: 5, message: 'Die Kopfzeile (Zeile 1) steht hier noch einmal; bitte nur eine Kopfzeile am Anfang der Datei' }]);
  const differentCase = [...SAMPLE.slice(0, 2), '"REGIONALSCHLUESSEL";"bezeichnung";"telefon";"organisationsart";"UTM_OSTWERT";"utm_nordwert";"einwohner";"e_mail"', ...SAMPLE.slice(2)];
  t.match(issuesOf(t, differentCase.join('\n')), [{ line: 3, message: /Kopfzeile/ }], 'as the header is read: case and spaces do not matter');
});

t.test('writing and reading kvdaten gives the same entries back', async (t) => {
  const parsed = parseKvdaten(SAMPLE.join('\n'));
  const written = formatKvdatenCsv(parsed.entries.map((entry) => ({ ...entry, email: entry.email ?? `poststelle.${entry.ars}@kommunen.example` })));
  t.ok(written.startsWith('\uFEFF"regionalschluessel";'));
  t.ok(written.includes('\r\n'));
  const again = parseKvdaten(written);
  t.same(
    again.entries.map((entry) => [entry.ars, entry.kind, entry.parentArs, entry.population]),
    parsed.entries.map((entry) => [entry.ars, entry.kind, entry.parentArs, entry.population]),
  );
});
