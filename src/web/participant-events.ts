import { ACCESS, mayRoleSendParticipantEvent, type Role } from '../auth/roles.ts';
import { BUS_BB_SCHRITTE, PARTICIPANT_EVENT_TYPES, PARTICIPANT_SYSTEM_EVENTS, READINESS_GRUENDE, SPITZENVERBAENDE } from '../../workflows/index.ts';
import { TEXT_MAX_LENGTH } from '../validation/common.schemas.ts';
import type { FormValues } from './solution-events.ts';
import { READINESS_REASON_WORDS } from '../responses/stage.words.ts';

/**
 * The participant events as the staff pages send them: the fields of each event's form
 * (the fields of its schema in solutions/event.schemas.ts, with the same bounds) and how a
 * form becomes the event the API's POST …/participants/:ars/events would receive. The
 * German names of the events are those of the timeline (solution-events.ts EVENT_NAMES).
 */

export interface ParticipantEventField {
  /** The form field's name; the same as the event's property (except overrideReason). */
  name: string;
  label: string;
  hint: string;
  control: 'text' | 'textarea' | 'date' | 'url' | 'select' | 'checkboxes';
  required: boolean;
  maxLength?: number;
  /** select and checkboxes: value → German text. */
  options?: Readonly<Record<string, string>>;
}

const STEP_WORDS: Readonly<Record<string, string>> = {
  'online-dienst-angelegt': 'Online-Dienst im BUS-BB angelegt',
  'zustaendigkeit-zugeordnet': 'Zuständigkeit zugeordnet',
  'lsp-sichtbar': 'im Landesserviceportal sichtbar',
};

const options = (values: readonly string[], words: Readonly<Record<string, string>>) => Object.fromEntries(values.map((value) => [value, words[value] ?? value]));
const reason = (label: string): ParticipantEventField => ({ name: 'reason', label, hint: 'Pflichtangabe; steht im Verlauf der Behörde.', control: 'textarea', required: true, maxLength: TEXT_MAX_LENGTH });
const note: ParticipantEventField = { name: 'freitext', label: 'Anmerkung', hint: 'Optional, z. B. woher die Rückmeldung kam.', control: 'textarea', required: false, maxLength: TEXT_MAX_LENGTH };
const url: ParticipantEventField = { name: 'onlineDienstUrl', label: 'Adresse des Online-Dienstes', hint: 'Pflichtangabe, beginnt mit https://', control: 'url', required: true, maxLength: TEXT_MAX_LENGTH };
const linkedOn: ParticipantEventField = { name: 'verknuepftAm', label: 'Tag der Verknüpfung', hint: 'Optional; nicht in der Zukunft.', control: 'date', required: false, maxLength: 10 };
const steps = (required: boolean): ParticipantEventField => ({
  name: 'schritte',
  label: 'Erledigte BUS-BB-Schritte',
  hint: required ? 'Mindestens einen Schritt wählen.' : 'Optional.',
  control: 'checkboxes',
  required,
  options: options(BUS_BB_SCHRITTE, STEP_WORDS),
});

/** The fields of each participant event a person sends; events without fields are absent. */
export const PARTICIPANT_EVENT_FIELDS: Readonly<Record<string, readonly ParticipantEventField[]>> = {
  INTERESSE_BEKUNDEN: [note],
  ALS_PILOT_BEWERBEN: [note],
  PILOT_VORSCHLAGEN: [
    { name: 'quelle', label: 'Vorgeschlagen von', hint: 'Pflichtangabe.', control: 'select', required: true, options: { ministerium: 'dem Ministerium', spitzenverband: 'einem kommunalen Spitzenverband' } },
    { name: 'spitzenverband', label: 'Welcher Spitzenverband', hint: 'Nur bei Vorschlag eines Spitzenverbands.', control: 'select', required: false, options: options(SPITZENVERBAENDE, { 'staedte-und-gemeindebund': 'Städte- und Gemeindebund', landkreistag: 'Landkreistag' }) },
    { name: 'vorgeschlagenVon', label: 'Person oder Stelle', hint: 'Optional.', control: 'text', required: false, maxLength: 200 },
    { name: 'vorgeschlagenAm', label: 'Tag des Vorschlags', hint: 'Optional; nicht in der Zukunft.', control: 'date', required: false, maxLength: 10 },
  ],
  PILOT_ZURUECKSTELLEN: [reason('Begründung der Zurückstellung')],
  PILOT_ABLEHNEN: [reason('Begründung der Ablehnung')],
  PILOT_LIVE_MELDEN: [
    url,
    linkedOn,
    { name: 'overrideReason', label: 'Begründung, falls Checklistenpunkte offen sind', hint: 'Nur nötig, wenn die Checkliste nicht abgeschlossen ist.', control: 'textarea', required: false, maxLength: TEXT_MAX_LENGTH },
  ],
  BEREITSCHAFT_MELDEN: [
    { name: 'status', label: 'Bereitschaft', hint: 'Pflichtangabe.', control: 'select', required: true, options: { bereit: 'bereit', 'bereit-ab': 'bereit ab einem Tag', 'nicht-bereit': 'nicht bereit' } },
    { name: 'ab', label: 'Bereit ab', hint: 'Nur bei „bereit ab einem Tag“.', control: 'date', required: false, maxLength: 10 },
    { name: 'gruende', label: 'Was fehlt', hint: 'Nur bei „nicht bereit“; mindestens ein Grund.', control: 'checkboxes', required: false, options: options(READINESS_GRUENDE, READINESS_REASON_WORDS) },
    { ...note, hint: 'Pflicht beim Grund „Sonstiges“.' },
  ],
  BUS_BB_VERKNUEPFUNG_MELDEN: [url, linkedOn, steps(false)],
  BUS_BB_SCHRITTE_MELDEN: [steps(true), note],
  BUS_BB_SCHRITT_BESTAETIGEN: [{ name: 'schritt', label: 'Schritt', hint: 'Pflichtangabe; der Reihe nach.', control: 'select', required: true, options: options(BUS_BB_SCHRITTE, STEP_WORDS) }],
  ABLEHNEN: [reason('Begründung der Ablehnung')],
  NICHT_ZUSTAENDIG_MELDEN: [reason('Wer stattdessen zuständig ist')],
  AUSSCHLIESSEN: [reason('Begründung der Ausnahme')],
};

