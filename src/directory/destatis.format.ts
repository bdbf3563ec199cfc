import type { AuthorityKind } from '../db/schema.ts';
import { openCsvTable, parseDecimal, parseGroupedInteger, type CsvRecord, type IssueCollector } from './csv.parse.ts';
import { fillAggregatePopulation, type DirectoryEntry, type ParsedDirectory } from './kvdaten.format.ts';

/**
 * Destatis Gemeindeverzeichnis, GV-ISys extract "AuszugGV" as CSV: one row per Land,
 * Regierungsbezirk, Region, Kreis (40), Gemeindeverband (50) and Gemeinde (60), keyed by
 * the parts of the ARS. Only Kreise, Verbände and Gemeinden become authorities.
 */

const COLUMNS = [
  'satzart',
  'textkennzeichen',
  'land',
  'rb',
  'kreis',
  'vb',
  'gemeinde',
  'gemeindename',
  'bevoelkerung',
  'laengengrad',
  'breitengrad',
] as const;
type Column = (typeof COLUMNS)[number];

const KREIS_KIND: Record<string, AuthorityKind> = {
  '41': 'kreisfreie_stadt',
  '42': 'stadtkreis',
  '43': 'kreis',
  '44': 'landkreis',
  '45': 'regionalverband',
};

/** Textkennzeichen 50 is a "verbandsfreie Gemeinde": no Verband of its own, see below. */
const VERBANDSFREI = '50';
const VERBAND_KIND: Record<string, AuthorityKind> = {
  '51': 'amt',
  '52': 'samtgemeinde',
  '53': 'verbandsgemeinde',
  '54': 'verwaltungsgemeinschaft',
  '55': 'kirchspielslandgemeinde',
  '56': 'verwaltungsverband',
  '57': 'vg_traegermodell',
  '58': 'erfuellende_gemeinde',
};

const ALL_DIGITS = /^\d+$/;
/** Key parts of the ARS: digits, and the Satzart from which on the part is required (missing parts are zeros). */
const KEY_PARTS: readonly (readonly [Column, number, string])[] = [
  ['land', 2, '10'],
  ['rb', 1, '40'],
  ['kreis', 2, '40'],
  ['vb', 4, '50'],
  ['gemeinde', 3, '60'],
];
const GEMEINDE_TEXTKENNZEICHEN = new Set(['60', '61', '62', '63', '64', '65', '66', '67']);
const GEMEINDEFREI = new Set(['65', '66']);
/** Länder whose Gemeinden without Verband are called "amtsfrei" because they have Ämter. */
const AEMTER_LAENDER = new Set(['01', '12', '13']);

interface KeyedRow {
  record: CsvRecord;
  textkennzeichen: string;
  land: string;
  rb: string;
  kreis: string;
  vb: string;
  gemeinde: string;
  name: string;
}

interface GemeindeRow extends KeyedRow {
  population: number | null;
  latitude: number | null;
  longitude: number | null;
}

