import type { FieldError } from '../errors/domain.errors.ts';
import { html, type Html } from '../markup/html.ts';
import { PARTICIPANT_STAGE_LABELS } from '../responses/stage.words.ts';
import { germanDateTime } from '../time/berlin.clock.ts';
import { PARTICIPANT_STAGES, READINESS_GRUENDE } from '../../workflows/index.ts';
import { COVERAGE_GROUP_WORDS, COVERAGE_GROUPS } from '../solutions/coverage-groups.ts';
import { errorSummary } from './form.kit.ts';
import { participantAction } from './participant-events.ts';
import { READINESS_REASON_WORDS } from '../responses/stage.words.ts';
import { exportBlock } from './export.blocks.ts';
import { PAGE_SIZE, searchOf, type ListQuery } from './participant-list.query.ts';
import { solutionPagePath, solutionTabs } from './solution-tabs.ts';
import { renderStaffLayout, type StaffFrame } from './staff.layout.ts';

/**
 * `/verwaltung/loesungen/:id/teilnehmende`: the solution's participants as a table –
 * filters in a GET form, sortable columns, 50 rows a page – with a checkbox per row for
 * a bulk action (one participant event to the ticked authorities, asked for first).
 */

export interface ParticipantRow {
  ars: string;
  name: string;
  kreisArs: string | null;
  stage: string;
  context: unknown;
  updatedAt: string;
  waves: { id: string; name: string }[];
  openBlockingTickets: number;
}

export interface ParticipantListView {
  solution: { id: string; title: string };
  query: ListQuery;
  total: number;
  items: readonly ParticipantRow[];
  kreise: readonly { ars: string; name: string }[];
  waves: readonly { id: string; name: string }[];
  /** Events the person may send to many at once; empty: no bulk form. */
  bulkEvents: readonly string[];
  csrf: string;
  idempotencyKey: string;
  /** Wrong filters (422) or a bulk form sent back. */
  errors?: readonly FieldError[];
  refusal?: string;
  values?: { ereignis?: string; reason?: string };
}

export const participantsPath = (id: string) => solutionPagePath(id, 'participants');
export const participantPath = (id: string, ars: string) => `${participantsPath(id)}/${ars}`;
export const bulkPath = (id: string) => `${participantsPath(id)}/sammelaktion`;

export const participantStageWords = (stage: string) => PARTICIPANT_STAGE_LABELS[stage as keyof typeof PARTICIPANT_STAGE_LABELS] ?? stage;

/** „nicht bereit: Personal, ePayment“ – the readiness the authority reported last, or a dash. */
export function readinessWords(context: unknown): string {
  const readiness = (context as { readiness?: { status?: string; ab?: string; gruende?: string[] } | null } | null)?.readiness;
  if (!readiness?.status) return '–';
  if (readiness.status === 'bereit') return 'bereit';
  if (readiness.status === 'bereit-ab') return `bereit ab ${readiness.ab ?? '?'}`;
  return `nicht bereit: ${(readiness.gruende ?? []).map((g) => READINESS_REASON_WORDS[g] ?? g).join(', ')}`;
}

const selected = (on: boolean) => (on ? html` selected` : '');

function select(name: string, label: string, current: string, options: readonly (readonly [string, string])[], errors: readonly FieldError[]): Html {
  const error = errors.find((e) => e.field === name);
  return html`<div class="feld"><label for="f-${name}">${label}</label>${error ? html`<p class="fehler" id="fehler-${name}"><span class="unsichtbar">Fehler: </span>${error.message}</p>` : ''}
<select id="f-${name}" name="${name}"${error ? html` aria-invalid="true" aria-describedby="fehler-${name}"` : ''}><option value="">alle</option>${options.map(
    ([value, text]) => html`<option value="${value}"${selected(value === current)}>${text}</option>`,
  )}</select></div>`;
}

