import { germanDateTime } from '../time/berlin.clock.ts';
import { html, type Html } from '../markup/html.ts';
import type { FieldError } from '../errors/domain.errors.ts';
import type { KreisDelta, Move, ProgressComparison } from '../snapshots/progress.compare.ts';
import type { SnapshotDetail, SnapshotSummary } from '../snapshots/snapshot.service.ts';
import { quarterWords } from '../snapshots/quarter.ts';
import { errorSummary } from './form.kit.ts';
import { participantPath, participantStageWords } from './participant-list.page.ts';
import { solutionPagePath, solutionTabs } from './solution-tabs.ts';
import { renderStaffLayout, type StaffFrame } from './staff.layout.ts';

/**
 * A solution's quarterly snapshots (`/verwaltung/loesungen/:id/quartale`): the quarters
 * kept, and for the chosen one (`?quartal=2026-Q3`, else the newest) what moved since the
 * quarter before and since its Stichtag until now – per stage, per Kreis (responsible,
 * live), and by name which authorities moved, went live or left, each linked to its page.
 */

export interface SnapshotPageView {
  solution: { id: string; title: string };
  snapshots: SnapshotSummary[];
  detail: SnapshotDetail | null;
  /** When the running quarter's snapshot will be taken. */
  nextStichtag: Date;
  /** Where the chosen quarter was refused (422). */
  errors: FieldError[];
}

export const snapshotsPath = (id: string) => solutionPagePath(id, 'snapshots');
/** The comparison's download (served by snapshot-pages.routes.ts). */
export const snapshotExportPath = (id: string, quarter: string, format: 'csv' | 'json') => `/verwaltung/loesungen/${id}/export/quartal-${quarter}.${format}`;

const signed = (n: number) => (n > 0 ? `+${n}` : n < 0 ? `−${-n}` : '±0');
const stageOrNone = (stage: string | null) => (stage === null ? 'nicht teilnehmend' : participantStageWords(stage));

function changeWords(move: Move, c: ProgressComparison): string {
  if (c.wentLive.includes(move)) return 'live gegangen';
  if (c.left.includes(move)) return 'ausgeschieden';
  return move.from === null ? 'neu teilnehmend' : 'anderes Stadium';
}

function authorityLink(solutionId: string, move: Move): Html {
  return move.to === null ? html`${move.name}` : html`<a href="${participantPath(solutionId, move.ars)}">${move.name}</a>`;
}

function names(solutionId: string, moves: readonly Move[]): Html | string {
  return moves.length ? html`${moves.map((m, i) => html`${i ? ', ' : ''}${authorityLink(solutionId, m)}`)}` : 'keine';
}

function movesTable(solutionId: string, c: ProgressComparison, id: string, caption: string): Html {
  if (c.moved.length === 0) return html`<p>Keine Behörde hat ihr Stadium geändert.</p>`;
  return html`<div class="tabelle" tabindex="0" role="region" aria-label="${caption}"><table><caption>${caption} (${String(c.moved.length)})</caption>
<thead><tr><th scope="col">Behörde</th><th scope="col">von</th><th scope="col">nach</th><th scope="col">Veränderung</th></tr></thead>
<tbody id="${id}-bewegt">${c.moved.map(
    (m) => html`<tr><th scope="row">${authorityLink(solutionId, m)}</th><td>${stageOrNone(m.from)}</td><td>${stageOrNone(m.to)}</td><td>${changeWords(m, c)}</td></tr>`,
  )}</tbody></table></div>`;
}

