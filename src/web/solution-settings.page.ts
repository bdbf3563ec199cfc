import type { MailDetails, TemplateKind } from '../db/schema.ts';
import type { FieldError } from '../errors/domain.errors.ts';
import { html, type Html } from '../markup/html.ts';
import type { FormFields } from '../responses/response.service.ts';
import type { SolutionView } from '../solutions/solution.service.ts';
import type { TemplateView } from '../mailings/template.service.ts';
import { germanDateTime } from '../time/berlin.clock.ts';
import { stageWords } from './dashboard.page.ts';
import { errorSummary, FormWriter } from './form.kit.ts';
import { labelled } from './schema-form.ts';
import { solutionErrorSummary, solutionFields } from './solution-form.page.ts';
import { solutionBase, solutionTabs } from './solution-tabs.ts';
import { renderStaffLayout, type StaffFrame } from './staff.layout.ts';
import { actorWords } from './solution.page.ts';

/**
 * `/verwaltung/loesungen/:id/bearbeiten`: the draft's fields (PATCH /solutions/:id – only
 * in the stage Entwurf; afterwards shown with the reason), the details the mails quote
 * (PUT …/mail-details) and the list of mail texts, each opening its editor.
 */

export const settingsPath = (id: string) => `${solutionBase(id)}/bearbeiten`;
export const templatePath = (id: string, kind: string) => `${settingsPath(id)}/vorlagen/${kind}`;

export const TEMPLATE_KIND_WORDS: Readonly<Record<TemplateKind, string>> = {
  erstinformation: 'Erstinformation',
  'erstinformation-multiplikator': 'Erstinformation – Kopie an die Multiplikatoren',
  pilotaufruf: 'Pilotaufruf',
  'pilot-einladung': 'Einladung der Pilotbehörden',
  'rollout-einladung': 'Einladung zum Rollout',
  erinnerung: 'Erinnerung',
  eskalation: 'Eskalation an das Ministerium',
};

export const MAIL_DETAIL_LABELS: Readonly<Record<keyof MailDetails, string>> = {
  kontaktName: 'Ansprechperson',
  kontaktEmail: 'E-Mail-Adresse der Ansprechperson',
  kontaktTelefon: 'Telefon der Ansprechperson',
  kosten: 'Voraussichtliche (Betriebs-)Kosten',
  termine: 'Termine',
  sachstand: 'Sachstand der Umsetzung',
};

/** A part of the page sent back: its values and errors, or the service's refusal. */
export interface FormState {
  values: FormFields;
  errors: readonly FieldError[];
  refusal?: string;
}

export interface SettingsPageView {
  solution: SolutionView;
  mailDetails: MailDetails;
  templates: readonly TemplateView[];
  csrf: string;
  chooseMinistry: boolean;
  ownMinistry: string | null;
  notice?: string;
  draft?: FormState;
  details?: FormState;
}

const refusalBox = (title: string, reason: string | undefined) =>
  reason ? html`<div class="zusammenfassung" role="alert" tabindex="-1"><h2>${title}</h2><p>${reason}</p></div>` : '';

function draftSection(view: SettingsPageView): Html {
  const { solution } = view;
  if (solution.stage !== 'entwurf') {
    return html`<section aria-labelledby="entwurf-titel"><h2 id="entwurf-titel">Angaben der Lösung</h2>
<p>Nur Entwürfe können geändert werden; die Lösung ist im Stadium „${stageWords(solution.stage)}“. Die Angaben stehen auf der <a href="${solutionBase(solution.id)}">Übersicht der Lösung</a>.</p></section>`;
  }
  const state = view.draft;
  return html`<section aria-labelledby="entwurf-titel"><h2 id="entwurf-titel">Angaben der Lösung</h2>
${refusalBox('Der Entwurf wurde nicht geändert', state?.refusal)}
<p class="hinweis">Ändern Sie die Zuständigkeit oder die Abweichungen, werden die teilnehmenden Behörden neu bestimmt.</p>
<form method="post" action="${settingsPath(solution.id)}/entwurf" novalidate><input type="hidden" name="_csrf" value="${view.csrf}">
${solutionFields({ values: state?.values ?? {}, errors: state?.errors ?? [], chooseMinistry: view.chooseMinistry, ownMinistry: view.ownMinistry })}
<button type="submit">Entwurf speichern</button></form></section>`;
}

