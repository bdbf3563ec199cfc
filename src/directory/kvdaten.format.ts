import type { AuthorityKind } from '../db/schema.ts';
import { openCsvTable, parseDecimal, parseGroupedInteger, type CsvRecord, type IssueCollector } from './csv.parse.ts';
import { latLonToUtm33, utm33ToLatLon } from './utm.convert.ts';

/**
 * The Landesserviceportal's Kommunalverzeichnis (`kvdaten.csv`): `;`-separated, quoted,
 * UTF-8 with BOM, one row per authority keyed by its ARS. Its full header is not
 * published, so columns are found by name and unknown ones are ignored.
 *
 * This module also holds what every directory format produces (DirectoryEntry), since
 * the Kommunalverzeichnis is the shape the rest of efa-rollout thinks in.
 */

/** One authority as read from a directory file, before it is stored. */
export interface DirectoryEntry {
  ars: string;
  ags: string | null;
  name: string;
  kind: AuthorityKind;
  parentArs: string | null;
  kreisArs: string | null;
  land: string;
  population: number | null;
  latitude: number | null;
  longitude: number | null;
  email: string | null;
  /** Line in the source file, for error messages. */
  line: number;
}

export type DirectoryFormat = 'kvdaten' | 'destatis';

export interface ParsedDirectory {
  format: DirectoryFormat;
  entries: DirectoryEntry[];
  /** Optional data the file carries at all; an import leaves the others as they are. */
  provides: { population: boolean; coordinates: boolean; email: boolean };
  /** Rows of a known non-municipal kind (NON_MUNICIPAL_ORGANISATIONSARTEN): not imported, only counted. */
  skipped: SkippedRow[];
}

export interface SkippedRow {
  /** The `organisationsart` as the file writes it. */
  organisationsart: string;
  /** First two digits of the row's key (its Land, if the key is one). */
  land: string;
  line: number;
}

/** Kinds that are a Gemeinde (municipality) themselves, whatever administers them. */
export const GEMEINDE_KINDS: ReadonlySet<AuthorityKind> = new Set<AuthorityKind>([
  'kreisfreie_stadt',
  'stadtkreis',
  'amtsfreie_gemeinde',
  'verbandsfreie_gemeinde',
  'amtsangehoerige_gemeinde',
  'ortsgemeinde',
  'mitgliedsgemeinde',
  'gemeindefreies_gebiet',
]);

/** Kreis-level kinds that are not also a Gemeinde. */
export const KREIS_KINDS: ReadonlySet<AuthorityKind> = new Set<AuthorityKind>(['landkreis', 'kreis', 'regionalverband']);

/** Gemeindeverbände that administer member Gemeinden. */
export const VERBAND_KINDS: ReadonlySet<AuthorityKind> = new Set<AuthorityKind>([
  'amt',
  'verbandsgemeinde',
  'samtgemeinde',
  'verwaltungsgemeinschaft',
  'kirchspielslandgemeinde',
  'verwaltungsverband',
  'vg_traegermodell',
  'erfuellende_gemeinde',
]);

/**
 * Fills the population of Kreise and Gemeindeverbände that the file leaves empty with the
 * sum over their member Gemeinden (Kreis: all Gemeinden with that kreis_ars).
 */
export function fillAggregatePopulation(entries: DirectoryEntry[]): void {
  const byVerband = new Map<string, number>();
  const byKreis = new Map<string, number>();
  for (const entry of entries) {
    if (!GEMEINDE_KINDS.has(entry.kind) || entry.population === null) continue;
    if (entry.parentArs) byVerband.set(entry.parentArs, (byVerband.get(entry.parentArs) ?? 0) + entry.population);
    if (entry.kreisArs && entry.kreisArs !== entry.ars) {
      byKreis.set(entry.kreisArs, (byKreis.get(entry.kreisArs) ?? 0) + entry.population);
    }
  }
  for (const entry of entries) {
    if (entry.population !== null) continue;
    if (VERBAND_KINDS.has(entry.kind)) entry.population = byVerband.get(entry.ars) ?? null;
    else if (KREIS_KINDS.has(entry.kind)) entry.population = byKreis.get(entry.ars) ?? null;
  }
}

/** The labels the Kommunalverzeichnis uses in `organisationsart`. */
export const ORGANISATIONSART_LABELS: Partial<Record<AuthorityKind, string>> = {
  landkreis: 'Landkreis',
  kreisfreie_stadt: 'kreisfreie Stadt',
  amt: 'Amt',
  amtsfreie_gemeinde: 'amtsfreie Gemeinde',
  amtsangehoerige_gemeinde: 'amtsangehörige Gemeinde',
  verbandsgemeinde: 'Verbandsgemeinde',
  ortsgemeinde: 'Ortsgemeinde',
};

