/**
 * Reads a PVOG/BUS-BB export in the XZuFi 2.2 shapes the PVOG's REST readers show, as
 * efa-rollout takes it in one JSON document:
 *
 *   { "quelle"?: string, "exportiertAm"?: string,
 *     "leistungen":       [ { id: {text, _schemeAgencyID}, referenzLeiKa: [{code}] } … ],
 *     "zustaendigkeiten": [ { uebergeordnetesObjektID: {text},
 *                             zustaendigkeit: { id: {text, _schemeID, _schemeAgencyID},
 *                                               leistungID: {text}, gebietID: {text}, rolle } } … ],
 *     "onlinedienste":    [ { id, bezeichnung, link: [{url}] } … ] }
 *
 * Defensive, because real exports vary: a single value where an array is expected is
 * read as a one-element array, an id may be a plain string or `{text}`, a Bezeichnung a
 * string, `{text}` or a list of them; unknown fields are ignored. Types are not guessed:
 * an id, key, ARS or address given as a JSON number is reported, not turned into text
 * (a number has lost the leading zero of an ARS and the digits of a long id). A record
 * that cannot be used is reported with its JSON pointer and the reason, and the valid
 * rest is read.
 * Pure: no I/O, so that it is tested alone and could move into a worker.
 */

import { isHttpUrl } from '../validation/common.schemas.ts';

export const ZUSTAENDIGKEIT_OE = 'ZustaendigkeitOrganisationseinheit';
export const ZUSTAENDIGKEIT_ONLINEDIENST = 'ZustaendigkeitOnlinedienst';

const LEIKA_PATTERN = /^[0-9]{14}$/;
/** ARS prefixes: Land 2, RB 3, Kreis 5, Gemeindeverband 9, Gemeinde 12 digits. */
const ARS_PREFIX_LENGTHS = new Set([2, 3, 5, 9, 12]);
const MAX_ID_LENGTH = 300;
const MAX_TEXT_LENGTH = 2000;
/** Issues kept in full; the count says how many there were in all. */
export const MAX_REPORTED_ISSUES = 1000;

export interface ExportIssue {
  /** JSON pointer into the uploaded document, e.g. /zustaendigkeiten/17/zustaendigkeit/gebietID. */
  pointer: string;
  reason: string;
}

export interface Onlinedienst {
  id: string;
  bezeichnung: string | null;
  urls: string[];
}

export interface Zustaendigkeit {
  kind: 'oe' | 'onlinedienst';
  /** The OE or Onlinedienst the Zuständigkeit belongs to. */
  objektId: string;
  leistungId: string;
  /** 12-digit ARS (a shorter ARS prefix is filled up with zeros). */
  gebietArs: string;
}

export interface PvogExport {
  /** Leistung id → its LeiKa keys. */
  leistungen: Map<string, Set<string>>;
  zustaendigkeiten: Zustaendigkeit[];
  onlinedienste: Map<string, Onlinedienst>;
  issues: ExportIssue[];
  issueCount: number;
  records: Record<'leistungen' | 'zustaendigkeiten' | 'onlinedienste', { total: number; valid: number }>;
}

type Obj = Record<string, unknown>;

const isObject = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);
const asArray = (value: unknown): unknown[] => (value === undefined || value === null ? [] : Array.isArray(value) ? value : [value]);

/** What `textOf` reads: `"x"`, `{text: "x"}` (or `{value}`), or the first element of a list of these. */
function rawOf(value: unknown): unknown {
  const first = Array.isArray(value) ? value[0] : value;
  return isObject(first) ? (first['text'] ?? first['value']) : first;
}

/** The text of a value, or null when there is none – also when it is a number, boolean or object. */
function textOf(value: unknown): string | null {
  const raw = rawOf(value);
  if (typeof raw !== 'string') return null;
  const trimmed = raw.trim();
  return trimmed === '' ? null : trimmed;
}

/** Appended to a refusal when the value was a JSON number, so that the sender sees what to change. */
const numberNote = (value: unknown): string => (typeof rawOf(value) === 'number' ? ' – eine Zahl; erwartet Text in Anführungszeichen' : '');

/** A Gebiet's ARS; shorter official prefixes (Land, Kreis, Gemeindeverband) are filled up to 12 digits. */
export function gebietArsOf(value: string): string | null {
  if (!/^[0-9]+$/.test(value) || !ARS_PREFIX_LENGTHS.has(value.length)) return null;
  return value.padEnd(12, '0');
}


