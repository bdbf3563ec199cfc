import type { FieldError } from '../http/problem.ts';
import { berlinDate, isCalendarDate } from '../time/berlin.clock.ts';

/**
 * Checks the fields users type into an event before it reaches a machine, so that
 * a missing reason is a 422 naming the field – not a silently refused transition.
 * The machines' guards check the same rules again; this is the friendly front door.
 */
type FieldRule = (value: unknown, event: Record<string, unknown>, today: string) => string | null;

const text: FieldRule = (value) =>
  typeof value === 'string' && value.trim() !== '' ? null : 'Pflichtangabe: nicht-leerer Text';
const optional =
  (rule: FieldRule): FieldRule =>
  (value, event, today) =>
    value === undefined ? null : rule(value, event, today);
const positiveNumber: FieldRule = (value) =>
  typeof value === 'number' && Number.isFinite(value) && value > 0 ? null : 'muss eine positive Zahl sein';
const httpUrl: FieldRule = (value) => {
  if (typeof value !== 'string') return 'Pflichtangabe: URL des Online-Dienstes';
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? null : 'muss eine http(s)-URL sein';
  } catch {
    return 'ist keine gültige URL';
  }
};
const isoDate: FieldRule = (value) => (isCalendarDate(value) ? null : 'muss ein Kalenderdatum im Format JJJJ-MM-TT sein');
/** A day that has already come (in Brandenburg): a linking cannot have happened tomorrow. */
const pastOrToday: FieldRule = (value, event, today) =>
  isoDate(value, event, today) ?? ((value as string) > today ? `liegt in der Zukunft (heute ist ${today})` : null);
const arsList: FieldRule = (value) =>
  Array.isArray(value) && value.length > 0 && value.every((ars) => typeof ars === 'string' && /^\d{12}$/.test(ars))
    ? null
    : 'muss eine nicht-leere Liste 12-stelliger Regionalschlüssel sein';

export const READINESS_REASONS = ['fachverfahren-anbindung', 'epayment', 'bundid', 'personal', 'avv', 'sonstiges'] as const;

const readinessStatus: FieldRule = (value) =>
  value === 'bereit' || value === 'bereit-ab' || value === 'nicht-bereit' ? null : 'muss bereit, bereit-ab oder nicht-bereit sein';
const readinessFrom: FieldRule = (value, event, today) =>
  event.status === 'bereit-ab' ? isoDate(value, event, today) : optional(isoDate)(value, event, today);
const readinessReasons: FieldRule = (value, event) => {
  if (event.status !== 'nicht-bereit' && value === undefined) return null;
  if (!Array.isArray(value) || value.length === 0) return 'bei nicht-bereit: mindestens ein Grund';
  const unknown = value.filter((reason) => !(READINESS_REASONS as readonly unknown[]).includes(reason));
  return unknown.length ? `unbekannte Gründe ${unknown.join(', ')}; erlaubt: ${READINESS_REASONS.join(', ')}` : null;
};
const readinessText: FieldRule = (value, event, today) =>
  Array.isArray(event.gruende) && event.gruende.includes('sonstiges') ? text(value, event, today) : optional(text)(value, event, today);

const reason = { reason: text };

const PAYLOAD_RULES: Record<string, Record<string, FieldRule>> = {
  LESSONS_LEARNED_ERFASSEN: { text },
  ROLLOUT_STARTEN: {
    override: optional((value, _event, today) =>
      value !== null && typeof value === 'object' && text((value as { reason?: unknown }).reason, {}, today) === null
        ? null
        : 'override braucht eine Begründung in override.reason',
    ),
  },
  WELLE_STARTEN: { label: text, authorities: arsList, fristTage: optional(positiveNumber) },
  PAUSIEREN: reason,
  ABBRECHEN: reason,
  PILOT_ZURUECKSTELLEN: reason,
  ABLEHNEN: reason,
  NICHT_ZUSTAENDIG_MELDEN: reason,
  AUSSCHLIESSEN: reason,
  PILOT_LIVE_MELDEN: { onlineDienstUrl: httpUrl, verknuepftAm: optional(pastOrToday) },
  BUS_BB_VERKNUEPFUNG_MELDEN: { onlineDienstUrl: httpUrl, verknuepftAm: optional(pastOrToday) },
  EINLADEN: { wave: optional(text), fristTage: optional(positiveNumber) },
  BEREITSCHAFT_MELDEN: { status: readinessStatus, ab: readinessFrom, gruende: readinessReasons, freitext: readinessText },
};

/** Field errors of an event's payload; empty when it is fine. Dates are judged by Brandenburg's day at `now`. */
export function validateEventPayload(event: Record<string, unknown>, now: Date): FieldError[] {
  const rules = PAYLOAD_RULES[String(event.type)] ?? {};
  const today = berlinDate(now);
  const errors: FieldError[] = [];
  for (const [field, rule] of Object.entries(rules)) {
    const message = rule(event[field], event, today);
    if (message) errors.push({ field: `/event/${field}`, message });
  }
  return errors;
}