const KIND_BY_ORGANISATIONSART = new Map<string, AuthorityKind>([
  ['landkreis', 'landkreis'],
  ['kreisfreie stadt', 'kreisfreie_stadt'],
  ['amt', 'amt'],
  ['amtsfreie gemeinde', 'amtsfreie_gemeinde'],
  ['amtsfreie stadt', 'amtsfreie_gemeinde'],
  ['amtsangehoerige gemeinde', 'amtsangehoerige_gemeinde'],
  ['amtsangehoerige stadt', 'amtsangehoerige_gemeinde'],
  ['verbandsgemeinde', 'verbandsgemeinde'],
  ['ortsgemeinde', 'ortsgemeinde'],
]);

function normaliseLabel(label: string): string {
  return label
    .normalize('NFC')
    .trim()
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/ä/g, 'ae')
    .replace(/ö/g, 'oe')
    .replace(/ü/g, 'ue')
    .replace(/ß/g, 'ss');
}

/**
 * The organisationsarten the Kommunalverzeichnis lists besides the municipal
 * administrations, which the import leaves out and counts. Only these: a row of any other
 * kind – a typo in "Landkreis", a kind the Land has added – is an error of its line, not a
 * row to drop, since a dropped row would deactivate the authority it names. A new
 * non-municipal kind is added here (and to README's "Directory import" section).
 */
export const NON_MUNICIPAL_ORGANISATIONSARTEN: readonly string[] = [
  'Hochschule',
  'Kammer',
  'Oberste Landesbehörde',
  'Landesoberbehörde',
  'Landesbehörde',
  'untere Landesbehörde',
  'Landesbetrieb',
  'Gericht',
  'Staatsanwaltschaft',
  'Polizei',
  'Bundesbehörde',
  'Zweckverband',
  'Wasser- und Bodenverband',
  'Regionale Planungsgemeinschaft',
  'Sparkasse',
  'Anstalt des öffentlichen Rechts',
  'Körperschaft des öffentlichen Rechts',
  'Stiftung des öffentlichen Rechts',
];
const NON_MUNICIPAL = new Set(NON_MUNICIPAL_ORGANISATIONSARTEN.map(normaliseLabel));

/** The kind of a municipal administration; null for every other label (known non-municipal or unknown). */
export function kindFromOrganisationsart(label: string): AuthorityKind | null {
  return KIND_BY_ORGANISATIONSART.get(normaliseLabel(label)) ?? null;
}

/** A label of NON_MUNICIPAL_ORGANISATIONSARTEN (same tolerance of case, spaces and umlauts as the municipal ones). */
export function isNonMunicipalOrganisationsart(label: string): boolean {
  return NON_MUNICIPAL.has(normaliseLabel(label));
}

export const KVDATEN_COLUMNS = {
  ars: 'regionalschluessel',
  name: 'bezeichnung',
  kind: 'organisationsart',
  easting: 'utm_ostwert',
  northing: 'utm_nordwert',
  population: 'einwohner',
} as const;
const EMAIL_COLUMNS = ['email', 'e_mail', 'e-mail', 'mail'] as const;

const ARS_PATTERN = /^\d{12}$/;
const KNOWN_MUNICIPAL_LABELS = 'Landkreis, kreisfreie Stadt, Amt, amtsfreie Gemeinde/Stadt, amtsangehörige Gemeinde/Stadt, Verbandsgemeinde, Ortsgemeinde';

const KVDATEN_GEMEINDE_KINDS: ReadonlySet<AuthorityKind> = new Set<AuthorityKind>([
  'kreisfreie_stadt',
  'amtsfreie_gemeinde',
  'amtsangehoerige_gemeinde',
  'ortsgemeinde',
]);

/**
 * Reads decoded kvdaten.csv text. Throws FileIssuesError listing every problem found.
 *
 * Only municipal administrations (Landkreis, kreisfreie Stadt, Amt, Gemeinde, …) become
 * entries, keyed by their ARS. The file also lists universities, chambers, state offices
 * and Zweckverbände, often with the ARS of the municipality they sit in: the kinds in
 * NON_MUNICIPAL_ORGANISATIONSARTEN are left out and counted per `organisationsart`; any
 * other kind is an error of its line. The ARS is the identity of an authority in
 * efa-rollout (participants, overrides, answer links, BUS-BB areas): such a body has no
 * key of its own to be stored under, and no Zuständigkeit addresses it.
 */
