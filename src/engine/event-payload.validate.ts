import { isHttpsUrl } from '../validation/common.schemas.ts';
import { Value } from 'typebox/value';
import type { FieldError } from '../errors/domain.errors.ts';
import { READINESS_GRUENDE } from '../../workflows/index.ts';
import { berlinDate } from '../time/berlin.clock.ts';
import { fieldErrorsOf, type SchemaIssue } from '../validation/field-errors.ts';
import { eventSchemaOf } from './event.schemas.ts';

/**
 * Checks an event's payload before it reaches a machine, so that a missing reason is a
 * 422 naming the field – not a silently refused transition. The shape of every event is
 * its schema in event.schemas.ts (the same the routes validate and document); here only
 * what a schema cannot say: which fields a readiness status needs, and dates that may
 * not lie in Brandenburg's future. The machines' guards check the essentials again.
 */

/** The reasons an authority may give for not being ready (the form's checkboxes). */
export const READINESS_REASONS = READINESS_GRUENDE;

type Event = Record<string, unknown>;


/** Rules across fields, and the ones that need `today`. */
function ruleErrors(event: Event, today: string): FieldError[] {
  const errors: FieldError[] = [];
  const add = (field: string, message: string) => errors.push({ field: `/event/${field}`, message });
  switch (event.type) {
    case 'BEREITSCHAFT_MELDEN': {
      if (event.status === 'bereit-ab' && event.ab === undefined) add('ab', 'Pflichtangabe bei status bereit-ab');
      if (event.status === 'nicht-bereit' && event.gruende === undefined) add('gruende', 'bei nicht-bereit: mindestens ein Grund');
      if (Array.isArray(event.gruende) && event.gruende.includes('sonstiges') && event.freitext === undefined) {
        add('freitext', 'Pflichtangabe bei Grund „sonstiges“');
      }
      break;
    }
    case 'PILOT_VORSCHLAGEN': {
      if (event.quelle === 'spitzenverband' && event.spitzenverband === undefined) add('spitzenverband', 'Pflichtangabe bei quelle spitzenverband');
      if (event.quelle !== 'spitzenverband' && event.spitzenverband !== undefined) add('spitzenverband', 'nur bei quelle spitzenverband');
      if (typeof event.vorgeschlagenAm === 'string' && event.vorgeschlagenAm > today) add('vorgeschlagenAm', `liegt in der Zukunft (heute ist ${today})`);
      break;
    }
    case 'PILOT_LIVE_MELDEN':
    case 'BUS_BB_VERKNUEPFUNG_MELDEN': {
      if (!isHttpsUrl(event.onlineDienstUrl)) add('onlineDienstUrl', 'ist keine gültige Adresse, die mit https:// beginnt');
      // a linking cannot have happened tomorrow
      if (typeof event.verknuepftAm === 'string' && event.verknuepftAm > today) add('verknuepftAm', `liegt in der Zukunft (heute ist ${today})`);
      break;
    }
  }
  return errors;
}

/** Field errors of an event's payload; empty when it is fine. Dates are judged by Brandenburg's day at `now`. */
export function validateEventPayload(event: Event, now: Date): FieldError[] {
  const type = event.type;
  // Timer events (xstate.after.*) are the machines' own; the engine lets only the system send them.
  if (typeof type === 'string' && type.startsWith('xstate.')) return [];
  const schema = typeof type === 'string' ? eventSchemaOf(type) : undefined;
  if (!schema) return [{ field: '/event/type', message: `unbekannter Ereignistyp „${String(type)}“` }];
  const issues = Value.Errors(schema, event) as unknown as SchemaIssue[];
  if (issues.length) return fieldErrorsOf(issues, '/event');
  return ruleErrors(event, berlinDate(now));
}