/** Reads decoded AuszugGV CSV text. Throws FileIssuesError listing every problem found. */
export function parseDestatis(text: string): ParsedDirectory {
  const { header, headerLine, rows, issues } = openCsvTable(text, { delimiter: ',' });
  const positions = {} as Record<Column, number>;
  for (const column of COLUMNS) {
    const position = header.position(column);
    if (position === undefined) issues.add({ line: headerLine, column, message: 'Pflichtspalte fehlt in der Kopfzeile' });
    else positions[column] = position;
  }
  issues.throwIfAny();

  const kreise = new Map<string, KeyedRow>();
  const verbaende = new Map<string, KeyedRow>();
  const gemeinden: GemeindeRow[] = [];
  const gemeindeKeys = new Map<string, number>();

  const reader = new RowReader(positions, issues);
  for (const record of rows) {
    if (issues.full) break;
    reader.record = record;
    const satzart = reader.field('satzart');
    if (satzart === '10' || satzart === '20' || satzart === '30') continue;
    if (satzart !== '40' && satzart !== '50' && satzart !== '60') {
      reader.report('satzart', `unbekannte Satzart „${satzart}“ (erwartet 10, 20, 30, 40, 50 oder 60)`);
      continue;
    }

    const textkennzeichen = reader.field('textkennzeichen');
    const known = satzart === '40' ? textkennzeichen in KREIS_KIND : satzart === '50' ? textkennzeichen === VERBANDSFREI || textkennzeichen in VERBAND_KIND : GEMEINDE_TEXTKENNZEICHEN.has(textkennzeichen);
    if (!known) reader.report('textkennzeichen', `unbekanntes Textkennzeichen „${textkennzeichen}“ für Satzart ${satzart}`);

    const key: Record<string, string> = {};
    let keyOk = true;
    for (const [column, digits, requiredFrom] of KEY_PARTS) {
      const value = reader.field(column);
      if (value === '' && satzart < requiredFrom) {
        key[column] = '0'.repeat(digits);
      } else if (value.length !== digits || !ALL_DIGITS.test(value)) {
        reader.report(column, `„${value}“ ist kein ${digits}-stelliger Schlüsselteil`);
        keyOk = false;
      } else {
        key[column] = value;
      }
    }
    const name = reader.field('gemeindename');
    if (!name) reader.report('gemeindename', 'Name fehlt');
    if (!known || !keyOk || !name) continue;

    const row: KeyedRow = {
      record,
      textkennzeichen,
      land: key.land!,
      rb: key.rb!,
      kreis: key.kreis!,
      vb: key.vb!,
      gemeinde: key.gemeinde!,
      name,
    };
    if (satzart === '40') {
      addUnique(kreise, kreisKey(row), row, issues, 'kreis');
    } else if (satzart === '50') {
      addUnique(verbaende, verbandKey(row), row, issues, 'vb');
    } else {
      const gemeinde = readGemeindeNumbers(row, reader);
      if (!gemeinde) continue;
      const ars = verbandKey(row) + row.gemeinde;
      const earlier = gemeindeKeys.get(ars);
      if (earlier !== undefined) {
        reader.report('gemeinde', `Gemeinde ${ars} steht schon in Zeile ${earlier}`);
        continue;
      }
      gemeindeKeys.set(ars, record.line);
      gemeinden.push(gemeinde);
    }
  }
  issues.throwIfAny();

  const entries = buildEntries(kreise, verbaende, gemeinden, issues);
  issues.throwIfAny();
  fillAggregatePopulation(entries);
  return { format: 'destatis', entries, provides: { population: true, coordinates: true, email: false }, skipped: [] };
}

/** Reads fields of the current record by column name; one instance serves all rows. */
class RowReader {
  record: CsvRecord = { line: 0, fields: [] };

  private readonly positions: Record<Column, number>;
  private readonly issues: IssueCollector;
  constructor(
    positions: Record<Column, number>,
    issues: IssueCollector,
  ) {
    this.positions = positions;
    this.issues = issues;
  }

  field(column: Column): string {
    return (this.record.fields[this.positions[column]] ?? '').trim();
  }

  report(column: Column, message: string): void {
    this.issues.add({ line: this.record.line, column, message });
  }
}

const kreisKey = (row: KeyedRow) => row.land + row.rb + row.kreis;
const verbandKey = (row: KeyedRow) => kreisKey(row) + row.vb;

function addUnique(map: Map<string, KeyedRow>, key: string, row: KeyedRow, issues: IssueCollector, column: Column): void {
  const earlier = map.get(key);
  if (earlier) {
    issues.add({ line: row.record.line, column, message: `Schlüssel ${key} steht schon in Zeile ${earlier.record.line}` });
    return;
  }
  map.set(key, row);
}

function readGemeindeNumbers(row: KeyedRow, reader: RowReader): GemeindeRow | null {
  const population = parseGroupedInteger(reader.field('bevoelkerung'));
  if (population === undefined) reader.report('bevoelkerung', `„${reader.field('bevoelkerung')}“ ist keine Einwohnerzahl`);
  const longitude = parseDecimal(reader.field('laengengrad'));
  const latitude = parseDecimal(reader.field('breitengrad'));
  let ok = population !== undefined;
  if (longitude === undefined || (longitude !== null && Math.abs(longitude) > 180)) {
    reader.report('laengengrad', `„${reader.field('laengengrad')}“ ist kein Längengrad`);
    ok = false;
  }
  if (latitude === undefined || (latitude !== null && Math.abs(latitude) > 90)) {
    reader.report('breitengrad', `„${reader.field('breitengrad')}“ ist kein Breitengrad`);
    ok = false;
  }
  if (!ok) return null;
  const located = latitude != null && longitude != null;
  return {
    ...row,
    population: population ?? null,
    latitude: located ? latitude : null,
    longitude: located ? longitude : null,
  };
}