export function parseKvdaten(text: string): ParsedDirectory {
  const { header, headerLine, rows, issues } = openCsvTable(text, { delimiter: ';' });
  const required = [KVDATEN_COLUMNS.ars, KVDATEN_COLUMNS.name, KVDATEN_COLUMNS.kind];
  for (const column of required) {
    if (header.position(column) === undefined) {
      issues.add({ line: headerLine, column, message: 'Pflichtspalte fehlt in der Kopfzeile' });
    }
  }
  issues.throwIfAny();
  const emailColumn = header.firstOf(EMAIL_COLUMNS);
  const positions: ColumnPositions = {
    ars: header.position(KVDATEN_COLUMNS.ars),
    name: header.position(KVDATEN_COLUMNS.name),
    kind: header.position(KVDATEN_COLUMNS.kind),
    easting: header.position(KVDATEN_COLUMNS.easting),
    northing: header.position(KVDATEN_COLUMNS.northing),
    population: header.position(KVDATEN_COLUMNS.population),
    email: emailColumn?.position,
    emailName: emailColumn?.name ?? 'email',
  };
  if ((positions.easting === undefined) !== (positions.northing === undefined)) {
    const column = positions.easting === undefined ? KVDATEN_COLUMNS.easting : KVDATEN_COLUMNS.northing;
    issues.add({ line: headerLine, column, message: 'Spalte fehlt: UTM-Koordinaten brauchen Ost- und Nordwert' });
  }

  const entries: DirectoryEntry[] = [];
  const skipped: SkippedRow[] = [];
  const lineByArs = new Map<string, number>();
  for (const record of rows) {
    if (issues.full) break;
    const label = (record.fields[positions.kind!] ?? '').trim().replace(/\s+/g, ' ');
    if (label && isNonMunicipalOrganisationsart(label)) {
      // Such a body may sit under its municipality's key or have none; a key it has must be one.
      const key = (record.fields[positions.ars!] ?? '').trim();
      if (key && !ARS_PATTERN.test(key)) {
        issues.add({ line: record.line, column: KVDATEN_COLUMNS.ars, message: `„${key}“ ist kein 12-stelliger Regionalschlüssel` });
        continue;
      }
      skipped.push({ organisationsart: label, land: key.slice(0, 2), line: record.line });
      continue;
    }
    const entry = readKvdatenRow(record, positions, issues);
    if (!entry) continue;
    const earlier = lineByArs.get(entry.ars);
    if (earlier !== undefined) {
      issues.add({ line: record.line, column: KVDATEN_COLUMNS.ars, message: `Schlüssel ${entry.ars} steht schon in Zeile ${earlier}` });
      continue;
    }
    lineByArs.set(entry.ars, record.line);
    entries.push(entry);
  }
  issues.throwIfAny();

  linkKvdatenHierarchy(entries);
  fillAggregatePopulation(entries);
  return {
    format: 'kvdaten',
    entries,
    skipped,
    provides: {
      population: positions.population !== undefined,
      coordinates: positions.easting !== undefined && positions.northing !== undefined,
      email: positions.email !== undefined,
    },
  };
}

interface ColumnPositions {
  ars: number | undefined;
  name: number | undefined;
  kind: number | undefined;
  easting: number | undefined;
  northing: number | undefined;
  population: number | undefined;
  email: number | undefined;
  emailName: string;
}

