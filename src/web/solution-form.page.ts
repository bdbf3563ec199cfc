import type { Role } from '../auth/roles.ts';
import type { FieldError } from '../errors/domain.errors.ts';
import { html, type Html } from '../markup/html.ts';
import type { FormFields } from '../responses/response.service.ts';
import type { SolutionView } from '../solutions/solution.service.ts';
import { errorSummary, FormWriter } from './form.kit.ts';
import { entryOf, formList, labelled } from './schema-form.ts';
import { formText, type FieldOf } from './staff-route.kit.ts';
import { ministryLabel, renderStaffLayout, type StaffFrame } from './staff.layout.ts';

/**
 * A solution's own fields as a form – the fields of POST /solutions (creating) and PATCH
 * /solutions/:id (the draft), with the schema's limits: title, OZG-ID, LeiKa keys, the
 * lead ministry (the admin chooses it; a ministry creates for itself), description,
 * responsibility (+ the list of authorities) and the overrides. `/verwaltung/loesungen/neu`
 * is the page that creates one.
 */

export const NEW_SOLUTION_PATH = '/verwaltung/loesungen/neu';

export const SOLUTION_FIELD_LABELS: Readonly<Record<string, string>> = {
  title: 'Titel',
  ozgId: 'OZG-ID',
  leikaKeys: 'LeiKa-Leistungsschlüssel',
  leadMinistry: 'Federführendes Ministerium',
  description: 'Beschreibung',
  level: 'Zuständig sind',
  laender: 'Länder',
  authorities: 'Zuständige Behörden (ARS)',
  overrides: 'Abweichungen',
};

const LEVELS = {
  gemeinde: 'Ämter, amtsfreie Gemeinden, kreisfreie Städte und Verbandsgemeinden',
  kreis: 'Landkreise und kreisfreie Städte',
  liste: 'Nur die unten genannten Behörden',
};

const ACTION_WORDS: Record<string, 'add' | 'exclude'> = { hinzufügen: 'add', add: 'add', ausnehmen: 'exclude', exclude: 'exclude' };

/** The form's values as they came (or as a saved solution fills them). */
export function valuesOfSolution(solution: SolutionView): FormFields {
  return {
    title: solution.title,
    ozgId: solution.ozgId,
    leikaKeys: solution.leikaKeys.join('\n'),
    leadMinistry: solution.leadMinistry,
    description: solution.description,
    level: solution.responsibility.level,
    laender: solution.responsibility.laender?.join(', ') ?? (solution.responsibility.land === '12' ? '' : (solution.responsibility.land ?? '')),
    authorities: (solution.responsibility.authorities ?? []).join('\n'),
    overrides: solution.overrides.map((o) => `${o.ars}; ${o.action === 'add' ? 'hinzufügen' : 'ausnehmen'}; ${o.reason}`).join('\n'),
  };
}

/** The request body the API would receive for this form (leadMinistry only where the person chooses it). */
export function solutionBodyOf(form: FormFields, chooseMinistry: boolean): Record<string, unknown> {
  const level = formText(form, 'level');
  const overrideLines = formText(form, 'overrides').split(/\r?\n/).filter((line) => line.trim() !== '');
  const body: Record<string, unknown> = {
    title: formText(form, 'title').trim(),
    ozgId: formText(form, 'ozgId').trim(),
    leikaKeys: formList(formText(form, 'leikaKeys')),
    description: formText(form, 'description'),
    responsibility: {
      ...(level ? { level } : {}),
      ...(level === 'liste' ? { authorities: formList(formText(form, 'authorities')) } : laenderOf(formText(form, 'laender'))),
    },
    overrides: overrideLines.map((line) => {
      const [ars = '', action = '', ...reason] = line.split(';').map((part) => part.trim());
      return { ars, action: ACTION_WORDS[action.toLowerCase()] ?? action, reason: reason.join('; ') };
    }),
  };
  if (chooseMinistry || formText(form, 'leadMinistry') !== '') body.leadMinistry = formText(form, 'leadMinistry').trim();
  return body;
}

/** „12, 13“ → laender, „alle“ → every Land, empty → Brandenburg (the API's default). */
function laenderOf(text: string): { land?: string; laender?: string[] } {
  const keys = text.split(/[\s,;]+/).filter(Boolean);
  if (keys.length === 0) return {};
  if (keys.length === 1 && keys[0]!.toLowerCase() === 'alle') return { land: 'alle' };
  return { laender: keys };
}

