import { readFileSync } from 'node:fs';

/**
 * The one table of Brandenburg's ministries: a solution stores its lead ministry by its
 * short code (MSGIV), pages and mails name it in full beside the code. The houses are
 * re-cut with every government, so the table is data: the defaults below (the cabinet of
 * 11 December 2024, plus the 2019–2024 codes that older solutions still carry), and an
 * operator's JSON file (MINISTRIES_FILE) whose entries correct or add names. Read and
 * checked once at start-up (config.ts), then frozen; a code the table does not know is
 * shown alone.
 */

export type MinistryNames = Readonly<Record<string, string>>;

export const DEFAULT_MINISTRY_NAMES: MinistryNames = Object.freeze({
  Stk: 'Staatskanzlei des Landes Brandenburg',
  MIK: 'Ministerium des Innern und für Kommunales',
  MdFE: 'Ministerium der Finanzen und für Europa',
  MWAEK: 'Ministerium für Wirtschaft, Arbeit, Energie und Klimaschutz',
  MBJS: 'Ministerium für Bildung, Jugend und Sport',
  MWFK: 'Ministerium für Wissenschaft, Forschung und Kultur',
  MdJD: 'Ministerium der Justiz und für Digitalisierung',
  MGS: 'Ministerium für Gesundheit und Soziales',
  MLEUV: 'Ministerium für Land- und Ernährungswirtschaft, Umwelt und Verbraucherschutz',
  MIL: 'Ministerium für Infrastruktur und Landesplanung',
  // the 2019–2024 cabinet: solutions created under these codes keep them
  MSGIV: 'Ministerium für Soziales, Gesundheit, Integration und Verbraucherschutz',
  MWAE: 'Ministerium für Wirtschaft, Arbeit und Energie',
  MLUK: 'Ministerium für Landwirtschaft, Umwelt und Klimaschutz',
  MdJ: 'Ministerium der Justiz',
});

/** The same rule as a solution's leadMinistry (MinistryKey in common.schemas.ts). */
const CODE = /^[A-Za-zÄÖÜäöü-]{2,20}$/;
const MAX_NAME = 200;
const MAX_ENTRIES = 200;
/** One line that says something: names end up in mail subjects and footers. */
const NAME = /^[^\u0000-\u001f\u007f]*\S[^\u0000-\u001f\u007f]*$/;

/**
 * The operator's entries from a JSON object `{"Kürzel": "Name", …}`, checked: codes as a
 * solution's leadMinistry takes them, names one line of at most 200 characters. Throws
 * an Error whose message says what is wrong (the caller names the variable).
 */
export function parseMinistryNames(json: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new Error(`kein gültiges JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error('muss ein JSON-Objekt sein: {"Kürzel": "Name des Ministeriums", …}');
  }
  const entries = Object.entries(parsed);
  if (entries.length > MAX_ENTRIES) throw new Error(`höchstens ${MAX_ENTRIES} Einträge`);
  const names: Record<string, string> = {};
  for (const [code, name] of entries) {
    if (!CODE.test(code)) throw new Error(`„${code}“ ist kein Kürzel (2–20 Buchstaben oder Bindestriche, z. B. MGS)`);
    if (typeof name !== 'string' || !NAME.test(name) || name.trim().length > MAX_NAME) {
      throw new Error(`der Name zu „${code}“ muss eine Zeile Text sein (höchstens ${MAX_NAME} Zeichen)`);
    }
    names[code] = name.trim();
  }
  return names;
}

/** The defaults with the operator's file (if any) laid over them. */
export function readMinistryNamesFile(path: string | null): MinistryNames {
  if (!path) return DEFAULT_MINISTRY_NAMES;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`die Datei ${path} lässt sich nicht lesen (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return Object.freeze({ ...DEFAULT_MINISTRY_NAMES, ...parseMinistryNames(text) });
}

let current: MinistryNames = DEFAULT_MINISTRY_NAMES;

/**
 * Installs the table for this process (once, at start-up, from the configuration). A
 * module-level table rather than a dependency handed down: every page and mail renderer
 * names the ministry, and none of them may read it differently.
 */
export function useMinistryNames(names: MinistryNames): void {
  current = Object.freeze({ ...names });
}

/** The full name of a ministry, or null for a code the table does not know. */
export function ministryName(code: string): string | null {
  return Object.hasOwn(current, code) ? current[code]! : null;
}

/** "Ministerium für Gesundheit und Soziales (MGS)"; an unknown code alone. */
export function ministryWithCode(code: string): string {
  const name = ministryName(code);
  return name ? `${name} (${code})` : code;
}