function detailsSection(view: SettingsPageView): Html {
  const state = view.details;
  const values: FormFields = state?.values ?? { ...view.mailDetails };
  const form = new FormWriter({ action: '', csrf: '', values, errors: [...(state?.errors ?? [])] });
  return html`<section aria-labelledby="angaben-titel"><h2 id="angaben-titel">Angaben für die Mails</h2>
${refusalBox('Die Angaben wurden nicht gespeichert', state?.refusal)}
<p class="hinweis">Die Mails nennen die Ansprechperson, und Antworten der Behörden gehen an ihre Adresse. Name und Adresse sind Pflicht, bevor ein Mailing versandt wird. Leere Felder zeigen in den Mails den Standardtext.</p>
<form method="post" action="${settingsPath(view.solution.id)}/mail-angaben" novalidate><input type="hidden" name="_csrf" value="${view.csrf}">
${form.input('text', 'kontaktName', MAIL_DETAIL_LABELS.kontaktName, 'Name, eine Zeile, höchstens 200 Zeichen, z. B. Referat 32, Frau Beispiel.', html` maxlength="200"`)}
${form.input('text', 'kontaktEmail', MAIL_DETAIL_LABELS.kontaktEmail, 'Genau eine Adresse, z. B. ozg@msgiv.brandenburg.de.', html` maxlength="254" autocomplete="off"`)}
${form.input('text', 'kontaktTelefon', MAIL_DETAIL_LABELS.kontaktTelefon, 'Optional, höchstens 100 Zeichen.', html` maxlength="100"`)}
${form.textarea('kosten', MAIL_DETAIL_LABELS.kosten, 'Optional, höchstens 2.000 Zeichen.', 2000)}
${form.textarea('termine', MAIL_DETAIL_LABELS.termine, 'Optional, höchstens 2.000 Zeichen.', 2000)}
${form.textarea('sachstand', MAIL_DETAIL_LABELS.sachstand, 'Optional, höchstens 2.000 Zeichen.', 2000)}
<button type="submit">Angaben speichern</button></form></section>`;
}

function templatesSection(view: SettingsPageView): Html {
  return html`<section aria-labelledby="texte-titel"><h2 id="texte-titel">Mailtexte</h2>
<table><caption>Die Texte der Mails dieser Lösung</caption>
<thead><tr><th scope="col">Mail</th><th scope="col">Text</th></tr></thead>
<tbody>${view.templates.map(
    (t) =>
      html`<tr><th scope="row"><a href="${templatePath(view.solution.id, t.kind)}">${TEMPLATE_KIND_WORDS[t.kind]}</a></th><td>${
        t.custom && t.updatedAt ? html`eigener Text, zuletzt ${germanDateTime(t.updatedAt)} von ${actorWords(t.updatedBy ?? '')}` : 'Standardtext'
      }</td></tr>`,
  )}</tbody></table></section>`;
}

export function renderSettingsPage(frame: StaffFrame, view: SettingsPageView): Html {
  const summary = [
    view.draft ? solutionErrorSummary(view.draft.errors) : '',
    view.details ? errorSummary(labelled(view.details.errors, MAIL_DETAIL_LABELS)) : '',
  ];
  const notice = view.notice ? html`<div class="kasten" role="status"><p>${view.notice}</p></div>` : '';
  return renderStaffLayout(
    frame,
    html`${summary}<p><a href="/verwaltung">Zurück zur Übersicht</a></p>
<h1>Angaben und Mailtexte: ${view.solution.title}</h1>
${frame.session ? solutionTabs(view.solution.id, 'settings', frame.session.principal.role) : ''}
${notice}
${draftSection(view)}
${detailsSection(view)}
${templatesSection(view)}`,
  );
}
