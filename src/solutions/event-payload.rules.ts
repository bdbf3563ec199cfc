import type { FieldError } from '../errors/domain.errors.ts';
import { READINESS_GRUENDE } from '../../workflows/index.ts';
import { isHttpsUrl } from '../validation/common.schemas.ts';

/**
 * What the participant events' schemas (event.schemas.ts) cannot say: which fields a
 * readiness status needs, and dates that may not lie in Brandenburg's future. The engine
 * runs them after the schema (engine/event-payload.validate.ts).
 */

/** The reasons an authority may give for not being ready (the form's checkboxes). */
export const READINESS_REASONS = READINESS_GRUENDE;

/** Rules across fields, and the ones that need `today`. */
export function participantPayloadRules(event: Record<string, unknown>, today: string): FieldError[] {
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
