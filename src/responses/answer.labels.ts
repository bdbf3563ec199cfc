import type { LinkPurpose } from '../db/schema.ts';
import type { ReadinessReason, RecordedAnswer } from '../links/link-answers.ts';
import { germanDateTime } from '../time/berlin.clock.ts';

/**
 * The words for an authority's answers, as its pages show them and as a ticket quotes
 * them (automatic-tickets.ts): plain German text, no markup. The pages (src/web/) put
 * them into HTML; a feature that needs the same words takes them from here. The words for
 * its stage and what comes next are in stage.words.ts.
 */

export const PURPOSE_TITLES: Record<LinkPurpose, string> = {
  interesse: 'Rückmeldung zur Nachnutzung',
  pilot: 'Bewerbung als Pilotbehörde',
  bereitschaft: 'Bereitschaft zur Nachnutzung',
  'bus-bb': 'Verknüpfung im BUS-BB melden',
  pilotbetrieb: 'Checkliste und Go-live der Pilotbehörde',
  ticket: 'Ihre Anfragen an das Kommunale Anwendungszentrum',
};

export const INTERESSE_LABELS: Record<string, string> = {
  interesse: 'Wir haben Interesse und möchten weiter informiert werden.',
  pilot: 'Wir möchten als Pilotbehörde mitwirken.',
  'kein-interesse': 'Wir haben derzeit kein Interesse.',
  'nicht-zustaendig': 'Wir sind für diese Leistung nicht zuständig.',
};

export const STATUS_LABELS: Record<string, string> = {
  bereit: 'Wir sind bereit.',
  'bereit-ab': 'Wir sind ab einem bestimmten Datum bereit.',
  'nicht-bereit': 'Wir sind noch nicht bereit.',
};

export const BUS_BB_SCHRITT_LABELS: Record<string, string> = {
  'online-dienst-angelegt': 'Online-Dienst im BUS-BB angelegt',
  'zustaendigkeit-zugeordnet': 'Zuständigkeit zugeordnet (Organisationseinheit und Gebiet)',
  'lsp-sichtbar': 'Im Landesserviceportal sichtbar',
};

export const REASON_LABELS: Record<ReadinessReason, string> = {
  'fachverfahren-anbindung': 'Anbindung unseres Fachverfahrens',
  transport: 'Übermittlungsweg zu uns (FIT-Connect, OSCI/XTA, DVDV)',
  epayment: 'ePayment (Bezahldienst)',
  bundid: 'BundID (Nutzerkonto)',
  personal: 'Personal',
  avv: 'Vertrag zur Auftragsverarbeitung (AVV)',
  sonstiges: 'Sonstiges (bitte unten erläutern)',
};

export function germanDate(isoDate: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  return match ? `${match[3]}.${match[2]}.${match[1]}` : isoDate;
}

/** A recorded answer as label/value pairs, in words. */
export function describeAnswer(recorded: RecordedAnswer): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  switch (recorded.purpose) {
    case 'interesse':
      rows.push(['Ihre Antwort', INTERESSE_LABELS[recorded.wahl] ?? recorded.wahl]);
      if (recorded.freitext) rows.push(['Bemerkungen', recorded.freitext]);
      break;
    case 'pilot':
      rows.push(['Ihre Antwort', 'Wir bewerben uns als Pilotbehörde.']);
      if (recorded.freitext) rows.push(['Bemerkungen', recorded.freitext]);
      break;
    case 'bereitschaft':
      rows.push([
        'Bereitschaft',
        recorded.status === 'bereit-ab' && recorded.ab
          ? `Wir sind ab dem ${germanDate(recorded.ab)} bereit.`
          : (STATUS_LABELS[recorded.status] ?? recorded.status),
      ]);
      if (recorded.gruende?.length) {
        rows.push(['Es fehlt noch', recorded.gruende.map((g) => REASON_LABELS[g]?.replace(/ \(bitte unten erläutern\)$/, '') ?? g).join(', ')]);
      }
      if (recorded.freitext) rows.push(['Erläuterung', recorded.freitext]);
      break;
    case 'bus-bb':
    case 'pilotbetrieb':
      if (recorded.onlineDienstUrl) rows.push(['Online-Dienst', recorded.onlineDienstUrl]);
      if (recorded.verknuepftAm) rows.push(['Verknüpft am', germanDate(recorded.verknuepftAm)]);
      if (recorded.purpose === 'bus-bb' && recorded.schritte?.length) {
        rows.push(['Erledigte Schritte', recorded.schritte.map((s) => BUS_BB_SCHRITT_LABELS[s] ?? s).join(', ')]);
      }
      break;
  }
  rows.push(['Eingegangen am', germanDateTime(recorded.at)]);
  return rows;
}