function filterForm(view: ParticipantListView): Html {
  const { query } = view;
  const errors = view.errors ?? [];
  const searchError = errors.find((e) => e.field === 'suche');
  return html`<form method="get" action="${participantsPath(view.solution.id)}" aria-labelledby="filter-titel">
<h2 id="filter-titel">Filtern</h2><div class="filter">
${select('stadium', 'Stadium', query.stadium, PARTICIPANT_STAGES.map((s) => [s, participantStageWords(s)] as const), errors)}
${select('kreis', 'Kreis', query.kreis, view.kreise.map((k) => [k.ars, k.name] as const), errors)}
${select('welle', 'Welle', query.welle, view.waves.map((w) => [w.id, w.name] as const), errors)}
${select('grund', 'Grund „nicht bereit“', query.grund, READINESS_GRUENDE.map((g) => [g, READINESS_REASON_WORDS[g] ?? g] as const), errors)}
${select('blockiert', 'Blockierendes Ticket', query.blockiert, [['ja', 'mit offenem blockierendem Ticket'], ['nein', 'ohne']], errors)}
${select('abdeckung', 'Abdeckung', query.abdeckung, COVERAGE_GROUPS.map((g) => [g, COVERAGE_GROUP_WORDS[g]] as const), errors)}
${select('frist', 'Antwortfrist', query.frist, [['ueberschritten', 'überschritten, ohne Antwort']], errors)}
<div class="feld"><label for="f-suche">Name oder ARS enthält</label>${searchError ? html`<p class="fehler" id="fehler-suche"><span class="unsichtbar">Fehler: </span>${searchError.message}</p>` : ''}
<input type="text" id="f-suche" name="suche" maxlength="200" value="${query.suche}"${searchError ? html` aria-invalid="true" aria-describedby="fehler-suche"` : ''}></div>
</div>
<input type="hidden" name="sortierung" value="${query.sortierung}"><input type="hidden" name="richtung" value="${query.richtung}">
<p><button type="submit">Filter anwenden</button> <a href="${participantsPath(view.solution.id)}">Filter zurücksetzen</a></p></form>`;
}

/** A column header that sorts: the link turns the order round when it is the current column. */
function sortHeader(view: ParticipantListView, key: string, label: string): Html {
  const { query } = view;
  const current = query.sortierung === key;
  const next = current && query.richtung === 'auf' ? 'ab' : 'auf';
  const sort = current ? html` aria-sort="${query.richtung === 'auf' ? 'ascending' : 'descending'}"` : '';
  const href = `${participantsPath(view.solution.id)}${searchOf(query, { sortierung: key, richtung: next, seite: 1 })}`;
  return html`<th scope="col"${sort}><a href="${href}">${label}<span class="unsichtbar"> (${next === 'auf' ? 'aufsteigend' : 'absteigend'} sortieren)</span></a></th>`;
}

function row(view: ParticipantListView, item: ParticipantRow, bulk: boolean, kreisNames: ReadonlyMap<string, string>): Html {
  const box = bulk
    ? html`<td><input type="checkbox" id="w-${item.ars}" name="ars" value="${item.ars}"><label for="w-${item.ars}" class="unsichtbar">${item.name} auswählen</label></td>`
    : '';
  const blocker = item.openBlockingTickets === 0 ? 'nein' : item.openBlockingTickets === 1 ? 'ja, 1 Ticket' : `ja, ${item.openBlockingTickets} Tickets`;
  return html`<tr>${box}<td><a href="${participantPath(view.solution.id, item.ars)}">${item.name}</a></td><td>${item.ars}</td><td>${item.kreisArs ? (kreisNames.get(item.kreisArs) ?? item.kreisArs) : '–'}</td>
<td>${participantStageWords(item.stage)}</td><td>${item.waves.map((w) => w.name).join(', ') || '–'}</td><td>${readinessWords(item.context)}</td><td>${blocker}</td>
<td><time datetime="${item.updatedAt}">${germanDateTime(item.updatedAt)}</time></td></tr>`;
}

function pager(view: ParticipantListView, pages: number): Html | '' {
  if (pages <= 1) return '';
  const { query } = view;
  const link = (seite: number, label: string) =>
    seite === query.seite
      ? html`<li><a href="${participantsPath(view.solution.id)}${searchOf(query, { seite })}" aria-current="page">${label}</a></li>`
      : html`<li><a href="${participantsPath(view.solution.id)}${searchOf(query, { seite })}">${label}</a></li>`;
  const near = [1, query.seite - 2, query.seite - 1, query.seite, query.seite + 1, query.seite + 2, pages].filter((n, i, all) => n >= 1 && n <= pages && all.indexOf(n) === i).sort((a, b) => a - b);
  return html`<nav class="seiten" aria-label="Seiten der Tabelle"><ul>
${query.seite > 1 ? link(query.seite - 1, 'Vorige Seite') : ''}${near.map((n) => link(n, `Seite ${n}`))}${query.seite < pages ? link(query.seite + 1, 'Nächste Seite') : ''}
</ul></nav>`;
}

