import type { getReconciliation } from '../busbb/reconciliation.service.ts';
import { html, type Html } from '../markup/html.ts';
import { PARTICIPANT_STAGE_LABELS } from '../responses/stage.words.ts';
import { germanDateTime } from '../time/berlin.clock.ts';
import { actorWords } from './solution.page.ts';
import { solutionTabs } from './solution-tabs.ts';
import { busBbPath } from './busbb.page.ts';
import { renderStaffLayout, type StaffFrame } from './staff.layout.ts';

/**
 * One reconciliation (`…/bus-bb/abgleiche/:reconciliationId`): the four result
 * categories as the API's reconciliation view has them, each a table; the invalid records
 * of the export; what changed since the one before; and – for those who may – applying
 * it, after a confirmation that names how many authorities change.
 */

export type ReconciliationDetail = Awaited<ReturnType<typeof getReconciliation>>;

export const CATEGORY_WORDS: Record<string, { title: string; hint: string }> = {
  bestaetigt: { title: 'Bestätigt', hint: 'Gemeldet und im Export gefunden' },
  'gemeldet-nicht-gefunden': { title: 'Gemeldet, nicht gefunden', hint: 'Die Behörde hat die Verknüpfung gemeldet, der Export zeigt sie nicht' },
  'gefunden-nicht-gemeldet': { title: 'Gefunden, nicht gemeldet', hint: 'Im Export verknüpft, von der Behörde nicht gemeldet – Anwenden übernimmt sie' },
  fehlt: { title: 'Fehlt', hint: 'Weder gemeldet noch im Export' },
};
const CATEGORIES = Object.keys(CATEGORY_WORDS);
/** The stages from which applying moves an authority to „BUS-BB verknüpft“ (the participant machine takes BUS_BB_ABGLEICH_UEBERNEHMEN only there). */
export const APPLICABLE_STAGES = ['eingeladen', 'onboarding'] as const;
const SHOWN_ISSUES = 50;
const stageWords = (stage: string) => PARTICIPANT_STAGE_LABELS[stage as keyof typeof PARTICIPANT_STAGE_LABELS] ?? stage;
export const reconciliationPath = (id: string, rid: string) => `${busBbPath(id)}/abgleiche/${rid}`;

function foundWords(details: Record<string, unknown>): string {
  const dienste = Array.isArray(details['onlinedienste']) ? (details['onlinedienste'] as { bezeichnung?: unknown; id?: unknown }[]) : [];
  const names = dienste.map((d) => String(d.bezeichnung ?? d.id ?? '')).filter(Boolean);
  const members = details['mitgliedsgemeinden'] as { gesamt?: number; abgedeckt?: number } | undefined;
  const parts = [names.length ? `Online-Dienst: ${names.join(', ')}` : '', members ? `Mitgliedsgemeinden: ${members.abgedeckt ?? 0} von ${members.gesamt ?? 0}` : ''];
  return parts.filter(Boolean).join('; ') || '–';
}

function categoryTable(view: ReconciliationDetail, category: string): Html {
  const rows = view.participants.filter((p) => p.category === category);
  const words = CATEGORY_WORDS[category]!;
  return html`<section aria-labelledby="kat-${category}"><h2 id="kat-${category}">${words.title} (${String(rows.length)})</h2><p class="hinweis">${words.hint}.</p>
${rows.length
    ? html`<div class="tabelle" tabindex="0" role="region" aria-label="${words.title}"><table><caption>${words.title}: ${String(rows.length)} ${rows.length === 1 ? 'Behörde' : 'Behörden'}</caption>
<thead><tr><th scope="col">Behörde</th><th scope="col">ARS</th><th scope="col">Stadium beim Abgleich</th><th scope="col">Im Export</th><th scope="col">Vorher</th></tr></thead>
<tbody>${rows.map((p) => html`<tr><th scope="row">${p.name}</th><td>${p.ars}</td><td>${stageWords(p.stage)}</td><td>${foundWords(p.details)}</td><td>${p.previousCategory ? CATEGORY_WORDS[p.previousCategory]?.title ?? p.previousCategory : '–'}</td></tr>`)}</tbody></table></div>`
    : html`<p>Keine.</p>`}</section>`;
}

function applySection(view: ReconciliationDetail, csrf: string, mayReconcile: boolean): Html | '' {
  if (view.appliedAt) {
    const result = view.applyResult;
    return html`<section aria-labelledby="angewandt"><h2 id="angewandt">Angewandt</h2><p>Am ${germanDateTime(view.appliedAt)} von ${actorWords(view.appliedBy ?? '')}.</p>
${result ? html`<p>Übernommen: ${String(result.moved.length)}, nicht übernommen: ${String(result.notMoved.length)}.</p>${result.notMoved.length ? html`<ul>${result.notMoved.map((n) => html`<li>${n.ars}: ${n.reason}</li>`)}</ul>` : ''}` : ''}</section>`;
  }
  if (!mayReconcile) return '';
  return html`<section aria-labelledby="anwenden"><h2 id="anwenden">Abgleich anwenden</h2>
<p>Behörden in „Gefunden, nicht gemeldet“ werden nach „${stageWords('bus-bb-verknuepft')}“ übernommen, soweit ihr Stadium das zulässt.</p>
<form method="post" action="${reconciliationPath(view.solutionId, view.id)}/anwenden"><input type="hidden" name="_csrf" value="${csrf}"><button type="submit">Abgleich anwenden …</button></form></section>`;
}