export function readPvogExport(document: { leistungen?: unknown[]; zustaendigkeiten?: unknown[]; onlinedienste?: unknown[] }): PvogExport {
  const result: PvogExport = {
    leistungen: new Map(),
    zustaendigkeiten: [],
    onlinedienste: new Map(),
    issues: [],
    issueCount: 0,
    records: { leistungen: { total: 0, valid: 0 }, zustaendigkeiten: { total: 0, valid: 0 }, onlinedienste: { total: 0, valid: 0 } },
  };
  const issue = (pointer: string, reason: string) => {
    result.issueCount++;
    if (result.issues.length < MAX_REPORTED_ISSUES) result.issues.push({ pointer, reason });
  };
  const id = (value: unknown, pointer: string, what: string): string | null => {
    const text = textOf(value);
    if (text === null) issue(pointer, numberNote(value) ? `${what} ist kein Text${numberNote(value)}` : `${what} fehlt`);
    else if (text.length > MAX_ID_LENGTH) issue(pointer, `${what} ist länger als ${MAX_ID_LENGTH} Zeichen`);
    else return text;
    return null;
  };

  for (const [index, record] of asArray(document.leistungen).entries()) {
    const at = `/leistungen/${index}`;
    result.records.leistungen.total++;
    if (!isObject(record)) {
      issue(at, 'kein Objekt');
      continue;
    }
    const leistungId = id(record['id'], `${at}/id`, 'Leistungs-ID (id.text)');
    if (leistungId === null) continue;
    const codes = new Set<string>();
    for (const [position, reference] of asArray(record['referenzLeiKa']).entries()) {
      const given = isObject(reference) ? reference['code'] : reference;
      const code = textOf(given);
      if (code !== null && LEIKA_PATTERN.test(code)) codes.add(code);
      else issue(`${at}/referenzLeiKa/${position}`, `kein 14-stelliger LeiKa-Schlüssel (code)${numberNote(given)}`);
    }
    if (codes.size === 0) {
      issue(`${at}/referenzLeiKa`, 'die Leistung nennt keinen gültigen LeiKa-Schlüssel');
      continue;
    }
    const known = result.leistungen.get(leistungId) ?? new Set<string>();
    for (const code of codes) known.add(code);
    result.leistungen.set(leistungId, known);
    result.records.leistungen.valid++;
  }

  for (const [index, record] of asArray(document.onlinedienste).entries()) {
    const at = `/onlinedienste/${index}`;
    result.records.onlinedienste.total++;
    if (!isObject(record)) {
      issue(at, 'kein Objekt');
      continue;
    }
    const dienstId = id(record['id'], `${at}/id`, 'ID des Onlinedienstes');
    if (dienstId === null) continue;
    const bezeichnung = textOf(record['bezeichnung']);
    if (numberNote(record['bezeichnung'])) issue(`${at}/bezeichnung`, `Bezeichnung ist kein Text${numberNote(record['bezeichnung'])}`);
    const urls: string[] = [];
    for (const [position, link] of asArray(record['link']).entries()) {
      const given = isObject(link) ? link['url'] ?? link['link'] : link;
      const url = textOf(given);
      if (url !== null && isHttpUrl(url)) urls.push(url);
      else issue(`${at}/link/${position}`, `keine gültige http(s)-Adresse (url)${numberNote(given)}`);
    }
    result.onlinedienste.set(dienstId, { id: dienstId, bezeichnung: bezeichnung && bezeichnung.slice(0, MAX_TEXT_LENGTH), urls });
    result.records.onlinedienste.valid++;
  }

  for (const [index, record] of asArray(document.zustaendigkeiten).entries()) {
    const at = `/zustaendigkeiten/${index}`;
    result.records.zustaendigkeiten.total++;
    if (!isObject(record)) {
      issue(at, 'kein Objekt');
      continue;
    }
    const inner = Array.isArray(record['zustaendigkeit']) ? record['zustaendigkeit'][0] : record['zustaendigkeit'];
    if (!isObject(inner)) {
      issue(`${at}/zustaendigkeit`, 'fehlt oder ist kein Objekt');
      continue;
    }
    const innerAt = `${at}/zustaendigkeit`;
    const scheme = isObject(inner['id']) ? inner['id']['_schemeID'] : undefined;
    const kind = scheme === ZUSTAENDIGKEIT_ONLINEDIENST ? 'onlinedienst' : scheme === ZUSTAENDIGKEIT_OE ? 'oe' : null;
    if (kind === null) {
      issue(`${innerAt}/id/_schemeID`, `Art der Zuständigkeit unbekannt: erwartet ${ZUSTAENDIGKEIT_OE} oder ${ZUSTAENDIGKEIT_ONLINEDIENST}`);
      continue;
    }
    const objektId = id(record['uebergeordnetesObjektID'], `${at}/uebergeordnetesObjektID`, 'übergeordnetes Objekt (uebergeordnetesObjektID.text)');
    const leistungId = id(inner['leistungID'], `${innerAt}/leistungID`, 'Leistungs-ID (leistungID.text)');
    const gebiete = asArray(inner['gebietID']);
    if (gebiete.length === 0) issue(`${innerAt}/gebietID`, 'Gebiet (gebietID.text, ein ARS) fehlt');
    if (objektId === null || leistungId === null || gebiete.length === 0) continue;
    let valid = false;
    for (const [position, gebiet] of gebiete.entries()) {
      const text = textOf(gebiet);
      const ars = text === null ? null : gebietArsOf(text);
      if (ars === null) {
        const pointer = Array.isArray(inner['gebietID']) ? `${innerAt}/gebietID/${position}` : `${innerAt}/gebietID`;
        issue(pointer, `kein Amtlicher Regionalschlüssel (2, 3, 5, 9 oder 12 Ziffern)${numberNote(gebiet)}`);
        continue;
      }
      result.zustaendigkeiten.push({ kind, objektId, leistungId, gebietArs: ars });
      valid = true;
    }
    if (valid) result.records.zustaendigkeiten.valid++;
  }
  return result;
}