function bulkControls(view: ParticipantListView): Html {
  const errors = view.errors ?? [];
  const reasonError = errors.find((e) => e.field === 'reason');
  const eventError = errors.find((e) => e.field === 'ereignis');
  return html`<fieldset><legend>Sammelaktion für die ausgewählten Behörden</legend>
<p class="hinweis" id="hinweis-sammel">Wählen Sie in der Tabelle Behörden aus. Vor dem Senden fragt die nächste Seite nach.</p>
<div class="feld"><label for="f-ereignis">Ereignis</label>${eventError ? html`<p class="fehler" id="fehler-ereignis">${eventError.message}</p>` : ''}
<select id="f-ereignis" name="ereignis" aria-describedby="hinweis-sammel"${eventError ? html` aria-invalid="true"` : ''}><option value="">Bitte wählen</option>${view.bulkEvents.map(
    (type) => html`<option value="${type}"${selected(view.values?.ereignis === type)}>${participantAction(type)}</option>`,
  )}</select></div>
<div class="feld"><label for="f-reason">Begründung</label><p class="hinweis" id="hinweis-reason">Nur für Ereignisse mit Begründung (zurückstellen, ablehnen, ausnehmen, nicht zuständig).</p>${reasonError ? html`<p class="fehler" id="fehler-reason">${reasonError.message}</p>` : ''}
<textarea id="f-reason" name="reason" rows="2" maxlength="2000" aria-describedby="hinweis-reason"${reasonError ? html` aria-invalid="true"` : ''}>${view.values?.reason ?? ''}</textarea></div>
<button type="submit">Für Ausgewählte senden …</button></fieldset>`;
}

const CONTROLS = ['stadium', 'kreis', 'welle', 'grund', 'blockiert', 'abdeckung', 'frist', 'suche', 'ereignis', 'reason'];
/** The summary's link: the control itself, the table for the ticks, else the filter form. */
const anchorOf = (field: string) => (CONTROLS.includes(field) ? `f-${field}` : field === 'ars' ? 'tabelle-titel' : 'filter-titel');

export function renderParticipantList(frame: StaffFrame, view: ParticipantListView): Html {
  const pages = Math.max(1, Math.ceil(view.total / PAGE_SIZE));
  const kreisNames = new Map(view.kreise.map((k) => [k.ars, k.name]));
  const bulk = view.bulkEvents.length > 0 && view.items.length > 0;
  const errors = (view.errors ?? []).map((e) => ({ field: e.field, message: e.message }));
  const refusal = view.refusal ? html`<div class="zusammenfassung" role="alert" tabindex="-1"><h2>Die Sammelaktion war nicht möglich</h2><p>${view.refusal}</p></div>` : '';
  const table = view.items.length
    ? html`<div class="tabelle" tabindex="0" role="region" aria-labelledby="tabelle-titel"><table>
<caption id="tabelle-titel">Teilnehmende Behörden, Seite ${view.query.seite} von ${pages}</caption>
<thead><tr>${bulk ? html`<th scope="col">Auswahl</th>` : ''}${sortHeader(view, 'name', 'Name')}${sortHeader(view, 'ars', 'ARS')}<th scope="col">Kreis</th>${sortHeader(view, 'stadium', 'Stadium')}
<th scope="col">Welle</th><th scope="col">Bereitschaft</th><th scope="col">Blockiert</th>${sortHeader(view, 'aenderung', 'Letzte Änderung')}</tr></thead>
<tbody>${view.items.map((item) => row(view, item, bulk, kreisNames))}</tbody></table></div>`
    : html`<p>Keine Behörde passt zu diesem Filter.</p>`;
  const body = html`${errors.length ? errorSummary(errors, anchorOf) : ''}${refusal}<p><a href="${solutionPagePath(view.solution.id, 'overview')}">Zurück zur Lösung</a></p>
<h1>Behörden: ${view.solution.title}</h1>
${frame.session ? solutionTabs(view.solution.id, 'participants', frame.session.principal.role) : ''}
${filterForm(view)}
<h2 id="ergebnis">${view.total === 1 ? '1 Behörde' : `${view.total} Behörden`}</h2>
<p>Seite ${view.query.seite} von ${pages}, je Seite höchstens ${PAGE_SIZE}.</p>
${bulk
  ? html`<form method="post" action="${bulkPath(view.solution.id)}" novalidate><input type="hidden" name="_csrf" value="${view.csrf}"><input type="hidden" name="schluessel" value="${view.idempotencyKey}">
${table}${bulkControls(view)}</form>`
  : table}
${pager(view, pages)}
${exportBlock(view.solution.id, [
  { kind: 'participants', label: 'Behörden mit dem aktuellen Filter', search: searchOf(view.query, { seite: 1 }) },
  { kind: 'waves', label: 'Wellen mit ihren Mitgliedern' },
])}`;
  return renderStaffLayout(frame, body);
}
