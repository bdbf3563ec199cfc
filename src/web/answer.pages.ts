import type { LinkPurpose } from '../db/schema.ts';
import { READINESS_REASONS } from '../solutions/event-payload.rules.ts';
import { ANSWER_OPTIONS } from '../links/link-answers.ts';
import { html, joinHtml, type Html } from '../markup/html.ts';
import { BUS_BB_SCHRITT_LABELS, INTERESSE_LABELS, PURPOSE_TITLES, REASON_LABELS, STATUS_LABELS } from '../responses/answer.labels.ts';
import type { LinkContext, RecordedAnswer } from '../responses/response.service.ts';
import { germanDateTime } from '../time/berlin.clock.ts';
import { csrfField, errorSummary, FormWriter, type FormView } from './form.kit.ts';
import { renderLayout } from './layout.ts';
import { aboutBlock, answerList, contactBlock, deadlineLine, standingBlock } from './link-page.blocks.ts';

/**
 * The answer forms behind an authority's link (interest, pilot application, readiness,
 * BUS-BB linking) and the thanks page after an answer.
 */

/** The entries of `labels` the form offers. */
function offered(labels: Record<string, string>, options: readonly string[] | undefined): Record<string, string> {
  return options ? Object.fromEntries(Object.entries(labels).filter(([option]) => options.includes(option))) : labels;
}

/** The element an error summary entry jumps to: the field, or a group's first option. */
function anchorOf(field: string): string {
  if (field === 'wahl') return 'f-wahl-interesse';
  if (field === 'status') return 'f-status-bereit';
  if (field === 'gruende') return `f-gruende-${READINESS_REASONS[0]}`;
  if (field === 'schritte') return 'f-schritte-online-dienst-angelegt';
  return `f-${field}`;
}

const DATE_HINT = 'Format: TT.MM.JJJJ, zum Beispiel 01.09.2026';

function formFields(purpose: LinkPurpose, w: FormWriter, options?: readonly string[]): { intro: string; fields: Html | ''; submit: string } {
  const offers = (option: string) => !options || options.includes(option);
  switch (purpose) {
    case 'interesse':
      return {
        intro: 'Bitte teilen Sie uns mit, ob Ihre Behörde den Online-Dienst nachnutzen möchte.',
        fields: joinHtml(
          [
            w.choices('radio', 'wahl', 'Ihre Antwort', offered(INTERESSE_LABELS, options)),
            w.textarea('freitext', 'Bemerkungen', 'Freiwillig. Wenn Sie nicht zuständig sind: Bitte nennen Sie, wer zuständig ist.'),
          ],
          '\n',
        ),
        submit: 'Antwort senden',
      };
    case 'pilot':
      return {
        intro:
          'Pilotbehörden setzen den Online-Dienst als Erste ein und werden dabei persönlich begleitet. Mit diesem Formular bewirbt sich Ihre Behörde als Pilotbehörde.',
        fields: w.textarea('freitext', 'Bemerkungen', 'Freiwillig, zum Beispiel Ansprechperson oder eingesetztes Fachverfahren.'),
        submit: 'Als Pilotbehörde bewerben',
      };
    case 'bereitschaft':
      return {
        intro: 'Bitte teilen Sie uns mit, ob Ihre Behörde bereit ist, den Online-Dienst einzusetzen, oder was noch fehlt.',
        fields: joinHtml(
          [
            w.choices('radio', 'status', 'Ist Ihre Behörde bereit?', offered(STATUS_LABELS, options)),
            offers('bereit-ab') ? w.input('date', 'ab', 'Bereit ab', `Nur bei „ab einem bestimmten Datum“. ${DATE_HINT}`) : '',
            offers('nicht-bereit')
              ? w.choices('checkbox', 'gruende', 'Was fehlt noch?', REASON_LABELS, 'Nur bei „noch nicht bereit“. Mehrere Antworten möglich.')
              : '',
            w.textarea('freitext', 'Erläuterung', 'Pflicht bei „Sonstiges“, sonst freiwillig.'),
          ],
          '\n',
        ),
        submit: 'Antwort senden',
      };
    case 'bus-bb':
      return {
        intro:
          'Bitte melden Sie, wie weit Ihre Behörde im BUS-BB ist: Online-Dienst angelegt, Zuständigkeit (Organisationseinheit und Gebiet) zugeordnet, im Landesserviceportal sichtbar. ' +
          'Sobald die Zuständigkeit zugeordnet ist, geben Sie bitte auch die Adresse des Online-Dienstes und den Tag der Verknüpfung an.',
        fields: joinHtml(
          [
            w.choices('checkbox', 'schritte', 'Welche Schritte sind erledigt?', BUS_BB_SCHRITT_LABELS, 'Mehrere Antworten möglich. Die Landesredaktion bestätigt die Schritte.'),
            w.input('url', 'onlineDienstUrl', 'Adresse (URL) des Online-Dienstes', 'Beginnt mit https://', html` autocomplete="url" spellcheck="false"`),
            w.input('date', 'verknuepftAm', 'Verknüpft am', DATE_HINT),
          ],
          '\n',
        ),
        submit: 'Verknüpfung melden',
      };
    case 'pilotbetrieb':
    case 'ticket':
      // the pilot's page and the ticket page have forms of their own
      return { intro: '', fields: '', submit: '' };
  }
}

export function renderAnswerForm(ctx: LinkContext, view: FormView): Html {
  const w = new FormWriter(view);
  const { intro, fields, submit } = formFields(ctx.purpose, w, view.options);
  const errors = view.errors ?? [];
  const limited =
    view.options && ctx.purpose !== 'ticket' && view.options.length < ANSWER_OPTIONS[ctx.purpose].length
      ? html`<p>Beim jetzigen Stand Ihrer Behörde (siehe „Ihr Stand“) bietet das Formular nur die Antworten an, die noch möglich sind.</p>`
      : '';
  // a choice's first offered option: the one anchorOf names may not be offered now
  const firstOffered = view.options?.[0];
  const summary = errorSummary(errors, (field) => ((field === 'wahl' || field === 'status') && firstOffered ? `f-${field}-${firstOffered}` : anchorOf(field)));
  const title = PURPOSE_TITLES[ctx.purpose];
  return renderLayout(
    `${errors.length ? 'Fehler: ' : ''}${title}`,
    html`${summary}
<h1>${title}</h1>
${aboutBlock(ctx)}
${standingBlock(ctx)}
<p>${intro}</p>
${deadlineLine(ctx)}
${limited}
<form method="post" action="${view.action}" novalidate>
${csrfField(view.csrf)}
${fields}
<button type="submit">${submit}</button>
</form>
<p class="hinweis">Dieser Link gilt bis ${germanDateTime(ctx.expiresAt)} und nimmt eine Antwort an.</p>
${contactBlock(ctx)}`,
  );
}

export function renderThanksPage(ctx: LinkContext, recorded: RecordedAnswer): Html {
  return renderLayout(
    'Vielen Dank',
    html`<h1>Vielen Dank, Ihre Antwort ist eingegangen</h1>
${aboutBlock(ctx)}
<h2>Ihre Angaben</h2>
${answerList(recorded)}
<p>Zu dieser Anfrage müssen Sie nichts weiter tun; Erinnerungen dazu erhalten Sie nicht mehr.</p>
${standingBlock(ctx)}
${contactBlock(ctx)}`,
  );
}
