import { LESSON_RELEVANZ } from '../solutions/event.schemas.ts';
import { formTextTrimmed } from './staff-route.kit.ts';

/**
 * The solution's events as its page offers them: German names (buttons and timeline),
 * the fields each event's form has – the fields of its schema in event.schemas.ts – how a
 * form becomes the event the API would receive, and which events ask for a confirmation
 * first because they start mails to many authorities or cannot be undone.
 */

/** Buttons and timeline: what each event does, in the ministry's words. */
export const EVENT_NAMES: Readonly<Record<string, string>> = {
  ANGELEGT: 'Lösung angelegt',
  GEAENDERT: 'Entwurf geändert',
  ERSTINFORMATION_STARTEN: 'Erstinformation beginnen',
  ERSTINFORMATION_VERSANDT: 'Erstinformation versandt',
  PILOTPHASE_STARTEN: 'Pilotphase starten',
  LESSONS_LEARNED_ERFASSEN: 'Lessons learned erfassen',
  ROLLOUT_STARTEN: 'Flächendeckenden Rollout starten',
  WELLE_STARTEN: 'Welle starten',
  ABSCHLIESSEN: 'Rollout abschließen',
  PAUSIEREN: 'Lösung anhalten',
  FORTSETZEN: 'Lösung fortsetzen',
  ABBRECHEN: 'Rollout abbrechen',
  INFORMIEREN: 'Erstinformation zugestellt',
  INTERESSE_BEKUNDEN: 'Interesse bekundet',
  ALS_PILOT_BEWERBEN: 'als Pilot beworben',
  PILOT_VORSCHLAGEN: 'als Pilot vorgeschlagen',
  PILOT_BESTAETIGEN: 'Pilot bestätigt',
  PILOT_ZURUECKSTELLEN: 'Pilot zurückgestellt',
  PILOT_ABLEHNEN: 'Pilotkandidat abgelehnt',
  PILOT_LIVE_MELDEN: 'Pilot live gemeldet',
  EINLADEN: 'zur Welle eingeladen',
  BEREITSCHAFT_MELDEN: 'Bereitschaft gemeldet',
  ONBOARDING_STARTEN: 'Onboarding begonnen',
  BUS_BB_VERKNUEPFUNG_MELDEN: 'BUS-BB-Verknüpfung gemeldet',
  BUS_BB_SCHRITTE_MELDEN: 'BUS-BB-Schritte gemeldet',
  BUS_BB_SCHRITT_BESTAETIGEN: 'BUS-BB-Schritt bestätigt',
  BUS_BB_ABGLEICH_UEBERNEHMEN: 'Verknüpfung aus dem PVOG-Abgleich übernommen',
  LIVE_BESTAETIGEN: 'live bestätigt',
  ABLEHNEN: 'Nachnutzung abgelehnt',
  NICHT_ZUSTAENDIG_MELDEN: 'als nicht zuständig gemeldet',
  AUSSCHLIESSEN: 'ausgenommen',
  ZUSTAENDIGKEIT_BESTAETIGEN: 'Zuständigkeit bestätigt',
};

export function eventName(type: string): string {
  return EVENT_NAMES[type] ?? type;
}

export interface EventField {
  /** The form field's name (also how its error is named). */
  name: string;
  label: string;
  hint: string;
  control: 'text' | 'textarea' | 'date' | 'select';
  required: boolean;
  /** For a select: value → German text. */
  options?: Readonly<Record<string, string>>;
}

const reasonField = (label: string, hint: string): EventField => ({ name: 'reason', label, hint, control: 'textarea', required: true });

