import type { FieldError } from '../errors/domain.errors.ts';
import { laenderWords } from '../solutions/responsibility.resolve.ts';
import { html, type Html } from '../markup/html.ts';
import { PARTICIPANT_STAGE_LABELS } from '../responses/stage.words.ts';
import type { SolutionView } from '../solutions/solution.service.ts';
import { germanDateTime } from '../time/berlin.clock.ts';
import { PARTICIPANT_STAGES } from '../../workflows/index.ts';
import { stageWords } from './dashboard.page.ts';
import { errorSummary } from './form.kit.ts';
import { funnelOf, progressOf } from './solution-funnel.ts';
import { EVENT_FIELDS, EVENT_NAMES, eventName, type EventField, type FormValues } from './solution-events.ts';
import { ministryLabel, renderStaffLayout, type StaffFrame } from './staff.layout.ts';
import { solutionTabs } from './solution-tabs.ts';
import { solutionProcessBlock } from './process-diagram.blocks.ts';

/**
 * `/verwaltung/loesungen/:id`: one solution for the people who steer or follow it – what
 * it is, how far its authorities are (table, progress bar, funnel), a button for each
 * event the machine takes now from this person (blocked ones disabled, with the reason),
 * and its timeline. Every action is a plain POST form with its CSRF value.
 */

export const solutionPath = (id: string) => `/verwaltung/loesungen/${id}`;
export const eventPath = (id: string) => `${solutionPath(id)}/ereignis`;

export interface TimelineEntry {
  id: number;
  participantArs: string | null;
  eventType: string;
  event: unknown;
  fromStage: string | null;
  toStage: string | null;
  actor: string;
  at: string;
}

/** The event a form sent that came back: its values, its field errors or the machine's reason. */
export interface EventFailure {
  type: string;
  values: FormValues;
  errors: readonly FieldError[];
  reason: string;
}

export interface SolutionPageView {
  solution: SolutionView;
  /** Newest first. */
  timeline: readonly TimelineEntry[];
  csrf: string;
  /** A fresh key for this page's forms: the same form sent twice applies once. */
  idempotencyKey: string;
  notice?: string;
  failure?: EventFailure;
  /** „Abdeckung nach Kreis“ (coverage.blocks.ts). */
  coverage?: Html;
}

const RESPONSIBILITY_WORDS: Record<string, string> = {
  gemeinde: 'Ämter, amtsfreie Gemeinden, kreisfreie Städte und Verbandsgemeinden',
  kreis: 'Landkreise und kreisfreie Städte',
  liste: 'ausgewählte Behörden',
};

/** „test-MSGIV (MSGIV)“, „System“: who did it, from the history's actor. */
export function actorWords(actor: string): string {
  const [kind = '', ...rest] = actor.split(':');
  if (kind === 'system') return 'System';
  if (kind === 'ministerium' && rest.length >= 2) return `${rest.slice(1).join(':')} (${rest[0]})`;
  if (kind === 'behoerde') return `Behörde ${rest[0] ?? ''} (über ihren Link)`;
  const roles: Record<string, string> = { admin: 'Betrieb', kaz: 'Kaz / ZIT-BB', landesredaktion: 'Landesredaktion' };
  return roles[kind] && rest.length ? `${rest.join(':')} (${roles[kind]})` : actor;
}

const participantStageWords = (stage: string) => PARTICIPANT_STAGE_LABELS[stage as keyof typeof PARTICIPANT_STAGE_LABELS] ?? stage;
const fieldId = (type: string, name: string) => `f-${type}-${name}`;

function fieldControl(type: string, field: EventField, failure: EventFailure | undefined): Html {
  const mine = failure?.type === type ? failure : undefined;
  const raw = mine?.values[field.name];
  const value = (Array.isArray(raw) ? raw[0] : raw) ?? '';
  const error = mine?.errors.find((e) => e.field === field.name);
  const id = fieldId(type, field.name);
  const hintId = `hinweis-${type}-${field.name}`;
  const errorId = `fehler-${type}-${field.name}`;
  const attributes = html` id="${id}" name="${field.name}" aria-describedby="${error ? `${hintId} ${errorId}` : hintId}"${error ? html` aria-invalid="true"` : ''}${field.required ? html` required` : ''}`;
  const control =
    field.control === 'textarea'
      ? html`<textarea${attributes} rows="3" maxlength="20000">${value}</textarea>`
      : field.control === 'select'
        ? html`<select${attributes}><option value="">Keine Angabe</option>${Object.entries(field.options ?? {}).map(
            ([option, text]) => html`<option value="${option}"${value === option ? html` selected` : ''}>${text}</option>`,
          )}</select>`
        : html`<input type="${field.control}"${attributes} value="${value}">`;
  return html`<div class="feld"><label for="${id}">${field.label}</label>
<p class="hinweis" id="${hintId}">${field.hint}</p>${error ? html`<p class="fehler" id="${errorId}"><span class="unsichtbar">Fehler: </span>${error.message}</p>` : ''}
${control}</div>`;
}

