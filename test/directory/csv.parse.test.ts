import t from 'tap';
import { decodeUtf8, FileIssuesError, openCsvTable, parseCsv, parseDecimal, parseGroupedInteger } from '../../src/directory/csv.parse.ts';

t.test('quoted fields keep delimiters, doubled quotes and line breaks', async (t) => {
  const records = parseCsv('a;b;c\r\n"x;y";"sagt ""Hallo""";"zwei\r\nZeilen"\r\nplain;;last\r\n', { delimiter: ';' });
  t.same(records, [
    { line: 1, fields: ['a', 'b', 'c'] },
    { line: 2, fields: ['x;y', 'sagt "Hallo"', 'zwei\r\nZeilen'] },
    { line: 4, fields: ['plain', '', 'last'] },
  ]);
});

t.test('line numbers are physical lines where a record starts, with LF and blank lines', async (t) => {
  const records = parseCsv('h1,h2\n\n"multi\nline",1\n3,4', { delimiter: ',' });
  t.same(
    records.map((record) => record.line),
    [1, 3, 5],
  );
  t.same(records[1]!.fields, ['multi\nline', '1']);
});

t.test('a BOM is stripped and empty quoted fields survive', async (t) => {
  const text = decodeUtf8(Buffer.from('\uFEFF"a";"";"b"\n', 'utf8'));
  t.equal(text.charCodeAt(0), '"'.charCodeAt(0));
  t.same(parseCsv(text, { delimiter: ';' }), [{ line: 1, fields: ['a', '', 'b'] }]);
  t.same(parseCsv('\uFEFFx,y', { delimiter: ',' })[0]!.fields, ['x', 'y']);
});

t.test('an unterminated quote names the line it opened on', async (t) => {
  t.throws(() => parseCsv('a;b\n"offen;x\n', { delimiter: ';' }), {
    name: 'FileIssuesError',
    message: /^Zeile 2: Anführungszeichen wird nicht geschlossen/,
  });
  t.throws(() => parseCsv('a;b\n"x"y;z\n', { delimiter: ';' }), FileIssuesError);
});

t.test('Latin-1 bytes are rejected with the line of the first bad byte', async (t) => {
  const latin1 = Buffer.from('kopf\nzeile zwei\nM\xe4rkisch-Oderland\n', 'latin1');
  try {
    decodeUtf8(latin1);
    t.fail('expected an error');
  } catch (error) {
    t.ok(error instanceof FileIssuesError);
    t.match((error as Error).message, /Zeile 3: Datei ist nicht durchgehend UTF-8-kodiert \(Byte 0xE4\)/);
  }
});

t.test('NUL characters are refused with line, column and position, however many', async (t) => {
  const text = 'regionalschluessel;bezeichnung\n120600000000;Bar\0nim\n"120605005000";"Amt\n\0Britz"\n';
  try {
    parseCsv(text, { delimiter: ';' });
    t.fail('expected an error');
  } catch (error) {
    t.ok(error instanceof FileIssuesError);
    t.same((error as FileIssuesError).issues.map(({ line, column, position }) => ({ line, column, position })), [
      { line: 2, column: 'bezeichnung', position: 17 },
      { line: 4, column: 'bezeichnung', position: 1 },
    ]);
    t.match((error as Error).message, /^Zeile 2, Spalte bezeichnung, Zeichen 17: NUL-Zeichen \(Byte 0x00\)/);
  }
  t.throws(() => parseCsv('a\0b;c\n', { delimiter: ';' }), { message: /^Zeile 1, Spalte Feld 1, Zeichen 2: NUL-Zeichen/ }, 'in the header itself');
});

t.test('a file cut off inside a quoted field says so', async (t) => {
  t.throws(() => parseCsv('a;b\n"1";"Bri', { delimiter: ';' }), { message: /^Zeile 2: Anführungszeichen wird nicht geschlossen – die Datei endet mitten im Feld; ist sie abgeschnitten\?/ });
});

t.test('rows have the header\'s number of fields; a short last row is a cut-off file', async (t) => {
  const table = (text: string) => openCsvTable(text, { delimiter: ';' }).issues.issues;
  t.same(table('a;b;c\n1;2;3\n4;5;6;\n'), [], 'a trailing empty field is harmless');
  t.match(table('a;b;c\n1;2\n4;5;6\n'), [{ line: 2, message: 'Zeile hat 2 statt 3 Felder' }]);
  t.match(table('a;b;c\n1;2;3\n4;5'), [{ line: 3, message: /Zeile hat 2 statt 3 Felder – die Datei endet mitten in der Zeile; ist sie abgeschnitten\?/ }]);
  t.match(table('a;b;c\n1;2;3;Stadt\n'), [{ line: 2, message: /4 statt 3 Felder; steht ein Trennzeichen/ }]);
});

t.test('German numbers', async (t) => {
  t.equal(parseGroupedInteger(' 90 164'), 90164);
  t.equal(parseGroupedInteger('1.234.567'), 1234567);
  t.equal(parseGroupedInteger(''), null);
  t.equal(parseGroupedInteger('12a'), undefined);
  t.equal(parseDecimal('9,43751'), 9.43751);
  t.equal(parseDecimal('368.292,81'), 368292.81);
  t.equal(parseDecimal('5806245.89'), 5806245.89);
  t.equal(parseDecimal(' '), null);
  t.equal(parseDecimal('1,2,3'), undefined);
});
