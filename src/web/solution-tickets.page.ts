import { html, type Html } from '../markup/html.ts';
import type { SolutionView } from '../solutions/solution.service.ts';
import { stageWords } from './dashboard.page.ts';
import { exportBlock } from './export.blocks.ts';
import { solutionPagePath, solutionTabs } from './solution-tabs.ts';
import { renderStaffLayout, type StaffFrame } from './staff.layout.ts';
import { BOARD_PATH, type BoardView } from './ticket-board.page.ts';
import { renderTicketQueue } from './ticket-queue.blocks.ts';

/**
 * One solution's tickets (`/verwaltung/loesungen/:id/tickets`): the Kaz board's queue
 * limited to this solution, under the solution's heading and its tabs – the same counts,
 * filters (without the solution choice), urgency order and paging; each title links to
 * the ticket's page on the board.
 */

export function renderSolutionTickets(frame: StaffFrame, solution: Pick<SolutionView, 'id' | 'title' | 'stage'>, view: Omit<BoardView, 'solutions'>): Html {
  const base = solutionPagePath(solution.id, 'tickets');
  return renderStaffLayout(
    frame,
    html`<p><a href="/verwaltung">Zurück zur Übersicht</a></p>
<h1>${solution.title}</h1>
${frame.session ? solutionTabs(solution.id, 'tickets', frame.session.principal.role) : ''}
<h2>Tickets dieser Lösung</h2>
<p>Stadium der Lösung: ${stageWords(solution.stage)}. Alle Tickets aller Lösungen stehen auf der <a href="${BOARD_PATH}">Ticket-Übersicht</a>.</p>
${renderTicketQueue({ ...view, base, ticketPath: (id) => `${BOARD_PATH}/${id}`, headingLevel: 3, showSolution: false })}
${exportBlock(solution.id, [{ kind: 'tickets', label: 'Alle Tickets dieser Lösung' }])}`,
  );
}