function buildEntries(
  kreise: Map<string, KeyedRow>,
  verbaende: Map<string, KeyedRow>,
  gemeinden: GemeindeRow[],
  issues: IssueCollector,
): DirectoryEntry[] {
  const entries = new Map<string, DirectoryEntry>();
  const base = (row: KeyedRow, ars: string, kind: AuthorityKind): DirectoryEntry => ({
    ars,
    ags: null,
    name: row.name,
    kind,
    parentArs: null,
    kreisArs: null,
    land: row.land,
    population: null,
    latitude: null,
    longitude: null,
    email: null,
    line: row.record.line,
  });
  const put = (entry: DirectoryEntry, column: Column) => {
    const earlier = entries.get(entry.ars);
    if (earlier) issues.add({ line: entry.line, column, message: `Schlüssel ${entry.ars} ist schon vergeben (Zeile ${earlier.line})` });
    else entries.set(entry.ars, entry);
  };

  for (const [key, row] of kreise) {
    const ars = key + '0000000';
    entries.set(ars, { ...base(row, ars, KREIS_KIND[row.textkennzeichen]!), kreisArs: ars });
  }
  for (const [key, row] of verbaende) {
    const kind = VERBAND_KIND[row.textkennzeichen];
    if (!kind) continue; // verbandsfrei: the Gemeinde itself is the administration
    const ars = key + '000';
    const kreisArs = kreise.has(kreisKey(row)) ? kreisKey(row) + '0000000' : null;
    put({ ...base(row, ars, kind), parentArs: kreisArs, kreisArs }, 'vb');
  }

  const mergedKreise = new Map<string, number>();
  for (const row of gemeinden) {
    const kreis = kreise.get(kreisKey(row));
    const kreisArs = kreis ? kreisKey(row) + '0000000' : null;
    const verband = verbaende.get(verbandKey(row));
    const gemeindeData = {
      ags: row.land + row.rb + row.kreis + row.gemeinde,
      name: row.name,
      population: row.population,
      latitude: row.latitude,
      longitude: row.longitude,
    };

    if (GEMEINDEFREI.has(row.textkennzeichen)) {
      const parentArs = verband && VERBAND_KIND[verband.textkennzeichen] ? verbandKey(row) + '000' : kreisArs;
      const ars = verbandKey(row) + row.gemeinde;
      put({ ...base(row, ars, 'gemeindefreies_gebiet'), ...gemeindeData, parentArs, kreisArs }, 'gemeinde');
      continue;
    }
    if (!verband) {
      issues.add({ line: row.record.line, column: 'vb', message: `Gemeindeverband ${verbandKey(row)} fehlt in der Datei` });
      continue;
    }

    const verbandKind = VERBAND_KIND[verband.textkennzeichen];
    if (!verbandKind && kreis && (kreis.textkennzeichen === '41' || kreis.textkennzeichen === '42')) {
      // A kreisfreie Stadt / Stadtkreis is Kreis, Verband and Gemeinde in one: one authority.
      const earlier = mergedKreise.get(kreisArs!);
      if (earlier !== undefined) {
        issues.add({ line: row.record.line, column: 'gemeinde', message: `Kreis ${kreisArs} hat schon die verbandsfreie Gemeinde aus Zeile ${earlier}` });
        continue;
      }
      mergedKreise.set(kreisArs!, row.record.line);
      const kreisEntry = entries.get(kreisArs!)!;
      Object.assign(kreisEntry, gemeindeData);
      continue;
    }

    const ars = verbandKey(row) + row.gemeinde;
    let kind: AuthorityKind;
    let parentArs: string | null;
    if (!verbandKind) {
      kind = AEMTER_LAENDER.has(row.land) ? 'amtsfreie_gemeinde' : 'verbandsfreie_gemeinde';
      parentArs = kreisArs;
    } else {
      kind = verbandKind === 'amt' ? 'amtsangehoerige_gemeinde' : verbandKind === 'verbandsgemeinde' ? 'ortsgemeinde' : 'mitgliedsgemeinde';
      parentArs = verbandKey(row) + '000';
    }
    put({ ...base(row, ars, kind), ...gemeindeData, parentArs, kreisArs }, 'gemeinde');
  }
  return [...entries.values()];
}
