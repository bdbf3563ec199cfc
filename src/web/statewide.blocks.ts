import type { StatewideOverview } from '../overview/statewide.queries.ts';
import { html, type Html } from '../markup/html.ts';
import { READINESS_GRUENDE } from '../../workflows/index.ts';
import { participantsPath } from './participant-list.page.ts';
import { READINESS_REASON_WORDS } from '../responses/stage.words.ts';
import { SLA_WORDS } from './ticket-queue.blocks.ts';
import { BOARD_PATH } from './ticket-board.page.ts';
import { boardLink, count, LAGEBILD_PATH, linkedCount, percentText } from './statewide.links.ts';

/** The Lagebild's lower half: authorities × solutions live, and where rollouts are stuck (statewide.page.ts). */

/** The map of another page: all solutions, how many each authority has live. */
export const MAP_PATH = '/verwaltung/karte';

type LiveList = { live: number; authorities: { ars: string; name: string; live: number; responsible: number }[] } | null;

const solutionsWord = (n: number) => (n === 1 ? 'Lösung' : 'Lösungen');

function liveListTable(list: NonNullable<LiveList>): Html {
  return html`<div class="tabelle" tabindex="0" role="region" aria-label="Behörden mit ${count(list.live)} ${solutionsWord(list.live)} live"><table id="behoerden-liste">
<caption>${count(list.authorities.length)} Behörden mit genau ${count(list.live)} ${solutionsWord(list.live)} live</caption>
<thead><tr><th scope="col">Behörde</th><th scope="col">Regionalschlüssel</th><th scope="col">Zuständig für</th></tr></thead>
<tbody>${list.authorities.map((a) => html`<tr><th scope="row">${a.name}</th><td>${a.ars}</td><td>${count(a.responsible)} ${solutionsWord(a.responsible)}</td></tr>`)}</tbody></table></div>
<p><a href="${LAGEBILD_PATH}#behoerden">Liste schließen</a></p>`;
}

export function authoritiesSection(overview: StatewideOverview, liveList: LiveList): Html {
  const { authorities, kreise } = overview;
  return html`<section class="lagebild" aria-labelledby="behoerden"><h2 id="behoerden" tabindex="-1">Behörden und Lösungen live</h2>
<p>${count(authorities.responsible)} Behörden sind für mindestens eine Lösung zuständig. <a href="${MAP_PATH}">Karte: Lösungen live je Behörde</a></p>
<table><caption>Behörden nach Zahl ihrer Lösungen live</caption>
<thead><tr><th scope="col">Lösungen live</th><th scope="col">Behörden</th></tr></thead>
<tbody>${authorities.byLiveCount.map(
    (row) => html`<tr><th scope="row">${count(row.live)}</th><td>${linkedCount(row.authorities, `${LAGEBILD_PATH}?live=${row.live}#behoerden-liste`, `Behörden mit ${count(row.live)} ${solutionsWord(row.live)} live`)}</td></tr>`,
  )}</tbody></table>
${liveList ? liveListTable(liveList) : ''}
${authorities.top.length
  ? html`<table><caption>Die Behörden mit den meisten Lösungen live</caption>
<thead><tr><th scope="col">Behörde</th><th scope="col">Lösungen live</th><th scope="col">Zuständig für</th></tr></thead>
<tbody>${authorities.top.map((a) => html`<tr><th scope="row">${a.name}</th><td>${count(a.live)}</td><td>${count(a.responsible)}</td></tr>`)}</tbody></table>`
  : html`<p>Noch keine Behörde hat eine Lösung live.</p>`}
${kreise.length
  ? html`<div class="tabelle" tabindex="0" role="region" aria-label="Paare Behörde und Lösung je Kreis"><table>
<caption>Je Kreis: Paare aus Behörde und Lösung, live von zuständig</caption>
<thead><tr><th scope="col">Kreis</th><th scope="col">Zuständig</th><th scope="col">Live</th><th scope="col">Anteil</th></tr></thead>
<tbody>${kreise.map((k) => html`<tr><th scope="row">${k.name ?? 'ohne Kreis (Land)'}</th><td>${count(k.responsible)}</td><td>${count(k.live)}</td><td>${percentText(k.percent)}</td></tr>`)}</tbody></table></div>`
  : ''}
</section>`;
}

