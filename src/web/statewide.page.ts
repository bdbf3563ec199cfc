import type { StatewideOverview, StatewideSolution } from '../overview/statewide.queries.ts';
import type { FieldError } from '../errors/domain.errors.ts';
import { html, type Html } from '../markup/html.ts';
import { errorSummary } from './form.kit.ts';
import { SOLUTION_STAGES } from '../../workflows/index.ts';
import { stageWords } from './dashboard.page.ts';
import { participantsPath } from './participant-list.page.ts';
import { ministryLabel, renderStaffLayout, type StaffFrame } from './staff.layout.ts';
import { solutionBase, solutionPagePath } from './solution-tabs.ts';
import { authoritiesSection, stuckSection } from './statewide.blocks.ts';
import { boardLink, count, LAGEBILD_PATH, linkedCount, percentText } from './statewide.links.ts';

/**
 * `/verwaltung/lagebild`: every rollout the person may see on one page – the solutions
 * per stage, per solution how far it is (responsible, live, Kreise flächendeckend, what
 * holds it up), how many solutions the authorities have live, and where rollouts are
 * stuck. Each number links to the list behind it: a solution's participant list with the
 * matching filter, the ticket board's filter, or this page's own lists (solutions of one
 * stage, authorities with n solutions live). A ministry sees its own solutions only; ticket
 * numbers and titles only the roles that read tickets.
 */

export interface StatewidePageView {
  overview: StatewideOverview;
  /** The solution table shows only this stage (`?stadium=`); '' all. */
  stage: string;
  /** `?live=n`: the authorities with exactly n solutions live. */
  liveList: { live: number; authorities: { ars: string; name: string; live: number; responsible: number }[] } | null;
  mayReadTickets: boolean;
  /** Wrong `?stadium=` or `?live=`: named at the top (the page answers 422 and shows everything). */
  errors: readonly FieldError[];
}

function stagesTable(overview: StatewideOverview): Html {
  return html`<table><caption>Lösungen je Stadium</caption>
<thead><tr><th scope="col">Stadium</th><th scope="col">Lösungen</th></tr></thead>
<tbody>${overview.stages.map(
    (row) => html`<tr><th scope="row">${stageWords(row.stage)}</th><td>${linkedCount(row.solutions, `${LAGEBILD_PATH}?stadium=${row.stage}#loesungen`, `Lösungen im Stadium ${stageWords(row.stage)}`)}</td></tr>`,
  )}</tbody>
<tfoot><tr><th scope="row">Zusammen</th><td>${linkedCount(overview.solutions.length, `${LAGEBILD_PATH}#loesungen`, 'alle Lösungen')}</td></tr></tfoot></table>`;
}

function solutionRow(s: StatewideSolution, mayReadTickets: boolean): Html {
  const list = participantsPath(s.id);
  const what = (words: string) => `${words}: ${s.title}`;
  return html`<tr><th scope="row"><a href="${solutionBase(s.id)}">${s.title}</a></th><td>${ministryLabel(s.leadMinistry)}</td><td>${stageWords(s.stage)}</td>
<td>${linkedCount(s.participants, list, what('alle Teilnehmenden'))}<span class="hinweis"> (${linkedCount(s.responsible, `${list}?abdeckung=zustaendig`, what('zuständig'))} zuständig)</span></td>
<td>${linkedCount(s.live, `${list}?stadium=live`, what('live'))}</td>
<td>${linkedCount(s.pilotLive, `${list}?stadium=pilot-live`, what('Pilot live'))}</td>
<td>${percentText(s.livePercent)}</td>
<td>${linkedCount(s.kreiseFlaechendeckend, solutionPagePath(s.id, 'coverage'), what('Abdeckung nach Kreis'))} von ${count(s.kreise)}</td>
<td>${linkedCount(s.overdue, `${list}?frist=ueberschritten`, what('Antwort überfällig'))}</td>
<td>${mayReadTickets ? linkedCount(s.slaBreached, boardLink({ sla: ['ueberschritten'], loesung: s.id }), what('SLA überschritten')) : count(s.slaBreached)}</td>
<td>${mayReadTickets ? linkedCount(s.blockingTickets, boardLink({ blockiert: 'ja', status: ['neu', 'in-bearbeitung', 'wartet-auf-kommune'], loesung: s.id }), what('offene blockierende Tickets')) : count(s.blockingTickets)}</td>
<td>${linkedCount(s.blockedAuthorities, `${list}?blockiert=ja`, what('aufgehaltene Behörden'))}</td></tr>`;
}

