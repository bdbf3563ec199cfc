import { html, type Html } from '../markup/html.ts';
import type { Coverage, CoverageBlocker, KreisCoverage, MissingAuthority } from '../coverage/coverage.queries.ts';
import { blockerWords } from '../coverage/coverage.words.ts';
import type { CoverageGroup } from '../solutions/coverage-groups.ts';
import { germanDateTime } from '../time/berlin.clock.ts';
import { exportBlock } from './export.blocks.ts';
import { participantPath, participantsPath } from './participant-list.page.ts';
import { solutionPagePath, solutionTabs } from './solution-tabs.ts';
import { renderStaffLayout, type StaffFrame } from './staff.layout.ts';
import { BOARD_PATH } from './ticket-board.page.ts';

/**
 * Coverage per Kreis (issue 17): the compact table on a solution's overview („Abdeckung
 * nach Kreis“) and the page `…/abdeckung` naming, for every Kreis that is not
 * flächendeckend, the authorities still missing, their stage and what each waits for.
 * Every count links to the participant list filtered to exactly those authorities
 * (`kreis` and `abdeckung`), so the number and the list agree.
 */

export const coveragePath = (id: string) => solutionPagePath(id, 'coverage');
const kreisAnchor = (kreis: KreisCoverage) => `kreis-${kreis.kreisArs ?? 'ohne'}`;

/** The participant list behind a count; null for authorities in no Kreis (the list has no filter for them). */
function listHref(solutionId: string, kreisArs: string | null | undefined, group: CoverageGroup): string | null {
  if (kreisArs === null) return null;
  const params = new URLSearchParams({ ...(kreisArs ? { kreis: kreisArs } : {}), abdeckung: group });
  return `${participantsPath(solutionId)}?${params.toString()}`;
}

const WHAT: Readonly<Record<CoverageGroup, string>> = { zustaendig: 'zuständige Behörden', live: 'Behörden live', fehlt: 'fehlende Behörden' };

function countLink(solutionId: string, kreisArs: string | null | undefined, where: string, group: CoverageGroup, count: number): Html {
  const href = listHref(solutionId, kreisArs, group);
  return href ? html`<a href="${href}">${String(count)}<span class="unsichtbar"> ${WHAT[group]} in ${where}</span></a>` : html`${String(count)}`;
}

const yesNo = (kreis: { responsible: number; flaechendeckend: boolean }) => (kreis.flaechendeckend ? 'ja' : kreis.responsible === 0 ? 'nein, niemand zuständig' : 'nein');

function kreisRow(solutionId: string, kreis: KreisCoverage): Html {
  const name = kreis.flaechendeckend ? html`${kreis.name}` : html`<a href="${coveragePath(solutionId)}#${kreisAnchor(kreis)}">${kreis.name}</a>`;
  return html`<tr><th scope="row">${name}</th><td>${countLink(solutionId, kreis.kreisArs, kreis.name, 'zustaendig', kreis.responsible)}</td><td>${countLink(solutionId, kreis.kreisArs, kreis.name, 'live', kreis.live)}</td><td>${countLink(solutionId, kreis.kreisArs, kreis.name, 'fehlt', kreis.missing.length)}</td><td>${String(kreis.percent)} %</td><td>${yesNo(kreis)}</td></tr>`;
}

/** The overview's section: one row per Kreis and the Land's totals. */
export function coverageSection(solutionId: string, coverage: Coverage): Html {
  const { land } = coverage;
  const table = coverage.kreise.length
    ? html`<div class="tabelle" tabindex="0" role="region" aria-labelledby="abdeckung-tabelle"><table>
<caption id="abdeckung-tabelle">Abdeckung nach Kreis: zuständige Behörden, davon live</caption>
<thead><tr><th scope="col">Kreis</th><th scope="col">zuständig</th><th scope="col">live</th><th scope="col">fehlen</th><th scope="col">Prozent live</th><th scope="col">flächendeckend</th></tr></thead>
<tbody>${coverage.kreise.map((kreis) => kreisRow(solutionId, kreis))}</tbody>
<tfoot><tr><th scope="row">Land Brandenburg</th><td>${countLink(solutionId, undefined, 'ganz Brandenburg', 'zustaendig', land.responsible)}</td><td>${countLink(solutionId, undefined, 'ganz Brandenburg', 'live', land.live)}</td><td>${countLink(solutionId, undefined, 'ganz Brandenburg', 'fehlt', land.responsible - land.live)}</td><td>${String(land.percent)} %</td><td>${yesNo(land)}</td></tr></tfoot>
</table></div>`
    : html`<p>Diese Lösung hat noch keine teilnehmenden Behörden.</p>`;
  return html`<section aria-labelledby="abdeckung-titel"><h2 id="abdeckung-titel">Abdeckung nach Kreis</h2>
<p>Flächendeckend in ${String(land.kreiseFlaechendeckend)} von ${String(land.kreise)} Kreisen; ${String(land.live)} von ${String(land.responsible)} zuständigen Behörden sind live (${String(land.percent)} %). Jede Zahl führt zur Liste der Behörden dahinter.</p>
${table}
<p><a href="${coveragePath(solutionId)}">Wer wo fehlt und warum</a></p></section>`;
}