/** What a button for each event says (the timeline names what happened: solution-events.ts EVENT_NAMES). */
const ACTION_WORDS: Readonly<Record<string, string>> = {
  INTERESSE_BEKUNDEN: 'Interesse vermerken',
  ALS_PILOT_BEWERBEN: 'Pilotbewerbung vermerken',
  PILOT_VORSCHLAGEN: 'Als Pilot vorschlagen',
  PILOT_BESTAETIGEN: 'Pilot bestätigen',
  PILOT_ZURUECKSTELLEN: 'Pilot zurückstellen',
  PILOT_ABLEHNEN: 'Pilotkandidat ablehnen',
  PILOT_LIVE_MELDEN: 'Pilot live melden',
  BEREITSCHAFT_MELDEN: 'Bereitschaft vermerken',
  ONBOARDING_STARTEN: 'Onboarding beginnen',
  BUS_BB_VERKNUEPFUNG_MELDEN: 'BUS-BB-Verknüpfung vermerken',
  BUS_BB_SCHRITTE_MELDEN: 'BUS-BB-Schritte vermerken',
  BUS_BB_SCHRITT_BESTAETIGEN: 'BUS-BB-Schritt bestätigen',
  LIVE_BESTAETIGEN: 'Live bestätigen',
  ABLEHNEN: 'Ablehnung vermerken',
  NICHT_ZUSTAENDIG_MELDEN: 'Als nicht zuständig vermerken',
  AUSSCHLIESSEN: 'Von der Nachnutzung ausnehmen',
  ZUSTAENDIGKEIT_BESTAETIGEN: 'Zuständigkeit bestätigen',
};

export function participantAction(type: string): string {
  return ACTION_WORDS[type] ?? type;
}

const values = (value: string | string[] | undefined): string[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]).map((v) => v.trim()).filter(Boolean);

/** The event the API would receive for this form: empty optional fields are left out, so the schema judges what is there. */
export function participantEventFromForm(type: string, form: FormValues): { type: string } & Record<string, unknown> {
  const event: { type: string } & Record<string, unknown> = { type };
  for (const field of PARTICIPANT_EVENT_FIELDS[type] ?? []) {
    const given = values(form[field.name]);
    if (field.control === 'checkboxes') {
      if (given.length || field.required) event[field.name] = given;
      continue;
    }
    const value = given[0] ?? '';
    if (value === '' && !field.required) continue;
    if (field.name === 'overrideReason') event.override = { reason: value };
    else event[field.name] = value;
  }
  return event;
}

/** Events a role sends to many at once from the table: client events it may send that need no more than a reason. */
export function bulkEventsFor(role: Role): string[] {
  if (!(ACCESS.steer as readonly Role[]).includes(role)) return [];
  return PARTICIPANT_EVENT_TYPES.filter(
    (type) =>
      !(type in PARTICIPANT_SYSTEM_EVENTS) &&
      mayRoleSendParticipantEvent(role, type) &&
      (PARTICIPANT_EVENT_FIELDS[type] ?? []).every((field) => !field.required || field.name === 'reason'),
  );
}
