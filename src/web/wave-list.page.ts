import type { FieldError } from '../errors/domain.errors.ts';
import { html, type Html } from '../markup/html.ts';
import { germanDate } from '../responses/answer.labels.ts';
import type { getWaveProgress } from '../waves/wave-progress.queries.ts';
import type { listUnplannedParticipants, listWaves } from '../waves/wave.service.ts';
import { INVITABLE_STAGES, READINESS_FILTER } from '../waves/wave.service.ts';
import { stageName } from './pilot-candidates.page.ts';
import { fieldList, fieldParts, fieldSummary, noticeBox, refusalBox, type Form } from './rollout-pages.kit.ts';
import { formText as field } from './staff-route.kit.ts';
import { solutionPagePath, solutionTabs } from './solution-tabs.ts';
import { renderStaffLayout, type StaffFrame } from './staff.layout.ts';

/**
 * `/verwaltung/loesungen/:id/wellen`: the solution's waves with how far each is, and – for
 * those who steer – a wave planned from a filter (Kreis, stage, readiness) or from the
 * authorities ticked in the list of those in no wave yet ("ungeplant").
 */

export type WaveSummary = Awaited<ReturnType<typeof listWaves>>['items'][number];
export type WaveProgress = Awaited<ReturnType<typeof getWaveProgress>>;
export type UnplannedPage = Awaited<ReturnType<typeof listUnplannedParticipants>>;

export interface WaveListView {
  solution: { id: string; title: string };
  waves: readonly { wave: WaveSummary; progress: WaveProgress }[];
  unplanned: UnplannedPage;
  offset: number;
  limit: number;
  mayPlan: boolean;
  csrf: string;
  idempotencyKey: string;
  notice?: string;
  failure?: { values: Form; errors: readonly FieldError[]; reason: string };
}

export const wavesPath = (id: string) => solutionPagePath(id, 'waves');
export const wavePath = (id: string, waveId: string) => `${wavesPath(id)}/${waveId}`;

export const WAVE_STATE_WORDS: Readonly<Record<string, string>> = { planned: 'geplant', started: 'gestartet' };
export const READINESS_WORDS: Readonly<Record<string, string>> = { bereit: 'bereit', 'bereit-ab': 'bereit ab einem Tag', 'nicht-bereit': 'nicht bereit', keine: 'noch keine Antwort' };
export const PLAN_LABELS: Readonly<Record<string, string>> = {
  name: 'Name der Welle',
  targetDate: 'Zieltermin',
  fristTage: 'Antwortfrist in Tagen',
  kreisArs: 'Landkreis (Regionalschlüssel)',
  stages: 'Stadien',
  readiness: 'Bereitschaft',
  behoerden: 'Behörden',
  filter: 'Filter',
};

export function readinessLine(p: WaveProgress): string {
  const r = p.readiness;
  return `bereit: ${r.bereit}, bereit ab: ${r.bereitAb}, nicht bereit: ${r.nichtBereit}, keine Antwort: ${r.keineAntwort}`;
}

function progressRow(id: string, { wave, progress }: WaveListView['waves'][number]): Html {
  const live = (progress.byStage.live ?? 0) + (progress.byStage['pilot-live'] ?? 0);
  return html`<tr><th scope="row"><a href="${wavePath(id, wave.id)}">${wave.name}</a></th><td>${wave.targetDate ? germanDate(wave.targetDate) : '–'}</td><td>${WAVE_STATE_WORDS[wave.state] ?? wave.state}</td><td>${String(wave.memberCount)}</td><td>${String(live)}</td><td>${readinessLine(progress)}</td><td>${String(progress.overdue.count)}</td></tr>`;
}

/** A text or date input with its label, hint and error line. */
export function planInput(failure: WaveListView['failure'], name: string, type: 'text' | 'date', hint: string, maxLength: number, fallback = ''): Html {
  const parts = fieldParts(failure?.errors, `f-${name}`, name, `hinweis-${name}`);
  return html`<div class="feld"><label for="f-${name}">${PLAN_LABELS[name]}</label>
<p class="hinweis" id="hinweis-${name}">${hint}</p>${parts.line}
<input type="${type}" id="f-${name}" name="${name}" value="${failure ? field(failure.values, name) : fallback}"${type === 'text' ? html` maxlength="${String(maxLength)}"` : ''}${parts.attributes}></div>`;
}

function checks(failure: WaveListView['failure'], name: string, words: (value: string) => string, values: readonly string[]): Html {
  const chosen = failure ? fieldList(failure.values, name) : [];
  const parts = fieldParts(failure?.errors, `f-${name}`, name);
  return html`<fieldset id="f-${name}"><legend>${PLAN_LABELS[name]}</legend>${parts.line}${values.map(
    (value) =>
      html`<div class="option"><input type="checkbox" id="f-${name}-${value}" name="${name}" value="${value}"${chosen.includes(value) ? html` checked` : ''}><label for="f-${name}-${value}">${words(value)}</label></div>`,
  )}</fieldset>`;
}

