import type { AuthorityKind } from '../db/schema.ts';
import { CsvHeader, IssueCollector, parseCsv, parseDecimal, parseGroupedInteger, type CsvRecord } from './csv.parse.ts';
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
  const records = parseCsv(text, { delimiter: ',' });
  const issues = new IssueCollector();
  const [headerRecord, ...rows] = records;
  if (!headerRecord) {
    issues.add({ line: 1, message: 'Datei ist leer' });
    issues.throwIfAny();
  }
  const header = new CsvHeader(headerRecord!.fields);
  const positions = {} as Record<Column, number>;
  for (const column of COLUMNS) {
    const position = header.position(column);
    if (position === undefined) issues.add({ line: headerRecord!.line, column, message: 'Pflichtspalte fehlt in der Kopfzeile' });
    else positions[column] = position;
  }
  issues.throwIfAny();

  const kreise = new Map<string, KeyedRow>();
  const verbaende = new Map<string, KeyedRow>();
  const gemeinden: GemeindeRow[] = [];
  const gemeindeKeys = new Map<string, number>();

  for (const record of rows) {
    if (issues.full) break;
    const field = (column: Column) => (record.fields[positions[column]] ?? '').trim();
    const report = (column: Column, message: string) => issues.add({ line: record.line, column, message });
    const satzart = field('satzart');
    if (satzart === '10' || satzart === '20' || satzart === '30') continue;
    if (satzart !== '40' && satzart !== '50' && satzart !== '60') {
      report('satzart', `unbekannte Satzart „${satzart}“ (erwartet 10, 20, 30, 40, 50 oder 60)`);
      continue;
    }

    const textkennzeichen = field('textkennzeichen');
    const known = satzart === '40' ? textkennzeichen in KREIS_KIND : satzart === '50' ? textkennzeichen === VERBANDSFREI || textkennzeichen in VERBAND_KIND : GEMEINDE_TEXTKENNZEICHEN.has(textkennzeichen);
    if (!known) report('textkennzeichen', `unbekanntes Textkennzeichen „${textkennzeichen}“ für Satzart ${satzart}`);

    // Which key parts a record of this Satzart must carry, and how many digits each has.
    const parts: [Column, number, boolean][] = [
      ['land', 2, true],
      ['rb', 1, true],
      ['kreis', 2, true],
      ['vb', 4, satzart !== '40'],
      ['gemeinde', 3, satzart === '60'],
    ];
    const key: Record<string, string> = {};
    let keyOk = true;
    for (const [column, digits, required] of parts) {
      const value = field(column);
      if (value === '' && !required) {
        key[column] = '0'.repeat(digits);
      } else if (!new RegExp(`^\\d{${digits}}$`).test(value)) {
        report(column, `„${value}“ ist kein ${digits}-stelliger Schlüsselteil`);
        keyOk = false;
      } else {
        key[column] = value;
      }
    }
    const name = field('gemeindename');
    if (!name) report('gemeindename', 'Name fehlt');
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
      const gemeinde = readGemeindeNumbers(row, field, report);
      if (!gemeinde) continue;
      const ars = verbandKey(row) + row.gemeinde;
      const earlier = gemeindeKeys.get(ars);
      if (earlier !== undefined) {
        report('gemeinde', `Gemeinde ${ars} steht schon in Zeile ${earlier}`);
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
  return { format: 'destatis', entries, provides: { population: true, coordinates: true, email: false } };
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

function readGemeindeNumbers(
  row: KeyedRow,
  field: (column: Column) => string,
  report: (column: Column, message: string) => void,
): GemeindeRow | null {
  const population = parseGroupedInteger(field('bevoelkerung'));
  if (population === undefined) report('bevoelkerung', `„${field('bevoelkerung')}“ ist keine Einwohnerzahl`);
  const longitude = parseDecimal(field('laengengrad'));
  const latitude = parseDecimal(field('breitengrad'));
  let ok = population !== undefined;
  if (longitude === undefined || (longitude !== null && Math.abs(longitude) > 180)) {
    report('laengengrad', `„${field('laengengrad')}“ ist kein Längengrad`);
    ok = false;
  }
  if (latitude === undefined || (latitude !== null && Math.abs(latitude) > 90)) {
    report('breitengrad', `„${field('breitengrad')}“ ist kein Breitengrad`);
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