function hiddenFields(view: { csrf: string; idempotencyKey: string }, type: string): Html {
  return html`<input type="hidden" name="_csrf" value="${view.csrf}"><input type="hidden" name="ereignis" value="${type}"><input type="hidden" name="schluessel" value="${view.idempotencyKey}">`;
}

function eventForm(view: SolutionPageView, type: string): Html {
  const fields = EVENT_FIELDS[type] ?? [];
  const action = eventPath(view.solution.id);
  if (fields.length === 0) {
    return html`<li><form method="post" action="${action}">${hiddenFields(view, type)}<button type="submit">${eventName(type)}</button></form></li>`;
  }
  return html`<li><form method="post" action="${action}" novalidate>${hiddenFields(view, type)}
<fieldset><legend>${eventName(type)}</legend>
${fields.map((field) => fieldControl(type, field, view.failure))}
<button type="submit">${eventName(type)}</button></fieldset></form></li>`;
}

/** The next step of the rollout first, pausing and cancelling last (the order of EVENT_NAMES). */
function inRolloutOrder(types: readonly string[]): string[] {
  const order = Object.keys(EVENT_NAMES);
  const rank = (type: string) => (order.includes(type) ? order.indexOf(type) : order.length);
  return [...types].sort((a, b) => rank(a) - rank(b));
}

function eventSection(view: SolutionPageView): Html {
  const { allowedEvents, blockedEvents } = view.solution;
  const allowed = allowedEvents.length
    ? html`<ul class="ereignisse">${inRolloutOrder(allowedEvents).map((type) => eventForm(view, type))}</ul>`
    : html`<p>Im Stadium „${stageWords(view.solution.stage)}“ können Sie hier gerade nichts auslösen.</p>`;
  const blocked = blockedEvents.length
    ? html`<h3>Gerade nicht möglich</h3><ul class="ereignisse">${blockedEvents.map(
        (b, index) =>
          html`<li><button type="button" disabled aria-describedby="gesperrt-${String(index)}">${eventName(b.type)}</button><p class="hinweis" id="gesperrt-${String(index)}">${b.reason}</p></li>`,
      )}</ul>`
    : '';
  return html`<section aria-labelledby="aktionen"><h2 id="aktionen">Was Sie jetzt tun können</h2>${allowed}${blocked}</section>`;
}

function progressSection(solution: SolutionView): Html {
  const byStage = solution.participantsByStage;
  const progress = progressOf(byStage);
  const funnel = funnelOf(byStage);
  const left = (['abgelehnt', 'nicht-zustaendig', 'ausgeschlossen'] as const).map((stage) => `${participantStageWords(stage)}: ${byStage[stage] ?? 0}`);
  return html`<section aria-labelledby="fortschritt-titel"><h2 id="fortschritt-titel">Fortschritt</h2>
<p><label for="fortschritt">${String(progress.done)} von ${String(progress.total)} Behörden sind fertig (live oder begründet ausgenommen): ${String(progress.percent)} %</label></p>
<progress id="fortschritt" max="${String(Math.max(progress.total, 1))}" value="${String(progress.done)}">${String(progress.percent)} %</progress>
<h3>Trichter</h3>
<p class="hinweis">Wie viele Behörden jede Stufe mindestens erreicht haben; in Klammern, wie viele gerade auf ihr stehen.</p>
<ol class="trichter">${funnel.map((row) => html`<li>${row.step}: ${String(row.reached)} (gerade ${String(row.now)})</li>`)}</ol>
<p>Noch nicht informiert: ${String(byStage.vorgemerkt ?? 0)}. Ausgestiegen – ${left.join(', ')}.</p>
<table>
<caption>Teilnehmende Behörden je Stadium</caption>
<thead><tr><th scope="col">Stadium</th><th scope="col">Behörden</th></tr></thead>
<tbody>${PARTICIPANT_STAGES.map((stage) => html`<tr><th scope="row">${participantStageWords(stage)}</th><td>${String(byStage[stage] ?? 0)}</td></tr>`)}
<tr><th scope="row">Zusammen</th><td>${String(progress.total)}</td></tr></tbody>
</table></section>`;
}

