/**
 * A CSV export as German spreadsheet software reads it: the BOM stripped (and reported),
 * fields split at `;` outside double quotes (doubled quotes one quote), records at CRLF –
 * a bare LF outside quotes or a last line without CRLF is an error. Rows keyed by the header.
 */
export function readCsv(text: string): { bom: boolean; header: string[]; rows: Record<string, string>[] } {
  const bom = text.startsWith('\uFEFF');
  const body = bom ? text.slice(1) : text;
  const records: string[][] = [];
  let cell = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (quoted) {
      if (c === '"' && body[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ';') record.push(cell), (cell = '');
    else if (c === '\r' && body[i + 1] === '\n') record.push(cell), records.push(record), (record = []), (cell = ''), i++;
    else if (c === '\n') throw new Error(`bare LF outside quotes at ${i}`);
    else cell += c;
  }
  if (cell !== '' || record.length) throw new Error('last line without CRLF');
  const [header = [], ...rest] = records;
  return { bom, header, rows: rest.map((r) => Object.fromEntries(header.map((h, index) => [h, r[index] ?? '']))) };
}
