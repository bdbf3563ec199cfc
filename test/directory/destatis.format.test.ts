import t from 'tap';
import { FileIssuesError } from '../../src/directory/csv.parse.ts';
import { parseDestatis } from '../../src/directory/destatis.format.ts';

const HEADER =
  '\uFEFFsatzart,textkennzeichen,land,rb,kreis,vb,gemeinde,gemeindename,flaeche,bevoelkerung,maennlich,weiblich,jekm2,postleitzahl,laengengrad,breitengrad,schluessel,bezeichnung,verstaedterungschluessel,verstaedterungbezeichnung';
const ROWS = [
  '10,,12,,,,,Brandenburg,,,,,,,,,,,,',
  '40,41,12,0,54,,,"Potsdam, Stadt",,,,,,,,,,,,',
  '50,50,12,0,54,0000,,"Potsdam, Stadt",,,,,,,,,,,,',
  '60,61,12,0,54,0000,000,"Potsdam, Stadt", 188.24, 180 334, 87 158, 93 176,  958,14469,"13,05358","52,400355",A13,Potsdam,01,dicht besiedelt',
  '40,44,12,0,62,,,Elbe-Elster,,,,,,,,,,,,',
  '50,50,12,0,62,0140,,"Finsterwalde, Stadt",,,,,,,,,,,,',
  '60,63,12,0,62,0140,140,"Finsterwalde, Stadt", 71.62, 16 070,,,,03238,"13,70931","51,63258",,,,',
  '50,51,12,0,62,5005,,Doberlug-Kirchhain,,,,,,,,,,,,',
  '60,63,12,0,62,5005,092,"Doberlug-Kirchhain, Stadt", 150.00, 8 400,,,,03253,"13,56","51,62",,,,',
  '50,53,12,0,62,5031,,Liebenwerda,,,,,,,,,,,,',
  '60,63,12,0,62,5031,024,"Bad Liebenwerda, Stadt", 138.00, 9 140,,,,04924,,,,,,',
  '60,63,12,0,62,5031,128,"Falkenberg/Elster, Stadt", 100.00, 6 400,,,,04895,"13,24","51,58",,,,',
  '40,44,07,1,31,,,Ahrweiler,,,,,,,,,,,,',
  '50,50,07,1,31,0001,,"Bad Neuenahr-Ahrweiler, Stadt",,,,,,,,,,,,',
  '60,63,07,1,31,0001,001,"Bad Neuenahr-Ahrweiler, Stadt", 63.00, 28 000,,,,53474,"7,1","50,54",,,,',
];

function parse(rows: string[]) {
  return parseDestatis([HEADER, ...rows].join('\n'));
}

t.test('kinds, keys and hierarchy from an AuszugGV extract', async (t) => {
  const parsed = parse(ROWS);
  t.equal(parsed.format, 'destatis');
  t.same(parsed.provides, { population: true, coordinates: true, email: false });
  const byArs = new Map(parsed.entries.map((entry) => [entry.ars, entry]));
  t.equal(parsed.entries.length, 10, 'Land rows and verbandsfreie 50/50 units are no authorities');

  t.match(byArs.get('120540000000')!, {
    kind: 'kreisfreie_stadt',
    ags: '12054000',
    name: 'Potsdam, Stadt',
    population: 180334,
    latitude: 52.400355,
    longitude: 13.05358,
    parentArs: null,
    kreisArs: '120540000000',
  });
  t.match(byArs.get('120620140140')!, { kind: 'amtsfreie_gemeinde', ags: '12062140', parentArs: '120620000000', kreisArs: '120620000000' });
  t.match(byArs.get('120625005000')!, { kind: 'amt', ags: null, parentArs: '120620000000', population: 8400 });
  t.match(byArs.get('120625005092')!, { kind: 'amtsangehoerige_gemeinde', parentArs: '120625005000' });
  t.match(byArs.get('120625031000')!, { kind: 'verbandsgemeinde', population: 9140 + 6400 });
  t.match(byArs.get('120625031024')!, { kind: 'ortsgemeinde', latitude: null, longitude: null });
  t.match(byArs.get('120620000000')!, { kind: 'landkreis', population: 16070 + 8400 + 9140 + 6400 });
  t.match(byArs.get('071310001001')!, { kind: 'verbandsfreie_gemeinde', land: '07', ags: '07131001' });
});

t.test('other Verband types make Mitgliedsgemeinden; gemeindefreie Gebiete keep their kind', async (t) => {
  const parsed = parse([
    '40,44,09,1,88,,,Musterkreis,,,,,,,,,,,,',
    '50,54,09,1,88,5101,,VGem Muster,,,,,,,,,,,,',
    '60,64,09,1,88,5101,111,Muster, 10.00, 1 000,,,,,,,,,,',
    '50,50,09,1,88,9999,,Forst,,,,,,,,,,,,',
    '60,66,09,1,88,9999,451,Forst, 10.00,  0,,,,,,,,,,',
  ]);
  const kinds = Object.fromEntries(parsed.entries.map((entry) => [entry.ars, entry.kind]));
  t.same(kinds, {
    '091880000000': 'landkreis',
    '091885101000': 'verwaltungsgemeinschaft',
    '091885101111': 'mitgliedsgemeinde',
    '091889999451': 'gemeindefreies_gebiet',
  });
});

t.test('malformed rows are reported with line and column', async (t) => {
  const expectIssue = (rows: string[], pattern: RegExp) => {
    try {
      parse(rows);
      t.fail(`expected ${pattern}`);
    } catch (error) {
      t.ok(error instanceof FileIssuesError);
      t.match((error as Error).message, pattern);
    }
  };
  expectIssue(['70,,12,,,,,X,,,,,,,,,,,,'], /^Zeile 2, Spalte satzart: unbekannte Satzart „70“/);
  expectIssue(['40,49,12,0,54,,,X,,,,,,,,,,,,'], /^Zeile 2, Spalte textkennzeichen: /);
  expectIssue([ROWS[1]!, ROWS[2]!, '60,61,12,0,54,0000,0x0,"Potsdam",,1,,,,,,,,,,'], /^Zeile 4, Spalte gemeinde: „0x0“ ist kein 3-stelliger/);
  expectIssue([ROWS[1]!, ROWS[2]!, '60,61,12,0,54,0000,000,"Potsdam", 1, 18O 334,,,,,,,,,,'], /^Zeile 4, Spalte bevoelkerung: /);
  expectIssue([ROWS[1]!, ROWS[2]!, ROWS[3]!, ROWS[3]!], /^Zeile 5, Spalte gemeinde: Gemeinde 120540000000 steht schon in Zeile 4/);
  t.throws(() => parseDestatis('satzart,land\n10,12'), { message: /Zeile 1, Spalte textkennzeichen: Pflichtspalte fehlt/ });
  // Issue 14, point 10: a repeated header line is named as such, not as an unknown Satzart.
  expectIssue([ROWS[0]!, ROWS[1]!, HEADER.replace('\uFEFF', ''), ROWS[2]!, ROWS[3]!], /^Zeile 4: Die Kopfzeile \(Zeile 1\) steht hier noch einmal/);
  try {
    parse([ROWS[0]!, HEADER.replace('\uFEFF', ''), ROWS[1]!]);
  } catch (error) {
    t.equal((error as FileIssuesError).issues.length, 1, 'only the one problem: the line is not read as data as well');
  }
});
