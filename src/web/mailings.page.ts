import type { FieldError } from '../errors/domain.errors.ts';
import { html, type Html } from '../markup/html.ts';
import type { FormFields } from '../responses/response.service.ts';
import type { RenderedMessage } from '../mailings/template.service.ts';
import type { MailingPlan, SendableKind } from '../mailings/mailing.service.ts';
import { PARTICIPANT_STAGE_LABELS } from '../responses/stage.words.ts';
import { germanDateTime } from '../time/berlin.clock.ts';
import { PARTICIPANT_STAGES } from '../../workflows/index.ts';
import { stageWords } from './dashboard.page.ts';
import { errorSummary, FormWriter } from './form.kit.ts';
import { MAILING_FIELD_LABELS, MAILING_FORM_FIELDS, MAILING_KIND_WORDS, REPEAT_WORDS } from './mailing-form.ts';
import { labelled } from './schema-form.ts';
import { actorWords } from './solution.page.ts';
import { settingsPath } from './solution-settings.page.ts';
import { solutionPagePath, solutionTabs } from './solution-tabs.ts';
import { renderStaffLayout, type StaffFrame } from './staff.layout.ts';
import { MAIL_STATUS_WORDS, mailingPath, type MailingProgressView } from './mailing.page.ts';

/**
 * `/verwaltung/loesungen/:id/mailings`: the solution's mailings with their delivery
 * counts, and – for the roles that steer – the form for a new one. Sending asks first:
 * the next page shows the mail as one authority will get it and how many get it.
 */

export interface MailingsPageView {
  solution: { id: string; title: string; stage: string };
  mailings: readonly MailingProgressView[];
  /** Null: the person reads only (Kaz, Landesredaktion). */
  form: { csrf: string; idempotencyKey: string; kinds: readonly SendableKind[]; values: FormFields; errors: readonly FieldError[]; refusal?: Html | string } | null;
}

const countsWords = (byStatus: Readonly<Record<string, number | undefined>>) =>
  Object.entries(byStatus)
    .filter(([, n]) => n)
    .map(([status, n]) => `${MAIL_STATUS_WORDS[status] ?? status}: ${n}`)
    .join(', ') || 'keine';

function listSection(view: MailingsPageView): Html {
  if (view.mailings.length === 0) return html`<p>Für diese Lösung wurde noch kein Mailing versandt.</p>`;
  return html`<div class="tabelle" tabindex="0" role="region" aria-label="Mailings der Lösung"><table>
<caption>${String(view.mailings.length)} ${view.mailings.length === 1 ? 'Mailing' : 'Mailings'}, das neueste zuerst</caption>
<thead><tr><th scope="col">Art</th><th scope="col">Angelegt</th><th scope="col">Stand</th><th scope="col">Nachrichten je Status</th></tr></thead>
<tbody>${view.mailings.map(
    (m) => html`<tr><th scope="row"><a href="${mailingPath(view.solution.id, m.id)}">${MAILING_KIND_WORDS[m.kind] ?? m.kind}</a></th>
<td>${germanDateTime(m.createdAt)}<br>${actorWords(m.createdBy)}</td>
<td>${m.messages.done ? 'abgeschlossen' : `läuft (${m.messages.open} unterwegs)`}</td>
<td>${countsWords(m.messages.byStatus)}</td></tr>`,
  )}</tbody></table></div>`;
}

function formSection(view: MailingsPageView): Html | '' {
  const form = view.form;
  if (!form) return '';
  if (form.kinds.length === 0) {
    return html`<h2>Neues Mailing</h2><p>Im Stadium „${stageWords(view.solution.stage)}“ kann kein Mailing versandt werden.</p>`;
  }
  const w = new FormWriter({ action: '', csrf: '', values: form.values, errors: [...form.errors] });
  const refusal = form.refusal ? html`<div class="zusammenfassung" role="alert" tabindex="-1"><h2>Das Mailing kann so nicht versandt werden</h2><p>${form.refusal}</p></div>` : '';
  return html`<section aria-labelledby="neu-titel"><h2 id="neu-titel">Neues Mailing</h2>
${refusal}
<p>Im nächsten Schritt sehen Sie die Mail, wie eine Behörde sie erhält, und wie viele Behörden sie erhalten; erst dann wird versandt.</p>
<form method="post" action="${solutionPagePath(view.solution.id, 'mailings')}" novalidate>
<input type="hidden" name="_csrf" value="${form.csrf}"><input type="hidden" name="schluessel" value="${form.idempotencyKey}">
${w.select('art', 'Art des Mailings', `Möglich im Stadium „${stageWords(view.solution.stage)}“.`, Object.fromEntries(form.kinds.map((kind) => [kind, MAILING_KIND_WORDS[kind] ?? kind])))}
${w.input('date', 'frist', 'Antwortfrist', 'Optional, ab heute (JJJJ-MM-TT). Erinnerungen zählen von ihr.')}
${w.input('text', 'erinnerungen', 'Zahl der Erinnerungen', 'Optional, 0 bis 5; nur mit Antwortfrist. Nicht bei der Einladung der Pilotbehörden.', html` inputmode="numeric" maxlength="1"`)}
${w.input('text', 'abstand', 'Abstand der Erinnerungen in Tagen', 'Optional, 1 bis 60; ohne Angabe 7.', html` inputmode="numeric" maxlength="2"`)}
${w.choices('checkbox', 'stadien', 'Nur Behörden in diesen Stadien', Object.fromEntries(PARTICIPANT_STAGES.map((s) => [s, PARTICIPANT_STAGE_LABELS[s]])), 'Optional; ohne Auswahl alle, die beantworten können, worum die Mail bittet.')}
${w.input('text', 'kreis', 'Nur in diesem Landkreis (ARS)', 'Optional: der 12-stellige Regionalschlüssel des Landkreises.', html` inputmode="numeric" maxlength="12"`)}
${w.textarea('behoerden', 'Nur diese Behörden (ARS)', 'Optional: je Zeile ein 12-stelliger Regionalschlüssel, bis zu 20.000.', 260000)}
${w.choices('radio', 'wiederholung', 'An wen', REPEAT_WORDS, 'Ging ein Mailing dieser Art schon an Behörden, sagen Sie, an wen es noch einmal gehen soll.')}
<button type="submit">Vorschau und Empfänger ansehen</button></form></section>`;
}

