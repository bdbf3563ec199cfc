import t from 'tap';
import { BOM, csvCell, germanDate, germanDateTime, toCsv } from '../../src/exports/csv.ts';

/** The CSV serializer: what a German spreadsheet needs, and no cell it would run as a formula. */

t.test('quoting: ; " CR LF quoted, quotes doubled; plain text untouched', async (t) => {
  t.equal(csvCell('Märkisch-Oderland'), 'Märkisch-Oderland');
  t.equal(csvCell('a;b'), '"a;b"');
  t.equal(csvCell('sagt "nein"'), '"sagt ""nein"""');
  t.equal(csvCell('Zeile 1\nZeile 2'), '"Zeile 1\nZeile 2"');
  t.equal(csvCell('a\r\nb'), '"a\r\nb"');
  t.equal(csvCell(null), '');
  t.equal(csvCell(undefined), '');
  t.equal(csvCell(true), 'ja');
  t.equal(csvCell(false), 'nein');
  t.equal(csvCell(42), '42');
});

t.test('every formula prefix gets a leading apostrophe', async (t) => {
  for (const [input, expected] of [
    ['=HYPERLINK("http://evil.example")', `"'=HYPERLINK(""http://evil.example"")"`],
    ['+1', "'+1"],
    ['-2', "'-2"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tTab', "'\tTab"],
    ['\rCR', `"'\rCR"`],
  ] as const) {
    t.equal(csvCell(input), expected, JSON.stringify(input));
  }
  t.equal(csvCell('a=b'), 'a=b', 'only at the start');
});

t.test('a file: BOM, header line, ; between fields, CRLF after every line', async (t) => {
  const text = toCsv(['Behörde', 'Begründung'], [['Cottbus', 'x;y'], ['Barnim', null]]);
  t.ok(text.startsWith(BOM), 'BOM first');
  t.equal(text, `${BOM}Behörde;Begründung\r\nCottbus;"x;y"\r\nBarnim;\r\n`);
  t.equal(Buffer.from(text, 'utf8').subarray(0, 3).toString('hex'), 'efbbbf', 'UTF-8 BOM bytes');
});

t.test('dates in Berlin: dd.mm.yyyy hh:mm, summer and winter', async (t) => {
  t.equal(germanDateTime('2026-01-15T07:05:00Z'), '15.01.2026 08:05');
  t.equal(germanDateTime('2026-07-15T22:30:00Z'), '16.07.2026 00:30', 'summer time, the next Berlin day');
  t.equal(germanDateTime(null), '');
  t.equal(germanDate('2026-03-09'), '09.03.2026');
  t.equal(germanDate(null), '');
});