function gruendeTable(overview: StatewideOverview): Html {
  const withReasons = overview.solutions.filter((s) => READINESS_GRUENDE.some((g) => s.nichtBereitGruende[g] > 0));
  const total = overview.stuck.nichtBereitGruende;
  if (withReasons.length === 0) return html`<p>Keine Behörde hat „nicht bereit“ gemeldet.</p>`;
  return html`<div class="tabelle" tabindex="0" role="region" aria-label="Gründe „nicht bereit“ je Lösung"><table>
<caption>Gründe der Antworten „nicht bereit“ (eine Behörde kann mehrere nennen)</caption>
<thead><tr><th scope="col">Lösung</th>${READINESS_GRUENDE.map((g) => html`<th scope="col">${READINESS_REASON_WORDS[g] ?? g}</th>`)}</tr></thead>
<tbody>${withReasons.map(
    (s) => html`<tr><th scope="row">${s.title}</th>${READINESS_GRUENDE.map(
      (g) => html`<td>${linkedCount(s.nichtBereitGruende[g], `${participantsPath(s.id)}?grund=${g}`, `${READINESS_REASON_WORDS[g] ?? g}: ${s.title}`)}</td>`,
    )}</tr>`,
  )}</tbody>
<tfoot><tr><th scope="row">Zusammen</th>${READINESS_GRUENDE.map((g) => html`<td>${count(total[g])}</td>`)}</tr></tfoot></table></div>`;
}

function blockingList(overview: StatewideOverview): Html | '' {
  const list = overview.blockingTicketList ?? [];
  if (list.length === 0) return '';
  return html`<div class="tabelle" tabindex="0" role="region" aria-label="Offene blockierende Tickets"><table>
<caption>Offene blockierende Tickets${overview.stuck.blockingTickets > list.length ? html` (die ersten ${count(list.length)} von ${count(overview.stuck.blockingTickets)})` : ''}</caption>
<thead><tr><th scope="col">Nr.</th><th scope="col">Titel</th><th scope="col">Lösung</th><th scope="col">Behörde</th><th scope="col">SLA</th></tr></thead>
<tbody>${list.map(
    (ticket) => html`<tr><td>${String(ticket.number)}</td><th scope="row"><a href="${BOARD_PATH}/${ticket.id}">${ticket.title}</a></th><td>${ticket.solutionTitle}</td><td>${ticket.authorityName}</td><td>${SLA_WORDS[ticket.sla as keyof typeof SLA_WORDS] ?? ticket.sla}</td></tr>`,
  )}</tbody></table></div>`;
}

export function stuckSection(overview: StatewideOverview, mayReadTickets: boolean): Html {
  const { stuck } = overview;
  const perSolution = `${LAGEBILD_PATH}#loesungen`;
  return html`<section class="lagebild" aria-labelledby="stocken"><h2 id="stocken">Wo Rollouts stocken</h2>
<table><caption>Über alle gezeigten Lösungen</caption>
<thead><tr><th scope="col">Was</th><th scope="col">Anzahl</th></tr></thead>
<tbody>
<tr><th scope="row">Antworten überfällig (eingeladen, Frist verstrichen, keine Bereitschaftsantwort)</th><td>${linkedCount(stuck.overdue, perSolution, 'je Lösung')}</td></tr>
<tr><th scope="row">Offene Tickets mit überschrittenem SLA</th><td>${mayReadTickets ? linkedCount(stuck.slaBreached, boardLink({ sla: ['ueberschritten'] }), 'im Ticket-Board') : count(stuck.slaBreached)}</td></tr>
<tr><th scope="row">Offene Tickets, die einen Live-Gang blockieren</th><td>${mayReadTickets ? linkedCount(stuck.blockingTickets, boardLink({ blockiert: 'ja', status: ['neu', 'in-bearbeitung', 'wartet-auf-kommune'] }), 'im Ticket-Board') : count(stuck.blockingTickets)}</td></tr>
<tr><th scope="row">Behörden, die ein blockierendes Ticket aufhält (je Lösung gezählt)</th><td>${linkedCount(stuck.blockedAuthorities, perSolution, 'je Lösung')}</td></tr>
</tbody></table>
${mayReadTickets ? blockingList(overview) : html`<p>Nummern und Titel der Tickets sieht die Kaz; hier stehen nur die Zahlen.</p>`}
<h3>Worauf die nicht bereiten Behörden warten</h3>
${gruendeTable(overview)}
</section>`;
}