export function renderReconciliationPage(frame: StaffFrame, view: ReconciliationDetail, page: { csrf: string; mayReconcile: boolean; title: string; notice?: string; refusal?: string }): Html {
  const s = view.summary;
  const issues = view.issues as { pointer: string; reason: string }[];
  const changes = view.changes as { ars: string; from: string | null; to: string }[];
  return renderStaffLayout(
    frame,
    html`${page.refusal ? html`<div class="zusammenfassung" role="alert" tabindex="-1"><h2>Das war nicht möglich</h2><p>${page.refusal}</p></div>` : ''}
<p><a href="${busBbPath(view.solutionId)}">Zurück zu BUS-BB und Abgleich</a></p>
<h1>Abgleich vom ${germanDateTime(view.createdAt)}: ${page.title}</h1>
${frame.session ? solutionTabs(view.solutionId, 'busBb', frame.session.principal.role) : ''}
${page.notice ? html`<div class="kasten" role="status"><p>${page.notice}</p></div>` : ''}
<dl><dt>Quelle</dt><dd>${view.sourceName}${s.exportiertAm ? `, exportiert am ${s.exportiertAm}` : ''}</dd>
<dt>Eingelesen von</dt><dd>${actorWords(view.createdBy)}</dd>
<dt>Datensätze (gültig von allen)</dt><dd>Leistungen ${String(s.records.leistungen.valid)} von ${String(s.records.leistungen.total)}, Zuständigkeiten ${String(s.records.zustaendigkeiten.valid)} von ${String(s.records.zustaendigkeiten.total)}, Onlinedienste ${String(s.records.onlinedienste.valid)} von ${String(s.records.onlinedienste.total)}</dd>
<dt>Teilnehmende abgeglichen</dt><dd>${String(s.participants)}</dd></dl>
${CATEGORIES.map((category) => categoryTable(view, category))}
${applySection(view, page.csrf, page.mayReconcile)}
<section aria-labelledby="aenderungen"><h2 id="aenderungen">Seit dem vorigen Abgleich geändert (${String(changes.length)})</h2>${changes.length ? html`<ul>${changes.map((c) => html`<li>${c.ars}: ${c.from ? CATEGORY_WORDS[c.from]?.title ?? c.from : 'neu'} → ${CATEGORY_WORDS[c.to]?.title ?? c.to}</li>`)}</ul>` : html`<p>${view.previousId ? 'Nichts.' : 'Es ist der erste Abgleich der Lösung.'}</p>`}</section>
<section aria-labelledby="ungueltig"><h2 id="ungueltig">Ungültige Datensätze im Export (${String(s.invalid)})</h2>${issues.length ? html`<ul>${issues.slice(0, SHOWN_ISSUES).map((i) => html`<li><code>${i.pointer}</code>: ${i.reason}</li>`)}</ul>${issues.length > SHOWN_ISSUES ? html`<p>und ${String(issues.length - SHOWN_ISSUES)} weitere</p>` : ''}` : html`<p>Keine.</p>`}</section>`,
  );
}

/** The step before applying: how many authorities change, and the second POST. */
export function renderApplyConfirmation(frame: StaffFrame, view: ReconciliationDetail, page: { title: string; moving: number; csrf: string }): Html {
  const found = view.participants.filter((p) => p.category === 'gefunden-nicht-gemeldet');
  const { title, moving, csrf } = page;
  return renderStaffLayout(
    frame,
    html`<h1>Abgleich anwenden?</h1><p>Lösung: ${title}</p>
<div class="kasten"><p>${moving === 1 ? '1 Behörde wechselt' : `${String(moving)} Behörden wechseln`} nach „${stageWords('bus-bb-verknuepft')}“. ${found.length > moving ? `${String(found.length - moving)} weitere gefundene bleiben in ihrem Stadium, das die Übernahme nicht zulässt.` : ''} Das lässt sich nicht rückgängig machen.</p></div>
<form method="post" action="${reconciliationPath(view.solutionId, view.id)}/anwenden"><input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="bestaetigt" value="ja"><button type="submit">Ja, ${String(moving)} ${moving === 1 ? 'Behörde' : 'Behörden'} übernehmen</button></form>
<p><a href="${reconciliationPath(view.solutionId, view.id)}">Nein, zurück zum Abgleich</a></p>`,
  );
}