/** The "ungeplant" list with a checkbox per authority, labelled with its name; paged. */
export function unplannedTable(view: { unplanned: UnplannedPage; offset: number; limit: number; failure?: WaveListView['failure'] | undefined }, pageHref: (offset: number) => string): Html {
  const { unplanned, offset, limit } = view;
  if (unplanned.total === 0) return html`<p>Jede Behörde, die noch einen Weg vor sich hat, ist schon in einer Welle.</p>`;
  const chosen = view.failure ? fieldList(view.failure.values, 'behoerden') : [];
  const parts = fieldParts(view.failure?.errors, 'f-behoerden', 'behoerden');
  const paging =
    unplanned.total > limit
      ? html`<p>Behörden ${String(offset + 1)} bis ${String(Math.min(offset + limit, unplanned.total))} von ${String(unplanned.total)}.
${offset > 0 ? html`<a href="${pageHref(Math.max(0, offset - limit))}">Vorherige Seite</a>` : ''} ${offset + limit < unplanned.total ? html`<a href="${pageHref(offset + limit)}">Nächste Seite</a>` : ''}</p>`
      : '';
  return html`${parts.line}<div class="tabelle" id="f-behoerden" tabindex="0" role="region" aria-label="Ungeplante Behörden"><table>
<caption>Ungeplant: ${String(unplanned.total)} ${unplanned.total === 1 ? 'Behörde' : 'Behörden'} in keiner Welle</caption>
<thead><tr><th scope="col">Behörde (ankreuzen)</th><th scope="col">Regionalschlüssel</th><th scope="col">Stadium</th></tr></thead>
<tbody>${unplanned.items.map(
    (a) =>
      html`<tr><td><div class="option"><input type="checkbox" id="b-${a.ars}" name="behoerden" value="${a.ars}"${chosen.includes(a.ars) ? html` checked` : ''}><label for="b-${a.ars}">${a.name}</label></div></td><td>${a.ars}</td><td>${stageName(a.stage)}</td></tr>`,
  )}</tbody></table></div>${paging}`;
}

function planForm(view: WaveListView): Html {
  const { failure } = view;
  return html`<section aria-labelledby="planen"><h2 id="planen">Neue Welle planen</h2>
<form method="post" action="${wavesPath(view.solution.id)}" novalidate>
<input type="hidden" name="_csrf" value="${view.csrf}"><input type="hidden" name="schluessel" value="${view.idempotencyKey}">
${failure && failure.errors.length === 0 ? refusalBox('Die Welle wurde nicht geplant', failure.reason) : ''}
${planInput(failure, 'name', 'text', 'Eindeutig je Lösung; steht in den Einladungen, z. B. Welle 1 – Landkreise Süd.', 200)}
${planInput(failure, 'targetDate', 'date', 'Optional (JJJJ-MM-TT).', 10)}
${planInput(failure, 'fristTage', 'text', 'Optional: ganze Zahl von 1 bis 365; ohne Angabe gilt die übliche Frist.', 3)}
<p>Mitglieder: entweder Behörden in der Liste ankreuzen oder einen Filter angeben – nicht beides. Ohne beides entsteht die Welle leer.</p>
<fieldset id="f-filter"><legend>Aus einem Filter</legend>
<p class="hinweis">Alle ungeplanten Behörden, auf die alles Angegebene zutrifft.</p>
${planInput(failure, 'kreisArs', 'text', 'Optional: 12 Ziffern, z. B. 120600000000 (Barnim).', 12)}
${checks(failure, 'stages', stageName, INVITABLE_STAGES)}
${checks(failure, 'readiness', (value) => READINESS_WORDS[value] ?? value, READINESS_FILTER)}
</fieldset>
<h3>Aus der Liste „ungeplant“</h3>
${unplannedTable(view, (offset) => `${wavesPath(view.solution.id)}?ab=${String(offset)}`)}
<button type="submit">Welle planen</button></form></section>`;
}

export function renderWaveList(frame: StaffFrame, view: WaveListView): Html {
  const summary = fieldSummary(view.failure?.errors ?? [], (name) => PLAN_LABELS[name] ?? name, (name) => `f-${name}`);
  const table = view.waves.length
    ? html`<div class="tabelle" tabindex="0" role="region" aria-label="Wellen"><table>
<caption>Wellen dieser Lösung und ihr Stand</caption>
<thead><tr><th scope="col">Welle</th><th scope="col">Zieltermin</th><th scope="col">Zustand</th><th scope="col">Mitglieder</th><th scope="col">live</th><th scope="col">Bereitschaft</th><th scope="col">Frist verstrichen</th></tr></thead>
<tbody>${view.waves.map((w) => progressRow(view.solution.id, w))}</tbody></table></div>`
    : html`<p>Noch keine Welle geplant.</p>`;
  return renderStaffLayout(
    frame,
    html`${summary}<p><a href="/verwaltung">Zurück zur Übersicht</a></p>
<h1>Wellen: ${view.solution.title}</h1>
${frame.session ? solutionTabs(view.solution.id, 'waves', frame.session.principal.role) : ''}
${noticeBox(view.notice)}
<section aria-labelledby="wellen"><h2 id="wellen">Wellen</h2>${table}</section>
${view.mayPlan ? planForm(view) : html`<section aria-labelledby="ungeplant"><h2 id="ungeplant">Ungeplant</h2>${unplannedTableReadOnly(view)}</section>`}`,
  );
}

function unplannedTableReadOnly(view: WaveListView): Html {
  if (view.unplanned.total === 0) return html`<p>Jede Behörde, die noch einen Weg vor sich hat, ist schon in einer Welle.</p>`;
  return html`<div class="tabelle" tabindex="0" role="region" aria-label="Ungeplante Behörden"><table>
<caption>Ungeplant: ${String(view.unplanned.total)} Behörden in keiner Welle${view.unplanned.total > view.unplanned.items.length ? ` (die ersten ${String(view.unplanned.items.length)})` : ''}</caption>
<thead><tr><th scope="col">Behörde</th><th scope="col">Regionalschlüssel</th><th scope="col">Stadium</th></tr></thead>
<tbody>${view.unplanned.items.map((a) => html`<tr><th scope="row">${a.name}</th><td>${a.ars}</td><td>${stageName(a.stage)}</td></tr>`)}</tbody></table></div>`;
}
