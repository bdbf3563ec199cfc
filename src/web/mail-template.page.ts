import type { TemplateKind } from '../db/schema.ts';
import type { FieldError } from '../errors/domain.errors.ts';
import { html, type Html } from '../markup/html.ts';
import type { FormFields } from '../responses/response.service.ts';
import type { RenderedMessage } from '../mailings/template.service.ts';
import type { Placeholder } from '../mailings/template.render.ts';
import { errorSummary, FormWriter } from './form.kit.ts';
import { labelled } from './schema-form.ts';
import { settingsPath, TEMPLATE_KIND_WORDS, templatePath } from './solution-settings.page.ts';
import { solutionTabs } from './solution-tabs.ts';
import { renderStaffLayout, type StaffFrame } from './staff.layout.ts';

/**
 * `/verwaltung/loesungen/:id/bearbeiten/vorlagen/:kind`: one mail text (GET/PUT/DELETE
 * /solutions/:id/templates/:kind) in three text fields with the placeholders it may use
 * explained, „Vorschau“ (the text as one authority would get it, not saved), „Speichern“
 * and „Auf Standard zurücksetzen“.
 */

export const TEMPLATE_FIELD_LABELS: Readonly<Record<string, string>> = { subject: 'Betreff', textBody: 'Textteil', htmlBody: 'HTML-Teil' };

const PLACEHOLDER_WORDS: Readonly<Record<Placeholder, string>> = {
  'behoerde.name': 'Name der angeschriebenen Behörde',
  'behoerde.ars': 'ihr Amtlicher Regionalschlüssel',
  'loesung.titel': 'Titel der Lösung',
  'loesung.ozgId': 'OZG-ID der Lösung',
  'loesung.leikaSchluessel': 'ihre LeiKa-Leistungsschlüssel',
  ministerium: 'das federführende Ministerium',
  'kontakt.name': 'Ansprechperson (Angaben für die Mails)',
  'kontakt.email': 'ihre E-Mail-Adresse',
  'kontakt.telefon': 'ihre Telefonnummer',
  kosten: 'Kosten (Angaben für die Mails)',
  termine: 'Termine (Angaben für die Mails)',
  sachstand: 'Sachstand (Angaben für die Mails)',
  frist: 'Antwortfrist des Mailings',
  'link.interesse': 'Link: Interesse bekunden oder ablehnen',
  'link.pilot': 'Link: als Pilot bewerben',
  'link.bereitschaft': 'Link: Bereitschaft melden',
  'link.busbb': 'Link: BUS-BB-Verknüpfung melden',
  'link.pilotbetrieb': 'Link: Seite der Pilotbehörde',
  'link.liste': 'alle Links der Mail als Liste',
  'erinnerung.nummer': 'Nummer der Erinnerung',
  'offene.anzahl': 'Zahl der Behörden ohne Antwort',
  'offene.liste': 'Liste der Behörden ohne Antwort',
  zustaendigkeit: 'Zuständigkeit der Lösung in Worten',
  'empfaenger.anzahl': 'Zahl der angeschriebenen Behörden',
};

export interface TemplatePageView {
  solution: { id: string; title: string };
  kind: TemplateKind;
  values: FormFields;
  custom: boolean;
  placeholders: readonly Placeholder[];
  csrf: string;
  errors: readonly FieldError[];
  notice?: string;
  /** The preview's authority in words, and the mail; null: the solution has no participant to show it for. */
  preview: { recipient: string; mail: RenderedMessage; unsaved: boolean } | null;
}

export function renderTemplatePage(frame: StaffFrame, view: TemplatePageView): Html {
  const { solution, kind } = view;
  const form = new FormWriter({ action: '', csrf: '', values: view.values, errors: [...view.errors] });
  const notice = view.notice ? html`<div class="kasten" role="status"><p>${view.notice}</p></div>` : '';
  const preview = view.preview
    ? html`<section aria-labelledby="vorschau-titel"><h2 id="vorschau-titel">Vorschau${view.preview.unsaved ? ' (noch nicht gespeichert)' : ''}</h2>
<p>So erhält ${view.preview.recipient} die Mail (Textteil; der HTML-Teil zeigt denselben Inhalt):</p>
<dl><dt>Betreff</dt><dd>${view.preview.mail.subject}</dd>
${view.preview.mail.replyTo ? html`<dt>Antworten an</dt><dd>${view.preview.mail.replyTo.name} &lt;${view.preview.mail.replyTo.address}&gt;</dd>` : ''}</dl>
<pre class="text">${view.preview.mail.text}</pre></section>`
    : html`<p>Eine Vorschau gibt es, sobald die Lösung teilnehmende Behörden hat.</p>`;
  return renderStaffLayout(
    frame,
    html`${errorSummary(labelled(view.errors, TEMPLATE_FIELD_LABELS))}<p><a href="${settingsPath(solution.id)}">Zurück zu Angaben und Mailtexten</a></p>
<h1>Mailtext „${TEMPLATE_KIND_WORDS[kind]}“: ${solution.title}</h1>
${frame.session ? solutionTabs(solution.id, 'settings', frame.session.principal.role) : ''}
${notice}
<p>${view.custom ? 'Diese Lösung hat einen eigenen Text.' : 'Diese Lösung verwendet den Standardtext.'}</p>
<form method="post" action="${templatePath(solution.id, kind)}" novalidate><input type="hidden" name="_csrf" value="${view.csrf}">
${form.input('text', 'subject', 'Betreff', 'Eine Zeile, höchstens 300 Zeichen; Platzhalter wie im Text.', html` maxlength="300"`)}
${form.textarea('textBody', 'Textteil', 'Der Text der Mail, höchstens 50.000 Zeichen.', 50000)}
${form.textarea('htmlBody', 'HTML-Teil', 'Der Inhalt des HTML-Teils ohne <html> und <body>, höchstens 100.000 Zeichen.', 100000)}
<button type="submit" name="aktion" value="vorschau">Vorschau</button>
<button type="submit" name="aktion" value="speichern">Speichern</button></form>
${view.custom ? html`<form method="post" action="${templatePath(solution.id, kind)}/zuruecksetzen"><input type="hidden" name="_csrf" value="${view.csrf}"><button type="submit">Auf Standard zurücksetzen</button></form>` : ''}
<section aria-labelledby="platzhalter-titel"><h2 id="platzhalter-titel">Platzhalter</h2>
<p>Schreiben Sie einen Platzhalter in doppelten geschweiften Klammern, z. B. {{behoerde.name}}; beim Versand steht dort der Wert für die jeweilige Behörde. In diesem Text sind erlaubt:</p>
<dl>${view.placeholders.map((name) => html`<dt><code>{{${name}}}</code></dt><dd>${PLACEHOLDER_WORDS[name]}</dd>`)}</dl></section>
${preview}`,
  );
}
