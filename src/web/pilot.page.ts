import type { FieldError } from '../errors/domain.errors.ts';
import { html, joinHtml, type Html } from '../markup/html.ts';
import { CHECKLIST_STATUS_LABELS, CHECKLIST_STATUSES } from '../pilots/checklist.defaults.ts';
import type { ChecklistEntry } from '../pilots/go-live.gate.ts';
import { PURPOSE_TITLES } from '../responses/answer.labels.ts';
import type { LinkContext } from '../responses/response.service.ts';
import { germanDateTime } from '../time/berlin.clock.ts';
import { csrfField } from './form.kit.ts';
import { renderLayout } from './layout.ts';
import { aboutBlock, contactBlock, standingBlock } from './link-page.blocks.ts';

/**
 * The confirmed pilot's own page behind its `pilotbetrieb` link: its checklist to tick
 * and the go-live report. Same layout, styles and rules as the answer pages (labels,
 * fieldsets, error summary, no JavaScript); unlike them it takes answers again and again
 * until the go-live.
 */

export interface PilotPageView {
  action: string;
  csrf: string;
  items: ChecklistEntry[];
  /** Field values of a form sent back with errors. */
  values?: Record<string, string | string[] | undefined>;
  errors?: FieldError[];
  /** Which form the errors belong to. */
  form?: 'checkliste' | 'live';
  /** A notice after saving. */
  saved?: number;
  /** The go-live was refused for these open items. */
  openItems?: { key: string; label: string }[];
  /** The go-live was refused for another reason (an open blocking ticket of the Kaz): the engine's words. */
  refusedReason?: string;
}

function value(view: PilotPageView, name: string): string {
  const raw = view.values?.[name];
  return (Array.isArray(raw) ? raw[0] : raw) ?? '';
}

function errorOf(view: PilotPageView, name: string): FieldError | undefined {
  return view.errors?.find((error) => error.field === name);
}

function errorLine(view: PilotPageView, name: string): Html | '' {
  const error = errorOf(view, name);
  return error ? html`<p class="fehler" id="fehler-${name}"><span class="unsichtbar">Fehler: </span>${error.message}</p>` : '';
}

function described(view: PilotPageView, name: string, hint?: string): Html {
  const error = errorOf(view, name);
  const ids = [hint, error ? `fehler-${name}` : undefined].filter(Boolean).join(' ');
  return html`${ids ? html` aria-describedby="${ids}"` : ''}${error ? html` aria-invalid="true"` : ''}`;
}

function checklistItem(view: PilotPageView, item: ChecklistEntry): Html {
  const statusName = `status-${item.key}`;
  const reasonName = `grund-${item.key}`;
  const chosen = view.values && view.form === 'checkliste' ? value(view, statusName) || item.status : item.status;
  const reason = view.values && view.form === 'checkliste' ? value(view, reasonName) : (item.reason ?? '');
  const options = CHECKLIST_STATUSES.map((status) => {
    const id = `f-${statusName}-${status}`;
    const checked = chosen === status ? html` checked` : '';
    return html`<div class="option"><input type="radio" id="${id}" name="${statusName}" value="${status}"${checked}${described(view, statusName)}><label for="${id}">${CHECKLIST_STATUS_LABELS[status]}</label></div>`;
  });
  const hintId = `hinweis-${reasonName}`;
  const changed = item.updatedAt ? html`<p class="hinweis">Zuletzt geändert am ${germanDateTime(item.updatedAt)}</p>` : '';
  return html`<fieldset id="gruppe-${statusName}"><legend>${item.label}</legend>
${changed}${errorLine(view, statusName)}
${joinHtml(options, '\n')}
<div class="feld"><label for="f-${reasonName}">Begründung</label>
<p class="hinweis" id="${hintId}">Pflicht, wenn der Punkt entfällt.</p>${errorLine(view, reasonName)}
<input type="text" id="f-${reasonName}" name="${reasonName}" maxlength="1000" value="${reason}"${described(view, reasonName, hintId)}></div>
</fieldset>`;
}

function anchorOf(field: string): string {
  return field.startsWith('status-') ? `f-${field}-offen` : `f-${field}`;
}