function stagesTable(c: ProgressComparison, caption: string, labels: [string, string]): Html {
  const rows = c.stages.filter((s) => s.before || s.after);
  if (rows.length === 0) return html`<p>Keine Teilnehmenden.</p>`;
  return html`<div class="tabelle" tabindex="0" role="region" aria-label="${caption}"><table><caption>${caption}</caption>
<thead><tr><th scope="col">Stadium</th><th scope="col">${labels[0]}</th><th scope="col">${labels[1]}</th><th scope="col">Veränderung</th></tr></thead>
<tbody>${rows.map((s) => html`<tr><th scope="row">${participantStageWords(s.stage)}</th><td>${String(s.before)}</td><td>${String(s.after)}</td><td>${signed(s.delta)}</td></tr>`)}</tbody></table></div>`;
}

function kreisRow(k: KreisDelta): Html {
  return html`<tr><th scope="row">${k.kreisName}</th><td>${String(k.responsibleBefore)} → ${String(k.responsibleAfter)}</td><td>${String(k.liveBefore)} → ${String(k.liveAfter)}</td><td>${signed(k.liveAfter - k.liveBefore)}</td></tr>`;
}

function kreiseTable(c: ProgressComparison, caption: string): Html {
  const changed = c.kreise.filter((k) => k.responsibleBefore !== k.responsibleAfter || k.liveBefore !== k.liveAfter);
  const rest = c.kreise.length - changed.length;
  const unchanged = rest ? html`<p>${changed.length ? 'Die übrigen' : 'Alle'} ${String(rest)} Kreise: unverändert.</p>` : '';
  if (changed.length === 0) return html`${unchanged}`;
  return html`<div class="tabelle" tabindex="0" role="region" aria-label="${caption}"><table><caption>${caption} (${String(changed.length)})</caption>
<thead><tr><th scope="col">Kreis</th><th scope="col">zuständig (vorher → nachher)</th><th scope="col">live (vorher → nachher)</th><th scope="col">Veränderung live</th></tr></thead>
<tbody>${changed.map(kreisRow)}</tbody></table></div>${unchanged}`;
}

/** One comparison under its h2: totals, who went live and left, who moved, per stage, per Kreis. */
function comparisonSection(solutionId: string, c: ProgressComparison, id: string, heading: string, labels: [string, string]): Html {
  const t = [c.totalsBefore, c.totalsAfter] as const;
  return html`<section aria-labelledby="${id}-titel"><h2 id="${id}-titel">${heading}</h2>
<p>Zuständig: ${String(t[1].responsible)} (${labels[0]}: ${String(t[0].responsible)}, ${signed(t[1].responsible - t[0].responsible)}) · live: ${String(t[1].live)} (${labels[0]}: ${String(t[0].live)}, ${signed(t[1].live - t[0].live)}) · Teilnehmende: ${String(t[1].participants)}</p>
<ul><li>Live gegangen (${String(c.wentLive.length)}): ${names(solutionId, c.wentLive)}</li><li>Ausgeschieden – abgelehnt oder ausgeschlossen (${String(c.left.length)}): ${names(solutionId, c.left)}</li></ul>
<h3>Bewegungen</h3>${movesTable(solutionId, c, id, `Behörden mit anderem Stadium – ${heading}`)}
<h3>Je Stadium</h3>${stagesTable(c, `Teilnehmende je Stadium – ${heading}`, labels)}
<h3>Je Kreis</h3>${kreiseTable(c, `Kreise mit Veränderung – ${heading}`)}</section>`;
}

function quarterList(view: SnapshotPageView): Html {
  const current = view.detail?.quarter;
  if (view.snapshots.length === 0) {
    return html`<p>Für diese Lösung ist noch kein Quartalsstand festgehalten. Der erste entsteht am ${germanDateTime(view.nextStichtag)}.</p>`;
  }
  return html`<div class="tabelle" tabindex="0" role="region" aria-label="Festgehaltene Quartale"><table><caption>Festgehaltene Quartale, neueste zuerst (${String(view.snapshots.length)})</caption>
<thead><tr><th scope="col">Quartal</th><th scope="col">festgehalten am</th><th scope="col">Teilnehmende</th><th scope="col">zuständig</th><th scope="col">live</th></tr></thead>
<tbody>${view.snapshots.map(
    (s) =>
      html`<tr><th scope="row"><a href="${snapshotsPath(view.solution.id)}?quartal=${s.quarter}"${s.quarter === current ? html` aria-current="page"` : ''}>${quarterWords(s.quarter)}</a></th><td>${germanDateTime(s.takenAt)}${s.takenBy === 'system' ? '' : html` (nachgeholt von ${s.takenBy})`}</td><td>${String(s.totals.participants)}</td><td>${String(s.totals.responsible)}</td><td>${String(s.totals.live)}</td></tr>`,
  )}</tbody></table></div>`;
}