/** The fields of each solution event a person sends; events without fields are absent. */
export const EVENT_FIELDS: Readonly<Record<string, readonly EventField[]>> = {
  LESSONS_LEARNED_ERFASSEN: [
    { name: 'text', label: 'Lessons learned', hint: 'Was die Pilotphase gelehrt hat (Pflichtangabe).', control: 'textarea', required: true },
    { name: 'thema', label: 'Thema', hint: 'Optional, z. B. Anbindung Fachverfahren.', control: 'text', required: false },
    { name: 'pilotArs', label: 'Aus welcher Pilotbehörde (ARS)', hint: 'Optional: der Regionalschlüssel einer teilnehmenden Behörde.', control: 'text', required: false },
    {
      name: 'relevanz',
      label: 'Bedeutung für den Rollout',
      hint: 'Ohne Angabe: mittel.',
      control: 'select',
      required: false,
      options: Object.fromEntries(LESSON_RELEVANZ.map((value) => [value, value])),
    },
  ],
  ROLLOUT_STARTEN: [
    {
      name: 'overrideReason',
      label: 'Begründung, falls ohne erfolgreiche Pilotphase',
      hint: 'Nur nötig, wenn noch kein Pilot live ist oder keine Lessons learned erfasst sind.',
      control: 'textarea',
      required: false,
    },
  ],
  WELLE_STARTEN: [
    { name: 'label', label: 'Name der Welle', hint: 'Eindeutig je Lösung, z. B. Welle 1 – Landkreise Süd.', control: 'text', required: true },
    {
      name: 'authorities',
      label: 'Einzuladende Behörden (ARS)',
      hint: 'Die Regionalschlüssel der teilnehmenden Behörden, je Zeile einer (oder durch Komma getrennt).',
      control: 'textarea',
      required: true,
    },
    { name: 'fristTage', label: 'Antwortfrist in Tagen', hint: 'Optional; ohne Angabe gilt die übliche Frist.', control: 'text', required: false },
  ],
  PAUSIEREN: [reasonField('Begründung der Pause', 'Warum die Lösung angehalten wird (Pflichtangabe).')],
  ABBRECHEN: [reasonField('Begründung des Abbruchs', 'Warum der Rollout endet (Pflichtangabe). Das lässt sich nicht rückgängig machen.')],
};

export type FormValues = Readonly<Record<string, string | string[] | undefined>>;

/** The event the API would receive for this form: empty optional fields are left out, so the schema judges what is there. */
export function eventFromForm(type: string, form: FormValues): { type: string } & Record<string, unknown> {
  const event: { type: string } & Record<string, unknown> = { type };
  for (const field of EVENT_FIELDS[type] ?? []) {
    const value = formTextTrimmed(form, field.name);
    if (value === '' && !field.required) continue;
    if (field.name === 'overrideReason') event.override = { reason: value };
    else if (field.name === 'authorities') event.authorities = value.split(/[\s,;]+/).filter(Boolean);
    else if (field.name === 'fristTage') event.fristTage = /^\d{1,6}$/.test(value) ? Number(value) : value;
    else event[field.name] = value;
  }
  return event;
}

/** The events that ask „Wirklich …?“ first: they start mails to many authorities, begin a phase of the rollout, or cannot be undone. */
export function confirmationOf(type: string, event: Record<string, unknown>, participants: number): { question: string; consequence: string; button: string } | null {
  const behoerden = (n: number) => (n === 1 ? '1 Behörde' : `${n} Behörden`);
  switch (type) {
    case 'ERSTINFORMATION_STARTEN':
      return {
        question: 'Wirklich die Erstinformation beginnen?',
        consequence: `Die Erstinformation richtet sich an ${behoerden(participants)}; danach lässt sich der Entwurf nicht mehr ändern. Das Mailing an die Behörden versenden Sie im nächsten Schritt.`,
        button: 'Ja, Erstinformation beginnen',
      };
    case 'ROLLOUT_STARTEN':
      return {
        question: 'Wirklich den flächendeckenden Rollout starten?',
        consequence: `Der Rollout betrifft ${behoerden(participants)}; die Pilotphase endet damit. Die Behörden laden Sie danach in Wellen ein.`,
        button: 'Ja, Rollout starten',
      };
    case 'WELLE_STARTEN': {
      const n = Array.isArray(event.authorities) ? event.authorities.length : 0;
      return { question: 'Wirklich die Welle starten?', consequence: `Das schreibt ${behoerden(n)} an: Jede erhält eine Einladung per E-Mail.`, button: 'Ja, Welle starten und einladen' };
    }
    case 'ABBRECHEN':
      return {
        question: 'Wirklich den Rollout abbrechen?',
        consequence: `Das beendet den Rollout für ${behoerden(participants)} endgültig; es lässt sich nicht rückgängig machen.`,
        button: 'Ja, Rollout abbrechen',
      };
    default:
      return null;
  }
}