function readKvdatenRow(record: CsvRecord, positions: ColumnPositions, issues: IssueCollector): DirectoryEntry | null {
  const field = (position: number | undefined) => (position === undefined ? '' : (record.fields[position] ?? '').trim());
  const before = issues.issues.length;
  const report = (column: string, message: string) => issues.add({ line: record.line, column, message });

  const ars = field(positions.ars);
  if (!ARS_PATTERN.test(ars)) report(KVDATEN_COLUMNS.ars, `„${ars}“ ist kein 12-stelliger Regionalschlüssel`);
  const name = field(positions.name);
  if (!name) report(KVDATEN_COLUMNS.name, 'Bezeichnung fehlt');
  const label = field(positions.kind);
  if (!label) report(KVDATEN_COLUMNS.kind, 'Organisationsart fehlt');
  else if (kindFromOrganisationsart(label) === null) {
    report(
      KVDATEN_COLUMNS.kind,
      `unbekannte Organisationsart „${label}“ – erwartet eine kommunale (${KNOWN_MUNICIPAL_LABELS}) oder eine der bekannten nicht-kommunalen (${NON_MUNICIPAL_ORGANISATIONSARTEN.join(', ')})`,
    );
  }

  const population = parseGroupedInteger(field(positions.population));
  if (population === undefined) report(KVDATEN_COLUMNS.population, `„${field(positions.population)}“ ist keine Einwohnerzahl`);

  let latitude: number | null = null;
  let longitude: number | null = null;
  const eastingRaw = field(positions.easting);
  const northingRaw = field(positions.northing);
  let easting = parseDecimal(eastingRaw);
  const northing = parseDecimal(northingRaw);
  if (easting === undefined) report(KVDATEN_COLUMNS.easting, `„${eastingRaw}“ ist keine Zahl`);
  if (northing === undefined) report(KVDATEN_COLUMNS.northing, `„${northingRaw}“ ist keine Zahl`);
  if (easting !== undefined && northing !== undefined) {
    if ((easting === null) !== (northing === null)) {
      report(easting === null ? KVDATEN_COLUMNS.easting : KVDATEN_COLUMNS.northing, 'Ost- und Nordwert müssen beide angegeben sein');
    } else if (easting !== null && northing !== null) {
      // Easting may carry the zone number in front ("33368292"), as in the Land's own data.
      if (easting >= 33_000_000 && easting < 34_000_000) easting -= 33_000_000;
      if (easting < 100_000 || easting > 900_000) {
        report(KVDATEN_COLUMNS.easting, `${eastingRaw} liegt nicht in UTM-Zone 33 (Ostwert 100000–900000 erwartet)`);
      } else if (northing < 0 || northing > 9_400_000) {
        report(KVDATEN_COLUMNS.northing, `${northingRaw} ist kein UTM-Nordwert der Nordhalbkugel`);
      } else {
        ({ latitude, longitude } = utm33ToLatLon({ easting, northing }));
      }
    }
  }

  let email: string | null = null;
  const emailRaw = field(positions.email);
  if (emailRaw) {
    // Some rows list several addresses; the first one is the functional mailbox.
    const first = emailRaw.replace(/^mailto:/i, '').split(/[;,\s]+/)[0] ?? '';
    if (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(first)) email = first;
    else report(positions.emailName, `„${emailRaw}“ ist keine E-Mail-Adresse`);
  }

  const kind = kindFromOrganisationsart(label);
  if (issues.issues.length > before || population === undefined || kind === null) return null;
  return {
    ars,
    ags: KVDATEN_GEMEINDE_KINDS.has(kind) ? ars.slice(0, 5) + ars.slice(9, 12) : null,
    name,
    kind,
    parentArs: null,
    kreisArs: null,
    land: ars.slice(0, 2),
    population,
    latitude,
    longitude,
    email,
    line: record.line,
  };
}

/** Derives parent and Kreis from the keys, linking only to authorities the file has. */
function linkKvdatenHierarchy(entries: DirectoryEntry[]): void {
  const kindByArs = new Map(entries.map((entry) => [entry.ars, entry.kind]));
  for (const entry of entries) {
    const kreisArs = entry.ars.slice(0, 5) + '0000000';
    const kreisKind = kindByArs.get(kreisArs);
    const hasKreis = kreisKind === 'landkreis' || kreisKind === 'kreisfreie_stadt';
    entry.kreisArs = hasKreis ? kreisArs : null;
    if (entry.ars === kreisArs) continue;
    const verbandArs = entry.ars.slice(0, 9) + '000';
    const verbandKind = kindByArs.get(verbandArs);
    if (GEMEINDE_KINDS.has(entry.kind) && (verbandKind === 'amt' || verbandKind === 'verbandsgemeinde') && verbandArs !== entry.ars) {
      entry.parentArs = verbandArs;
    } else if (hasKreis && kreisKind === 'landkreis' && entry.kind !== 'sonstige') {
      entry.parentArs = kreisArs;
    }
  }
}

/** Writes entries as kvdaten.csv: BOM, `;`, every field quoted, CRLF. */
export function formatKvdatenCsv(entries: readonly DirectoryEntry[]): string {
  const quote = (value: string) => `"${value.replace(/"/g, '""')}"`;
  const header = ['regionalschluessel', 'bezeichnung', 'organisationsart', 'utm_ostwert', 'utm_nordwert', 'einwohner', 'email'];
  const lines = [header.map(quote).join(';')];
  for (const entry of entries) {
    const label = ORGANISATIONSART_LABELS[entry.kind];
    if (!label) throw new Error(`kvdaten has no organisationsart for kind ${entry.kind} (${entry.ars})`);
    let easting = '';
    let northing = '';
    if (entry.latitude !== null && entry.longitude !== null) {
      const utm = latLonToUtm33({ latitude: entry.latitude, longitude: entry.longitude });
      easting = utm.easting.toFixed(2).replace('.', ',');
      northing = utm.northing.toFixed(2).replace('.', ',');
    }
    const fields = [
      entry.ars,
      entry.name,
      label,
      easting,
      northing,
      entry.population === null ? '' : String(entry.population),
      entry.email ?? '',
    ];
    lines.push(fields.map(quote).join(';'));
  }
  return '\uFEFF' + lines.join('\r\n') + '\r\n';
}