const anchorOf = (field: string) => (field === 'stadien' || field === 'wiederholung' ? `gruppe-${field}` : `f-${field}`);

export function renderMailingsPage(frame: StaffFrame, view: MailingsPageView): Html {
  return renderStaffLayout(
    frame,
    html`${view.form ? errorSummary(labelled(view.form.errors, MAILING_FIELD_LABELS), anchorOf) : ''}<p><a href="/verwaltung">Zurück zur Übersicht</a></p>
<h1>Mailings: ${view.solution.title}</h1>
${frame.session ? solutionTabs(view.solution.id, 'mailings', frame.session.principal.role) : ''}
${listSection(view)}
${formSection(view)}`,
  );
}

export interface MailingConfirmationView {
  solution: { id: string; title: string };
  kind: string;
  plan: MailingPlan;
  preview: { recipient: string; mail: RenderedMessage } | null;
  values: FormFields;
  csrf: string;
  idempotencyKey: string;
}

const behoerden = (n: number) => (n === 1 ? '1 Behörde' : `${n} Behörden`);

/** The step before sending: the mail as one authority gets it, and how many get it. */
export function renderMailingConfirmation(frame: StaffFrame, view: MailingConfirmationView): Html {
  const { plan } = view;
  const carried = MAILING_FORM_FIELDS.flatMap((name) => {
    const raw = view.values[name];
    return (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map((value) => html`<input type="hidden" name="${name}" value="${value}">`);
  });
  const multipliers = plan.multipliers ? ` und als Kopie an ${plan.multipliers === 1 ? '1 Multiplikator' : `${plan.multipliers} Multiplikatoren`}` : '';
  const preview = view.preview
    ? html`<section aria-labelledby="vorschau-titel"><h2 id="vorschau-titel">Vorschau</h2>
<p>So erhält ${view.preview.recipient} die Mail (Textteil; der HTML-Teil zeigt denselben Inhalt):</p>
<dl><dt>Betreff</dt><dd>${view.preview.mail.subject}</dd>
${view.preview.mail.replyTo ? html`<dt>Antworten an</dt><dd>${view.preview.mail.replyTo.name} &lt;${view.preview.mail.replyTo.address}&gt;</dd>` : ''}</dl>
<pre class="text">${view.preview.mail.text}</pre></section>`
    : '';
  return renderStaffLayout(
    frame,
    html`<p><a href="${solutionPagePath(view.solution.id, 'mailings')}">Zurück zu den Mailings</a></p>
<h1>Wirklich die ${MAILING_KIND_WORDS[view.kind] ?? view.kind} versenden?</h1>
<p>Lösung: ${view.solution.title}</p>
<div class="kasten"><p>Das Mailing geht an ${behoerden(plan.authorities)}${multipliers}.${plan.withoutAddress.length ? ` ${behoerden(plan.withoutAddress.length)} ohne E-Mail-Adresse ${plan.withoutAddress.length === 1 ? 'erhält' : 'erhalten'} nichts: ${plan.withoutAddress.join(', ')}.` : ''}</p></div>
${preview}
<p>Der Text lässt sich unter <a href="${settingsPath(view.solution.id)}">Angaben und Mailtexte</a> ändern.</p>
<form method="post" action="${solutionPagePath(view.solution.id, 'mailings')}"><input type="hidden" name="_csrf" value="${view.csrf}"><input type="hidden" name="schluessel" value="${view.idempotencyKey}"><input type="hidden" name="bestaetigt" value="ja">${carried}
<button type="submit">Ja, an ${behoerden(plan.authorities)} senden</button></form>
<p><a href="${solutionPagePath(view.solution.id, 'mailings')}">Nein, zurück zu den Mailings</a></p>`,
  );
}