function timelineSection(timeline: readonly TimelineEntry[]): Html {
  if (timeline.length === 0) return html`<section aria-labelledby="verlauf"><h2 id="verlauf">Verlauf</h2><p>Noch keine Einträge.</p></section>`;
  const entries = timeline.map((entry) => {
    const reason = (entry.event as { reason?: unknown } | null)?.reason;
    const change =
      entry.fromStage && entry.toStage && entry.fromStage !== entry.toStage
        ? entry.participantArs
          ? html`<br>Stadium: ${participantStageWords(entry.fromStage)} → ${participantStageWords(entry.toStage)}`
          : html`<br>Stadium: ${stageWords(entry.fromStage)} → ${stageWords(entry.toStage)}`
        : '';
    return html`<li><strong>${eventName(entry.eventType)}</strong>${entry.participantArs ? html` – Behörde ${entry.participantArs}` : ''}
<br><time datetime="${entry.at}">${germanDateTime(entry.at)}</time>, ${actorWords(entry.actor)}${change}${typeof reason === 'string' ? html`<br>Begründung: ${reason}` : ''}</li>`;
  });
  return html`<section aria-labelledby="verlauf"><h2 id="verlauf">Verlauf</h2>
<p class="hinweis">${timeline.length === 1 ? 'Ein Eintrag.' : `Die neuesten ${timeline.length} Einträge, der neueste zuerst.`}</p>
<ol class="verlauf">${entries}</ol></section>`;
}

export function renderSolutionPage(frame: StaffFrame, view: SolutionPageView): Html {
  const { solution, failure } = view;
  const label = (field: string) => (EVENT_FIELDS[failure?.type ?? ''] ?? []).find((f) => f.name === field)?.label;
  // the summary names the field; the line at the field says only what is wrong
  const errors = failure ? failure.errors.map((e) => ({ field: e.field, message: label(e.field) ? `${label(e.field)}: ${e.message}` : e.message })) : [];
  const summary = errors.length ? errorSummary(errors, (field) => fieldId(failure!.type, field)) : '';
  const refusal =
    failure && errors.length === 0
      ? html`<div class="zusammenfassung" role="alert" tabindex="-1"><h2>„${eventName(failure.type)}“ war nicht möglich</h2><p>${failure.reason}</p></div>`
      : '';
  const notice = view.notice ? html`<div class="kasten" role="status"><p>${view.notice}</p></div>` : '';
  return renderStaffLayout(
    frame,
    html`${summary}${refusal}<p><a href="/verwaltung">Zurück zur Übersicht</a></p>
<h1>${solution.title}</h1>
${frame.session ? solutionTabs(solution.id, 'overview', frame.session.principal.role) : ''}
${notice}
<dl>
<dt>Stadium</dt><dd>${stageWords(solution.stage)}</dd>
<dt>Federführendes Ministerium</dt><dd>${ministryLabel(solution.leadMinistry)}</dd>
<dt>OZG-ID</dt><dd>${solution.ozgId}</dd>
<dt>LeiKa-Leistungsschlüssel</dt><dd>${solution.leikaKeys.join(', ')}</dd>
<dt>Zuständig</dt><dd>${RESPONSIBILITY_WORDS[solution.responsibility.level] ?? solution.responsibility.level}${solution.responsibility.level === 'liste' ? '' : ` (${laenderWords(solution.responsibility)})`}</dd>
<dt>Angelegt</dt><dd>${germanDateTime(solution.createdAt)}</dd>
</dl>
${solution.description ? html`<h2>Beschreibung</h2><p class="text">${solution.description}</p>` : ''}
${eventSection(view)}
${progressSection(solution)}
${view.coverage ?? ''}
${timelineSection(view.timeline)}
${solutionProcessBlock(solution.stage)}`,
  );
}

export interface ConfirmationView {
  solution: Pick<SolutionView, 'id' | 'title'>;
  type: string;
  values: FormValues;
  csrf: string;
  idempotencyKey: string;
  question: string;
  consequence: string;
  button: string;
}

/** The step before an event that writes to many authorities: the question, what follows, the second POST with the same values. */
export function renderEventConfirmation(frame: StaffFrame, view: ConfirmationView): Html {
  const carried = (EVENT_FIELDS[view.type] ?? []).map((field) => {
    const raw = view.values[field.name];
    const value = (Array.isArray(raw) ? raw[0] : raw) ?? '';
    return html`<input type="hidden" name="${field.name}" value="${value}">`;
  });
  return renderStaffLayout(
    frame,
    html`<h1>${view.question}</h1>
<p>Lösung: ${view.solution.title}</p>
<div class="kasten"><p>${view.consequence}</p></div>
<form method="post" action="${eventPath(view.solution.id)}">${hiddenFields(view, view.type)}<input type="hidden" name="bestaetigt" value="ja">${carried}
<button type="submit">${view.button}</button></form>
<p><a href="${solutionPath(view.solution.id)}">Nein, zurück zur Lösung</a></p>`,
  );
}
