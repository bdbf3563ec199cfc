import type { FieldError } from '../errors/domain.errors.ts';
import { html, type Html } from '../markup/html.ts';
import type { listCandidates, listLessonsLearned } from '../pilots/pilot.queries.ts';
import { PARTICIPANT_STAGE_LABELS } from '../responses/stage.words.ts';
import { germanDate, REASON_LABELS } from '../responses/answer.labels.ts';
import { germanDateTime } from '../time/berlin.clock.ts';
import type { Readiness } from '../../workflows/index.ts';
import { decisionForm, PILOT_EVENT_LABELS, type PilotEventFailure } from './pilot-event.forms.ts';
import { fieldParts, fieldSummary, noticeBox, refusalBox } from './rollout-pages.kit.ts';
import { formText as field } from './staff-route.kit.ts';
import { solutionPagePath, solutionTabs } from './solution-tabs.ts';
import { renderStaffLayout, type StaffFrame } from './staff.layout.ts';

/**
 * `/verwaltung/loesungen/:id/piloten`: the pilot candidates (who volunteered or was
 * proposed, since when, their stage and readiness) with the decision on each, the
 * checklist every pilot works through (with the ministry's own items and a form to add
 * one) and the lessons learned.
 */

type Candidate = Awaited<ReturnType<typeof listCandidates>>['items'][number];
type Lesson = Awaited<ReturnType<typeof listLessonsLearned>>['items'][number];

export interface CandidateRow extends Candidate {
  readiness: Readiness | null;
  allowedEvents: readonly string[];
  blockedEvents: readonly { type: string; reason: string }[];
}

export interface PilotCandidatesView {
  solution: { id: string; title: string };
  candidates: readonly CandidateRow[];
  total: number;
  /** null: the person may not read the checklist (the Landesredaktion, as over the API). */
  checklistItems: readonly { key: string; label: string; optional: boolean; eigen: boolean }[] | null;
  lessons: readonly Lesson[];
  csrf: string;
  idempotencyKey: string;
  /** May open one pilot's page (ACCESS.pilots). */
  mayOpenPilot: boolean;
  /** May add a checklist item (ACCESS.steer). */
  mayAddItem: boolean;
  notice?: string;
  eventFailure?: PilotEventFailure;
  itemForm?: { values: Readonly<Record<string, string>>; errors: readonly FieldError[]; reason?: string };
}

export const pilotsPath = (id: string) => solutionPagePath(id, 'pilots');
export const pilotPath = (id: string, ars: string) => `${pilotsPath(id)}/${ars}`;

const SOURCE_WORDS: Readonly<Record<string, string>> = {
  selbst: 'hat sich selbst beworben',
  spitzenverband: 'von einem kommunalen Spitzenverband vorgeschlagen',
  ministerium: 'vom Ministerium vorgeschlagen',
  unbekannt: 'unbekannt',
};
const VERBAND_WORDS: Readonly<Record<string, string>> = { 'staedte-und-gemeindebund': 'Städte- und Gemeindebund', landkreistag: 'Landkreistag' };
const DECISION_WORDS: Readonly<Record<string, string>> = { bestaetigt: 'bestätigt', zurueckgestellt: 'zurückgestellt', abgelehnt: 'abgelehnt' };

export const stageName = (stage: string) => PARTICIPANT_STAGE_LABELS[stage as keyof typeof PARTICIPANT_STAGE_LABELS] ?? stage;

export function readinessWords(readiness: Readiness | null): string {
  if (!readiness) return 'noch keine Antwort';
  if (readiness.status === 'bereit') return 'bereit';
  if (readiness.status === 'bereit-ab') return readiness.ab ? `bereit ab ${germanDate(readiness.ab)}` : 'bereit ab einem späteren Tag';
  const gruende = (readiness.gruende ?? []).map((g) => REASON_LABELS[g as keyof typeof REASON_LABELS] ?? g);
  return `noch nicht bereit${gruende.length ? ` – es fehlt: ${gruende.join(', ')}` : ''}`;
}

function sourceWords(c: Candidate): string {
  const verband = c.spitzenverband ? ` (${VERBAND_WORDS[c.spitzenverband] ?? c.spitzenverband})` : '';
  const by = c.vorgeschlagenVon ? `, ${c.vorgeschlagenVon}` : '';
  return `${SOURCE_WORDS[c.quelle] ?? c.quelle}${verband}${by}`;
}

function candidateCard(view: PilotCandidatesView, c: CandidateRow): Html {
  const name = view.mayOpenPilot ? html`<a href="${pilotPath(view.solution.id, c.ars)}">${c.name}</a>` : c.name;
  const decision = c.entscheidung
    ? html`<dt>Entscheidung</dt><dd>${DECISION_WORDS[c.entscheidung.art] ?? c.entscheidung.art} am ${germanDateTime(c.entscheidung.at)}${c.entscheidung.reason ? html` – ${c.entscheidung.reason}` : ''}</dd>`
    : '';
  const failure = view.eventFailure?.ars === c.ars && view.eventFailure.errors.length === 0 ? view.eventFailure : undefined;
  return html`<li id="kandidat-${c.ars}"><h3>${name}</h3>
${failure ? refusalBox('Das war nicht möglich', failure.reason) : ''}
<dl>
<dt>Regionalschlüssel</dt><dd>${c.ars}</dd>
<dt>Stadium</dt><dd>${stageName(c.stage)}</dd>
<dt>Quelle</dt><dd>${sourceWords(c)}${c.seit ? html`, seit ${germanDateTime(c.seit)}` : ''}</dd>
<dt>Bereitschaft</dt><dd>${readinessWords(c.readiness)}</dd>
${decision}
</dl>
${decisionForm({
  action: `${pilotPath(view.solution.id, c.ars)}/ereignis`,
  csrf: view.csrf,
  idempotencyKey: view.idempotencyKey,
  back: 'liste',
  ars: c.ars,
  authorityName: c.name,
  allowedEvents: c.allowedEvents,
  blockedEvents: c.blockedEvents,
  ...(view.eventFailure ? { failure: view.eventFailure } : {}),
})}</li>`;
}