function blockerItem(blocker: CoverageBlocker): Html {
  if ((blocker.kind === 'blockierende-tickets' || blocker.kind === 'offene-tickets') && blocker.tickets?.length) {
    const words = blockerWords({ ...blocker, tickets: [] });
    return html`${words}: ${blocker.tickets.map((t, index) => html`${index ? ', ' : ''}<a href="${BOARD_PATH}/${t.id}">#${String(t.number)} „${t.title}“</a>`)}`;
  }
  return html`${blockerWords(blocker)}`;
}

function missingRow(solutionId: string, m: MissingAuthority): Html {
  const waits =
    m.blockers.length > 1
      ? html`<ul>${m.blockers.map((b) => html`<li>${blockerItem(b)}</li>`)}</ul>`
      : m.blockers.length === 1
        ? blockerItem(m.blockers[0]!)
        : html`dem nächsten Schritt im Stadium „${m.stageLabel}“`;
  return html`<tr><th scope="row"><a href="${participantPath(solutionId, m.ars)}">${m.name}</a></th><td>${m.ars}</td><td>${m.stageLabel}</td><td>${waits}</td></tr>`;
}

function kreisSection(solutionId: string, kreis: KreisCoverage): Html {
  const id = kreisAnchor(kreis);
  const missing = kreis.missing.length
    ? html`<div class="tabelle" tabindex="0" role="region" aria-labelledby="${id}-tabelle"><table>
<caption id="${id}-tabelle">Fehlende Behörden in ${kreis.name}</caption>
<thead><tr><th scope="col">Behörde</th><th scope="col">ARS</th><th scope="col">Stadium</th><th scope="col">Wartet auf</th></tr></thead>
<tbody>${kreis.missing.map((m) => missingRow(solutionId, m))}</tbody></table></div>`
    : html`<p>Keine Behörde ist hier zuständig.</p>`;
  return html`<section aria-labelledby="${id}"><h3 id="${id}">${kreis.name}</h3>
<p>${String(kreis.live)} von ${String(kreis.responsible)} zuständigen Behörden live (${String(kreis.percent)} %); noch nicht live: ${countLink(solutionId, kreis.kreisArs, kreis.name, 'fehlt', kreis.missing.length)}.</p>
${missing}</section>`;
}

export interface CoveragePageView {
  solution: { id: string; title: string };
  coverage: Coverage;
}

/** `…/abdeckung`: per Kreis not flächendeckend who is missing and why; the flächendeckend Kreise in one line. */
export function renderCoveragePage(frame: StaffFrame, view: CoveragePageView): Html {
  const { solution, coverage } = view;
  const open = coverage.kreise.filter((k) => !k.flaechendeckend);
  const done = coverage.kreise.filter((k) => k.flaechendeckend);
  const body = html`<p><a href="${solutionPagePath(solution.id, 'overview')}">Zurück zur Lösung</a></p>
<h1>Abdeckung: ${solution.title}</h1>
${frame.session ? solutionTabs(solution.id, 'coverage', frame.session.principal.role) : ''}
<p>Stand: ${germanDateTime(coverage.asOf)}. Zuständig ist jede teilnehmende Behörde außer den als nicht zuständig gemeldeten und den ausgenommenen; flächendeckend ist die Lösung in einem Kreis, wenn jede zuständige Behörde dort live ist.${coverage.ticketDetails ? '' : ' Tickets der Kaz sind nur gezählt.'}</p>
<p>Im Land: ${String(coverage.land.live)} von ${String(coverage.land.responsible)} zuständigen Behörden live (${String(coverage.land.percent)} %), flächendeckend in ${String(coverage.land.kreiseFlaechendeckend)} von ${String(coverage.land.kreise)} Kreisen.</p>
<h2>Noch nicht flächendeckend (${String(open.length)})</h2>
${open.length
  ? open.map((kreis) => kreisSection(solution.id, kreis))
  : coverage.kreise.length
    ? html`<p>Kein Kreis – die Lösung ist überall flächendeckend.</p>`
    : html`<p>Diese Lösung hat noch keine teilnehmenden Behörden.</p>`}
<h2>Flächendeckend (${String(done.length)})</h2>
${done.length ? html`<ul>${done.map((k) => html`<li>${k.name} (${String(k.live)} von ${String(k.responsible)} live)</li>`)}</ul>` : html`<p>Noch in keinem Kreis.</p>`}
${exportBlock(solution.id, [{ kind: 'coverage', label: 'Abdeckung nach Kreis, eine Zeile je fehlender Behörde' }])}`;
  return renderStaffLayout(frame, body);
}
