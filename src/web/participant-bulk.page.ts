import { html, type Html } from '../markup/html.ts';
import type { BulkEventResult } from '../solutions/bulk-events.service.ts';
import { bulkPath, participantPath, participantsPath, participantStageWords } from './participant-list.page.ts';
import { participantAction } from './participant-events.ts';
import { eventName } from './solution-events.ts';
import { solutionTabs } from './solution-tabs.ts';
import { renderStaffLayout, type StaffFrame } from './staff.layout.ts';

/**
 * The two pages of a bulk action on the participant table: the question before it
 * (how many authorities, which event; the second POST carries `bestaetigt=ja` and the
 * same key) and its result – which authorities moved and which refused, with the reason.
 */

export interface BulkConfirmationView {
  solution: { id: string; title: string };
  type: string;
  reason: string;
  authorities: readonly { ars: string; name: string }[];
  csrf: string;
  idempotencyKey: string;
}

const behoerden = (n: number) => (n === 1 ? '1 Behörde' : `${n} Behörden`);

export function renderBulkConfirmation(frame: StaffFrame, view: BulkConfirmationView): Html {
  const n = view.authorities.length;
  return renderStaffLayout(
    frame,
    html`<h1>„${participantAction(view.type)}“ wirklich für ${behoerden(n)}?</h1>
<p>Lösung: ${view.solution.title}</p>
<div class="kasten"><p>„${participantAction(view.type)}“ wird für jede der ${behoerden(n)} einzeln angewandt; wo das Stadium es nicht zulässt, wird es mit Grund abgelehnt. Was angewandt ist, bleibt angewandt.</p>
${view.reason ? html`<p>Begründung: ${view.reason}</p>` : ''}</div>
<h2>Ausgewählte Behörden</h2>
<ul>${view.authorities.map((a) => html`<li>${a.name} (${a.ars})</li>`)}</ul>
<form method="post" action="${bulkPath(view.solution.id)}"><input type="hidden" name="_csrf" value="${view.csrf}"><input type="hidden" name="schluessel" value="${view.idempotencyKey}">
<input type="hidden" name="ereignis" value="${view.type}"><input type="hidden" name="reason" value="${view.reason}"><input type="hidden" name="bestaetigt" value="ja">
${view.authorities.map((a) => html`<input type="hidden" name="ars" value="${a.ars}">`)}
<button type="submit">Ja, für ${behoerden(n)} ausführen</button></form>
<p><a href="${participantsPath(view.solution.id)}">Nein, zurück zur Tabelle</a></p>`,
  );
}

export interface BulkResultView {
  solution: { id: string; title: string };
  result: BulkEventResult;
  names: ReadonlyMap<string, string>;
}

export function renderBulkResult(frame: StaffFrame, view: BulkResultView): Html {
  const { result } = view;
  const applied = result.results.filter((r) => r.outcome === 'applied' || r.outcome === 'already-applied');
  const refused = result.results.filter((r) => r.outcome !== 'applied' && r.outcome !== 'already-applied');
  const name = (ars: string) => view.names.get(ars) ?? ars;
  return renderStaffLayout(
    frame,
    html`<p><a href="${participantsPath(view.solution.id)}">Zurück zur Tabelle</a></p>
<h1>Ergebnis: „${eventName(result.eventType)}“</h1>
${frame.session ? solutionTabs(view.solution.id, 'participants', frame.session.principal.role) : ''}
<div class="kasten" role="status"><p>Angewandt bei ${behoerden(applied.length)}, abgelehnt bei ${behoerden(refused.length)} (von ${behoerden(result.selected)}).</p></div>
<h2>Angewandt</h2>
${applied.length
  ? html`<ul>${applied.map((r) => html`<li><a href="${participantPath(view.solution.id, r.ars)}">${name(r.ars)}</a> (${r.ars})${r.stage ? html` – jetzt: ${participantStageWords(r.stage)}` : ''}${r.outcome === 'already-applied' ? ' (war schon angewandt)' : ''}</li>`)}</ul>`
  : html`<p>Bei keiner Behörde.</p>`}
<h2>Abgelehnt</h2>
${refused.length
  ? html`<ul>${refused.map((r) => html`<li><a href="${participantPath(view.solution.id, r.ars)}">${name(r.ars)}</a> (${r.ars}): ${r.reason ?? 'abgelehnt'}</li>`)}</ul>`
  : html`<p>Bei keiner Behörde.</p>`}`,
  );
}