export function renderPilotPage(ctx: LinkContext, view: PilotPageView): Html {
  const errors = view.errors ?? [];
  const summary = errors.length
    ? html`<div class="zusammenfassung" role="alert" aria-labelledby="fehler-titel" tabindex="-1">
<h2 id="fehler-titel">Bitte prüfen Sie Ihre Angaben</h2>
<ul>${errors.map((e) => html`<li><a href="#${anchorOf(e.field)}">${e.message}</a></li>`)}</ul>
</div>`
    : '';
  const refused = view.openItems?.length
    ? html`<div class="zusammenfassung" role="alert" aria-labelledby="offen-titel" tabindex="-1">
<h2 id="offen-titel">Der Go-live ist noch nicht möglich</h2>
<p>Es wurde nichts gespeichert. Vor dem Go-live muss jeder Punkt der Checkliste erledigt sein oder begründet entfallen. Offen sind noch:</p>
<ul>${view.openItems.map((item) => html`<li><a href="#f-status-${item.key}-offen">${item.label}</a></li>`)}</ul>
</div>`
    : view.refusedReason
      ? html`<div class="zusammenfassung" role="alert" aria-labelledby="offen-titel" tabindex="-1">
<h2 id="offen-titel">Der Go-live ist noch nicht möglich</h2>
<p>Es wurde nichts gespeichert. ${view.refusedReason}</p>
</div>`
      : '';
  const saved =
    view.saved !== undefined
      ? html`<div class="kasten" role="status"><p>${view.saved === 0 ? 'Es gab nichts zu ändern.' : `Gespeichert: ${view.saved} ${view.saved === 1 ? 'Punkt' : 'Punkte'} der Checkliste.`}</p></div>`
      : '';
  const open = view.items.filter((item) => item.status !== 'erledigt' && item.status !== 'entfaellt').length;
  const title = PURPOSE_TITLES.pilotbetrieb;
  const liveUrl = view.form === 'live' ? value(view, 'onlineDienstUrl') : '';
  const liveDate = view.form === 'live' ? value(view, 'verknuepftAm') : '';
  return renderLayout(
    `${errors.length || view.openItems?.length || view.refusedReason ? 'Fehler: ' : ''}${title}`,
    html`${summary}${refused}${saved}
<h1>${title}</h1>
${aboutBlock(ctx)}
${standingBlock(ctx)}
<p>Ihre Behörde ist Pilotbehörde. Bitte halten Sie hier fest, wie weit die Einführung ist, und melden Sie den Go-live, sobald Ihr Online-Dienst verknüpft ist. Sie können diese Seite bis zum Go-live beliebig oft nutzen.</p>
<h2>Checkliste</h2>
<p>${open === 0 ? 'Alle Punkte sind erledigt oder entfallen.' : `Noch offen: ${open} von ${view.items.length} Punkten.`}</p>
<form method="post" action="${view.action}" novalidate>
${csrfField(view.csrf)}
<input type="hidden" name="aktion" value="checkliste">
${joinHtml(view.items.map((item) => checklistItem(view, item)), '\n')}
<button type="submit">Checkliste speichern</button>
</form>
<h2>Go-live melden</h2>
<p>Melden Sie hier, dass Ihr Online-Dienst im BUS-BB angelegt und mit Ihrer Organisationseinheit verknüpft ist. Das ist erst möglich, wenn jeder Punkt der Checkliste erledigt ist oder begründet entfällt.</p>
<form method="post" action="${view.action}" novalidate>
${csrfField(view.csrf)}
<input type="hidden" name="aktion" value="live">
<div class="feld"><label for="f-onlineDienstUrl">Adresse (URL) des Online-Dienstes</label>
<p class="hinweis" id="hinweis-onlineDienstUrl">Beginnt mit https://</p>${errorLine(view, 'onlineDienstUrl')}
<input type="url" id="f-onlineDienstUrl" name="onlineDienstUrl" value="${liveUrl}" autocomplete="url" spellcheck="false"${described(view, 'onlineDienstUrl', 'hinweis-onlineDienstUrl')}></div>
<div class="feld"><label for="f-verknuepftAm">Verknüpft am</label>
<p class="hinweis" id="hinweis-verknuepftAm">Format: TT.MM.JJJJ, zum Beispiel 01.09.2026</p>${errorLine(view, 'verknuepftAm')}
<input type="date" id="f-verknuepftAm" name="verknuepftAm" value="${liveDate}"${described(view, 'verknuepftAm', 'hinweis-verknuepftAm')}></div>
<button type="submit">Go-live melden</button>
</form>
<p class="hinweis">Dieser Link gilt bis ${germanDateTime(ctx.expiresAt)} und bis zum Go-live.</p>
${contactBlock(ctx)}`,
  );
}

const NOT_YET: Record<string, string> = {
  'pilot-kandidat': 'Ihre Behörde ist als Pilotbehörde vorgesehen, aber noch nicht bestätigt. Sobald das Ministerium sie bestätigt hat, können Sie hier Ihre Checkliste führen.',
};

/** The link of a pilot that is not (or no longer) a confirmed pilot. */
export function renderNotAPilotPage(ctx: LinkContext, stage: string | null): Html {
  const text =
    (stage && NOT_YET[stage]) ??
    'Ihre Behörde ist derzeit keine bestätigte Pilotbehörde dieser Lösung, oder die Nachnutzung ruht gerade. Es wurde nichts gespeichert.';
  return renderLayout(
    'Keine bestätigte Pilotbehörde',
    html`<h1>Diese Seite ist für Ihre Behörde gerade nicht verfügbar</h1>
${aboutBlock(ctx)}
<p>${text}</p>
${standingBlock(ctx)}
${contactBlock(ctx)}`,
  );
}