function checklistSection(view: PilotCandidatesView): Html | '' {
  if (!view.checklistItems) return '';
  const form = view.itemForm;
  const label = fieldParts(form?.errors, 'f-label', 'label', 'hinweis-label');
  const addForm = view.mayAddItem
    ? html`<form method="post" action="${pilotsPath(view.solution.id)}/checkliste" novalidate>
<input type="hidden" name="_csrf" value="${view.csrf}"><input type="hidden" name="schluessel" value="${view.idempotencyKey}">
<fieldset><legend>Eigenen Punkt ergänzen</legend>
${refusalBox('Der Punkt wurde nicht angelegt', form?.reason)}
<div class="feld"><label for="f-label">Bezeichnung des Punkts</label>
<p class="hinweis" id="hinweis-label">Eine Zeile, höchstens 300 Zeichen. Der Punkt gilt für jeden Piloten dieser Lösung.</p>${label.line}
<input type="text" id="f-label" name="label" maxlength="300" value="${form ? field(form.values, 'label') : ''}"${label.attributes}></div>
<div class="option"><input type="checkbox" id="f-optional" name="optional" value="ja"${form && field(form.values, 'optional') === 'ja' ? html` checked` : ''}><label for="f-optional">nur zur Information (optional)</label></div>
<button type="submit">Punkt ergänzen</button></fieldset></form>`
    : '';
  return html`<section aria-labelledby="checkliste"><h2 id="checkliste">Checkliste jedes Piloten</h2>
<ul>${view.checklistItems.map((item) => html`<li>${item.label}${item.optional && !item.label.includes('optional') ? ' (optional)' : ''}${item.eigen ? html` <span class="hinweis">– eigener Punkt</span>` : ''}</li>`)}</ul>
${addForm}</section>`;
}

function lessonsSection(view: PilotCandidatesView): Html {
  const items = view.lessons.map(
    (l) => html`<li><strong>${l.thema ?? `Eintrag ${String(l.nummer)}`}</strong>${l.relevanz ? html` (Bedeutung: ${l.relevanz})` : ''}
${l.pilotName || l.pilotArs ? html`<br>Pilot: ${l.pilotName ?? l.pilotArs ?? ''}` : ''}${l.erfasstAm ? html`<br>erfasst am ${germanDateTime(l.erfasstAm)}` : ''}
<p class="text">${l.text}</p></li>`,
  );
  return html`<section aria-labelledby="lessons"><h2 id="lessons">Lessons learned</h2>
${items.length ? html`<ol class="verlauf">${items}</ol>` : html`<p>Noch keine Einträge.</p>`}
<p class="hinweis">Neue Einträge erfassen Sie auf dem <a href="${solutionPagePath(view.solution.id, 'overview')}">Überblick der Lösung</a> („Lessons learned erfassen“).</p></section>`;
}

const FIELD_LABELS: Readonly<Record<string, string>> = { ...PILOT_EVENT_LABELS, label: 'Bezeichnung des Punkts' };

export function renderPilotCandidates(frame: StaffFrame, view: PilotCandidatesView): Html {
  const eventErrors = view.eventFailure?.errors ?? [];
  const errors = [...eventErrors, ...(view.itemForm?.errors ?? [])];
  const summary = fieldSummary(
    errors,
    (name) => FIELD_LABELS[name] ?? name,
    (name) => (eventErrors.some((e) => e.field === name) ? `f-${view.eventFailure!.ars}-${name}` : `f-${name}`),
  );
  const cards = view.candidates.map((c) => candidateCard(view, c));
  return renderStaffLayout(
    frame,
    html`${summary}<p><a href="/verwaltung">Zurück zur Übersicht</a></p>
<h1>Piloten: ${view.solution.title}</h1>
${frame.session ? solutionTabs(view.solution.id, 'pilots', frame.session.principal.role) : ''}
${noticeBox(view.notice)}
<section aria-labelledby="kandidaten"><h2 id="kandidaten">Pilotkandidaten</h2>
<p>${view.total === 0 ? 'Noch keine Behörde hat sich beworben oder wurde vorgeschlagen.' : `${String(view.total)} ${view.total === 1 ? 'Behörde' : 'Behörden'}${view.total > view.candidates.length ? `, die ersten ${String(view.candidates.length)}` : ''}.`}</p>
${cards.length ? html`<ul class="kandidaten">${cards}</ul>` : ''}</section>
${checklistSection(view)}
${lessonsSection(view)}`,
  );
}
