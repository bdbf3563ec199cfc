import type { FormFields } from '../responses/response.service.ts';
import { SENDABLE_KINDS, type SendableKind } from '../mailings/mailing.service.ts';
import { entryOf, formList } from './schema-form.ts';
import { formText, type FieldOf } from './staff-route.kit.ts';

/**
 * The mailing form's fields and how they become the body of POST /solutions/:id/mailings:
 * the kind, the answer deadline with its reminders, whom it goes to (stages, a Kreis, a
 * list of authorities) and, for a repeat, to whom again.
 */

export const MAILING_KIND_WORDS: Readonly<Record<string, string>> = {
  erstinformation: 'Erstinformation',
  pilotaufruf: 'Pilotaufruf',
  'pilot-einladung': 'Einladung der Pilotbehörden',
  'rollout-einladung': 'Einladung zum Rollout',
  erinnerung: 'Erinnerung',
  eskalation: 'Eskalation',
};

export const REPEAT_WORDS: Readonly<Record<string, string>> = {
  keine: 'Erstes Mailing dieser Art (an Behörden, die es noch nicht erhalten haben)',
  nurOhneAntwort: 'Wiederholung: nur an Behörden, die noch nicht geantwortet haben',
  nurNichtErreicht: 'Wiederholung: nur an Behörden, die das Mailing nicht erreicht hat',
  erneut: 'Wiederholung: noch einmal an alle ausgewählten Behörden',
};

export const MAILING_FIELD_LABELS: Readonly<Record<string, string>> = {
  art: 'Art des Mailings',
  frist: 'Antwortfrist',
  erinnerungen: 'Zahl der Erinnerungen',
  abstand: 'Abstand der Erinnerungen in Tagen',
  stadien: 'Nur Behörden in diesen Stadien',
  kreis: 'Nur in diesem Landkreis (ARS)',
  behoerden: 'Nur diese Behörden (ARS)',
  wiederholung: 'An wen',
};

/** The fields the confirmation step carries on. */
export const MAILING_FORM_FIELDS = ['art', 'frist', 'erinnerungen', 'abstand', 'stadien', 'kreis', 'behoerden', 'wiederholung'] as const;

/** The kinds a mailing can have in this stage of the solution. */
export function kindsInStage(stage: string): SendableKind[] {
  return (Object.keys(SENDABLE_KINDS) as SendableKind[]).filter((kind) => SENDABLE_KINDS[kind].stages.includes(stage));
}

const numberOrText = (text: string): number | string => (/^\d{1,6}$/.test(text.trim()) ? Number(text.trim()) : text);

export function mailingBodyOf(form: FormFields): Record<string, unknown> {
  const stages = form.stadien === undefined ? [] : Array.isArray(form.stadien) ? form.stadien : [form.stadien];
  const kreis = formText(form, 'kreis').trim();
  const authorities = formList(formText(form, 'behoerden'));
  const filter = {
    ...(stages.length ? { stages } : {}),
    ...(kreis ? { kreisArs: kreis } : {}),
    ...(authorities.length ? { authorities } : {}),
  };
  const deadline = formText(form, 'frist').trim();
  const count = formText(form, 'erinnerungen').trim();
  const interval = formText(form, 'abstand').trim();
  const repeat = formText(form, 'wiederholung');
  return {
    kind: formText(form, 'art'),
    ...(Object.keys(filter).length ? { filter } : {}),
    ...(deadline ? { deadline } : {}),
    ...(count || interval ? { reminders: { count: count ? numberOrText(count) : 0, intervalDays: interval ? numberOrText(interval) : 7 } } : {}),
    ...(repeat && repeat !== 'keine' ? { [repeat]: true } : {}),
  };
}

export const mailingFieldOf: FieldOf = (pointer) => {
  const parts = pointer.split('/').slice(1);
  switch (parts[0]) {
    case 'kind':
      return { field: 'art' };
    case 'deadline':
      return { field: 'frist' };
    case 'reminders':
      return { field: parts[1] === 'intervalDays' ? 'abstand' : 'erinnerungen' };
    case 'filter':
      if (parts[1] === 'stages') return { field: 'stadien' };
      if (parts[1] === 'kreisArs') return { field: 'kreis' };
      if (parts[1] === 'authorities') return { field: 'behoerden', entry: entryOf(pointer) };
      return { field: 'stadien' };
    default:
      // the repeat options – and an unknown one a forged radio button sent
      return { field: 'wiederholung' };
  }
};
