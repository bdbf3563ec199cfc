import t from 'tap';
import { randomBytes } from 'node:crypto';
import iconv from 'iconv-lite';
import { FileIssuesError } from '../../src/directory/file.issues.ts';
import { decodeDirectoryText } from '../../src/directory/text.decode.ts';

const TEXT = '"regionalschluessel";"bezeichnung"\r\n"120640000000";"Märkisch-Oderland"\r\n"120605003192";"Rüdnitz"\r\n"120690000000";"Potsdam-Mittelmark – „Süd“ €"\r\n';

function issueOf(content: Uint8Array) {
  try {
    decodeDirectoryText(content);
  } catch (error) {
    if (error instanceof FileIssuesError) return error.issues[0]!;
    throw error;
  }
  throw new Error('expected a FileIssuesError');
}

t.test('UTF-8 with and without BOM', async (t) => {
  t.same(decodeDirectoryText(Buffer.from('\uFEFF' + TEXT, 'utf8')), { text: TEXT, encoding: 'utf-8' });
  t.same(decodeDirectoryText(Buffer.from(TEXT, 'utf8')), { text: TEXT, encoding: 'utf-8' });
  t.same(decodeDirectoryText(new Uint8Array()), { text: '', encoding: 'utf-8' });
});

t.test('Windows-1252 (Excel) is recognised and converted, quotes and euro sign included', async (t) => {
  const decoded = decodeDirectoryText(iconv.encode(TEXT, 'windows-1252'));
  t.equal(decoded.encoding, 'windows-1252');
  t.equal(decoded.text, TEXT);
});

t.test('UTF-16 with a BOM is read; without one it is refused, not guessed', async (t) => {
  t.same(decodeDirectoryText(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(TEXT, 'utf16le')])), { text: TEXT, encoding: 'utf-16le' });
  const issue = issueOf(Buffer.from(TEXT, 'utf16le'));
  t.match(issue, { line: 1, message: /keine Textdatei in UTF-8 oder Windows-1252: \d+ % NUL-Bytes \(vermutlich UTF-16 ohne BOM/ });
});

t.test('binary files and workbooks get a clear error', async (t) => {
  t.match(issueOf(Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), randomBytes(2000)])).message, /Excel-Arbeitsmappe \(\.xlsx\)/);
  t.match(issueOf(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0])).message, /alten \.xls-Format/);
  // Random bytes: NULs or control characters, and bytes Windows-1252 does not define.
  const random = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256));
  t.match(issueOf(random).message, /keine Textdatei|Kodierung nicht erkannt/);
  t.match(issueOf(Buffer.from('"a";"b"\r\n"1";"\x81x"\r\n', 'latin1')), { line: 2, message: /Kodierung nicht erkannt: weder UTF-8 noch Windows-1252 \(Byte 0x81\)/ });
});

t.test('damaged UTF-8 is not re-read as Windows-1252', async (t) => {
  const utf8 = Buffer.from(TEXT, 'utf8');
  const damaged = Buffer.concat([utf8, Buffer.from('"120700000000";"Pr\xfcfung"\r\n', 'latin1')]);
  t.match(issueOf(damaged), { line: 5, message: /nicht durchgehend UTF-8-kodiert \(Byte 0xFC\)/ }, 'one Latin-1 line among UTF-8 umlauts');
  const cut = utf8.subarray(0, utf8.indexOf(Buffer.from('ü', 'utf8')) + 1);
  t.match(issueOf(cut), { line: 3, message: /endet mitten in einem UTF-8-Zeichen – ist sie abgeschnitten\?/ }, 'cut off inside "ü"');
  const cutWithBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), cut]);
  t.match(issueOf(cutWithBom).message, /abgeschnitten/);
});

t.test('a stray NUL in a text file is left to the CSV reader, which names its place', async (t) => {
  const withNul = Buffer.from(TEXT.replace('Rüdnitz', 'Rüd\0nitz'), 'utf8');
  t.equal(decodeDirectoryText(withNul).text.indexOf('\0') > 0, true);
});