function choice(view: SnapshotPageView): Html | '' {
  if (view.snapshots.length < 2 && view.errors.length === 0) return '';
  const error = view.errors.find((e) => e.field === 'quartal');
  const current = view.detail?.quarter ?? '';
  return html`<form method="get" action="${snapshotsPath(view.solution.id)}"><div class="feld"><label for="f-quartal">Quartal zum Vergleich</label>${error ? html`<p class="fehler" id="fehler-quartal"><span class="unsichtbar">Fehler: </span>${error.message}</p>` : ''}
<select id="f-quartal" name="quartal"${error ? html` aria-invalid="true" aria-describedby="fehler-quartal"` : ''}>${view.snapshots.map(
    (s) => html`<option value="${s.quarter}"${s.quarter === current ? html` selected` : ''}>${quarterWords(s.quarter)}</option>`,
  )}</select></div><button type="submit">Quartal anzeigen</button></form>`;
}

export function renderSnapshotPage(frame: StaffFrame, view: SnapshotPageView): Html {
  const { solution, detail } = view;
  const since = detail ? `Seit dem Stichtag ${quarterWords(detail.quarter)} (${germanDateTime(detail.takenAt)})` : '';
  const previousWords = detail?.previous ? `${quarterWords(detail.quarter)} im Vergleich zum ${quarterWords(detail.previous.quarter)}` : detail ? `${quarterWords(detail.quarter)}: der erste festgehaltene Stand` : '';
  return renderStaffLayout(
    frame,
    html`${errorSummary(view.errors, () => 'f-quartal')}<p><a href="/verwaltung">Zurück zur Übersicht</a></p>
<h1>${solution.title}</h1>
${frame.session ? solutionTabs(solution.id, 'snapshots', frame.session.principal.role) : ''}
<h2>Quartalsstände</h2>
<p>Am Ende jedes Quartals – am 1. Januar, 1. April, 1. Juli und 1. Oktober um 0 Uhr – hält efa-rollout den Stand dieser Lösung fest: das Stadium jeder Behörde und je Kreis, wie viele zuständig und wie viele live sind. Nächster Stichtag: ${germanDateTime(view.nextStichtag)}.</p>
${quarterList(view)}
${choice(view)}
${detail ? comparisonSection(solution.id, detail.comparison, 'quartal', previousWords, detail.previous ? ['vorher', 'im Quartal'] : ['zu Beginn', 'im Quartal']) : ''}
${detail ? comparisonSection(solution.id, detail.sinceThen, 'seither', since, ['am Stichtag', 'jetzt']) : ''}
${
  detail
    ? html`<section aria-labelledby="export-titel"><h2 id="export-titel">Exportieren</h2>
<p>Jede Behörde mit ihrem Stadium vor und im ${quarterWords(detail.quarter)}: <a href="${snapshotExportPath(solution.id, detail.quarter, 'csv')}" download>CSV<span class="unsichtbar"> (Vergleich ${quarterWords(detail.quarter)})</span></a> (für Tabellenkalkulation) · <a href="${snapshotExportPath(solution.id, detail.quarter, 'json')}" download>JSON<span class="unsichtbar"> (Vergleich ${quarterWords(detail.quarter)})</span></a></p></section>`
    : ''
}`,
  );
}