function stageFilter(view: StatewidePageView): Html {
  const error = view.errors.find((e) => e.field === 'stadium');
  return html`<form method="get" action="${LAGEBILD_PATH}#loesungen" aria-label="Lösungen nach Stadium filtern"><div class="feld"><label for="f-stadium">Nur Lösungen im Stadium</label>${
    error ? html`<p class="fehler" id="fehler-stadium"><span class="unsichtbar">Fehler: </span>${error.message}</p>` : ''
  }<select id="f-stadium" name="stadium"${error ? html` aria-invalid="true" aria-describedby="fehler-stadium"` : ''}><option value="">alle</option>${SOLUTION_STAGES.map(
    (stage) => html`<option value="${stage}"${stage === view.stage ? html` selected` : ''}>${stageWords(stage)}</option>`,
  )}</select></div><p><button type="submit">Zeigen</button></p></form>`;
}

function solutionsSection(view: StatewidePageView): Html {
  const { overview, stage } = view;
  const shown = stage ? overview.solutions.filter((s) => s.stage === stage) : overview.solutions;
  const caption = stage
    ? html`${count(shown.length)} ${shown.length === 1 ? 'Lösung' : 'Lösungen'} im Stadium ${stageWords(stage)}`
    : html`${count(shown.length)} ${shown.length === 1 ? 'Lösung' : 'Lösungen'}, nach Titel`;
  return html`<section class="lagebild" aria-labelledby="loesungen"><h2 id="loesungen" tabindex="-1">Stand je Lösung</h2>
${stageFilter(view)}
${stage ? html`<p>Gezeigt: nur das Stadium ${stageWords(stage)}. <a href="${LAGEBILD_PATH}#loesungen">Alle Lösungen zeigen</a></p>` : ''}
<p class="hinweis">Zuständig: Teilnehmende außer „nicht zuständig“ und „ausgeschlossen“. Anteil live: live und Pilot live von den zuständigen. Flächendeckend: Kreise, in denen jede zuständige Behörde live ist.</p>
${shown.length
  ? html`<div class="tabelle" tabindex="0" role="region" aria-label="Tabelle: Stand je Lösung"><table>
<caption>${caption}</caption>
<thead><tr><th scope="col">Lösung</th><th scope="col">Ministerium</th><th scope="col">Stadium</th><th scope="col">Teilnehmende</th><th scope="col">Live</th><th scope="col">Pilot live</th><th scope="col">Anteil live</th><th scope="col">Kreise flächen&shy;deckend</th><th scope="col">Antwort überfällig</th><th scope="col">SLA überschritten</th><th scope="col">Blockierende Tickets</th><th scope="col">Aufgehaltene Behörden</th></tr></thead>
<tbody>${shown.map((s) => solutionRow(s, view.mayReadTickets))}</tbody></table></div>`
  : html`<p>Keine Lösung${stage ? ' in diesem Stadium' : ''}.</p>`}
</section>`;
}

export function renderStatewidePage(frame: StaffFrame, view: StatewidePageView): Html {
  const ministry = view.overview.scope.ministry;
  return renderStaffLayout(
    frame,
    html`<h1>Lagebild: alle Rollouts</h1>
${view.errors.length ? errorSummary(view.errors, (field) => (field === 'live' ? 'behoerden' : `f-${field}`)) : ''}
<p>${ministry ? html`Gezeigt werden die EfA-Lösungen Ihres Ministeriums (${ministryLabel(ministry)}).` : 'Gezeigt werden alle EfA-Lösungen des Landes.'} Jede Zahl führt zur Liste dahinter.</p>
<nav aria-label="Abschnitte dieser Seite"><ul><li><a href="#stadien">Lösungen je Stadium</a></li><li><a href="#loesungen">Stand je Lösung</a></li><li><a href="#behoerden">Behörden und Lösungen live</a></li><li><a href="#stocken">Wo Rollouts stocken</a></li></ul></nav>
<section class="lagebild" aria-labelledby="stadien"><h2 id="stadien">Lösungen je Stadium</h2>
${stagesTable(view.overview)}</section>
${solutionsSection(view)}
${authoritiesSection(view.overview, view.liveList)}
${stuckSection(view.overview, view.mayReadTickets)}`,
  );
}