/** Where the schema's paths live in this form. */
export const solutionFieldOf: FieldOf = (pointer) => {
  const [first = '', second = ''] = pointer.split('/').slice(1);
  if (first === 'responsibility') {
    if (second === 'authorities') return { field: 'authorities', entry: entryOf(pointer.replace('/responsibility', '')) };
    return second === 'land' || second === 'laender' ? { field: 'laender' } : { field: 'level' };
  }
  if (first === 'overrides') {
    const entry = entryOf(pointer, 'Zeile');
    return { field: 'overrides', entry: pointer.endsWith('/action') ? `${entry}, Art („hinzufügen“ oder „ausnehmen“)` : entry };
  }
  if (first === 'leikaKeys') return { field: 'leikaKeys', entry: entryOf(pointer) };
  return { field: first in SOLUTION_FIELD_LABELS ? first : 'title' };
};

export interface SolutionFieldsView {
  values: FormFields;
  errors: readonly FieldError[];
  /** The admin chooses the lead ministry; a ministry's own is named. */
  chooseMinistry: boolean;
  ownMinistry: string | null;
}

export function solutionFields(view: SolutionFieldsView): Html {
  const form = new FormWriter({ action: '', csrf: '', values: view.values, errors: [...view.errors] });
  const ministry = view.chooseMinistry
    ? form.input('text', 'leadMinistry', 'Federführendes Ministerium', 'Kürzel, z. B. MSGIV oder MIK (2 bis 20 Buchstaben).', html` maxlength="20" required`)
    : html`<p>Federführendes Ministerium: ${ministryLabel(view.ownMinistry ?? '')}</p>`;
  return html`${form.input('text', 'title', 'Titel', 'Eine Zeile, höchstens 300 Zeichen; er steht im Betreff der Mails.', html` maxlength="300" required`)}
${form.input('text', 'ozgId', 'OZG-ID', 'Buchstaben, Ziffern, Punkt, Binde- oder Unterstrich, höchstens 40 Zeichen, z. B. 10326.', html` maxlength="40" required`)}
${form.textarea('leikaKeys', 'LeiKa-Leistungsschlüssel', 'Je Zeile ein 14-stelliger Schlüssel, 1 bis 50 Schlüssel.', 800)}
${ministry}
${form.textarea('description', 'Beschreibung', 'Optional, höchstens 20.000 Zeichen.', 20000)}
${form.choices('radio', 'level', 'Zuständig sind', LEVELS, 'Daraus ergeben sich die teilnehmenden Behörden.')}
${form.input('text', 'laender', 'Länder', 'Nur bei Ämtern/Gemeinden oder Landkreisen: leer für Brandenburg, sonst die zweistelligen Länderschlüssel durch Komma getrennt (z. B. „12, 13“) oder „alle“ für ganz Deutschland.', html` maxlength="100"`)}
${form.textarea('authorities', 'Zuständige Behörden (ARS)', 'Nur bei „Nur die unten genannten Behörden“: je Zeile ein 12-stelliger Amtlicher Regionalschlüssel, bis zu 20.000.', 260000)}
${form.textarea('overrides', 'Abweichungen', 'Optional, je Zeile: ARS; hinzufügen oder ausnehmen; Begründung – z. B. „120640000000; ausnehmen; eigenes Verfahren“. Begründung höchstens 500 Zeichen.', 500000)}`;
}

export function solutionErrorSummary(errors: readonly FieldError[]): Html | '' {
  return errorSummary(labelled(errors, SOLUTION_FIELD_LABELS), (field) => (field === 'level' ? 'gruppe-level' : `f-${field}`));
}

export function renderNewSolutionPage(
  frame: StaffFrame,
  view: SolutionFieldsView & { csrf: string; role: Role; refusal?: string },
): Html {
  const refusal = view.refusal ? html`<div class="zusammenfassung" role="alert" tabindex="-1"><h2>Die Lösung wurde nicht angelegt</h2><p>${view.refusal}</p></div>` : '';
  return renderStaffLayout(
    frame,
    html`${solutionErrorSummary(view.errors)}${refusal}<p><a href="/verwaltung">Zurück zur Übersicht</a></p>
<h1>Neue EfA-Lösung anlegen</h1>
<p>Die Lösung beginnt als Entwurf: Sie können ihre Angaben und Mailtexte ändern, bis Sie die Erstinformation beginnen.</p>
<form method="post" action="${NEW_SOLUTION_PATH}" novalidate><input type="hidden" name="_csrf" value="${view.csrf}">
${solutionFields(view)}
<button type="submit">Lösung anlegen</button></form>`,
  );
}
