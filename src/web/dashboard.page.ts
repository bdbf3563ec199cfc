import type { SolutionStage } from '../../workflows/index.ts';
import { html, type Html } from '../markup/html.ts';
import { ministryLabel, renderStaffLayout, type StaffFrame } from './staff.layout.ts';
import { progressOf } from './solution-funnel.ts';
import { NEW_SOLUTION_PATH } from './solution-form.page.ts';

/**
 * `/verwaltung`: the solutions the signed-in person may see – a ministry its own, the
 * Kaz, the Landesredaktion and the Betrieb all (as listSolutions scopes them) – with their
 * stage in words and the lead ministry, sorted by title. The later pages of a solution
 * link from here: each title opens the solution's page. Each row has its progress bar
 * (authorities done of all, as the solution's page counts them); the roles that steer
 * find the link to create a solution.
 */

export interface DashboardSolution {
  id: string;
  title: string;
  ozgId: string;
  stage: string;
  leadMinistry: string;
  /** Participants per stage (listSolutions counts them for all listed solutions at once). */
  participantsByStage: Readonly<Record<string, number>>;
}

export const SOLUTION_STAGE_WORDS: Readonly<Record<SolutionStage, string>> = {
  entwurf: 'Entwurf',
  erstinformation: 'Erstinformation',
  pilotphase: 'Pilotphase',
  rollout: 'Flächendeckender Rollout',
  pausiert: 'Pausiert',
  abgeschlossen: 'Abgeschlossen',
  abgebrochen: 'Abgebrochen',
};

export function stageWords(stage: string): string {
  return SOLUTION_STAGE_WORDS[stage as SolutionStage] ?? stage;
}

function progressCell(solution: DashboardSolution): Html {
  const progress = progressOf(solution.participantsByStage);
  const id = `fortschritt-${solution.id}`;
  return html`<label for="${id}">${String(progress.done)} von ${String(progress.total)} Behörden fertig</label>
<progress id="${id}" max="${String(Math.max(progress.total, 1))}" value="${String(progress.done)}">${String(progress.percent)} %</progress>`;
}

export function renderDashboardPage(frame: StaffFrame, view: { solutions: readonly DashboardSolution[]; total: number; ministryView: boolean; mayCreate: boolean }): Html {
  const { solutions, total } = view;
  const heading = view.ministryView ? 'Die EfA-Lösungen Ihres Ministeriums' : 'Alle EfA-Lösungen';
  const create = view.mayCreate ? html`<p><a href="${NEW_SOLUTION_PATH}">Neue EfA-Lösung anlegen</a></p>` : '';
  if (solutions.length === 0) {
    return renderStaffLayout(
      frame,
      html`<h1>${heading}</h1><p>${view.ministryView ? 'Ihr Ministerium hat noch keine EfA-Lösung angelegt.' : 'Es ist noch keine EfA-Lösung angelegt.'}</p>${create}`,
    );
  }
  const sorted = [...solutions].sort((a, b) => a.title.localeCompare(b.title, 'de'));
  const shown = total > solutions.length ? html`<p>Gezeigt werden ${String(solutions.length)} von ${String(total)} Lösungen.</p>` : '';
  return renderStaffLayout(
    frame,
    html`<h1>${heading}</h1>
${create}
${shown}
<div class="tabelle" tabindex="0" role="region" aria-label="EfA-Lösungen"><table>
<caption>${String(total)} ${total === 1 ? 'Lösung' : 'Lösungen'}, nach Titel sortiert</caption>
<thead><tr><th scope="col">Titel</th><th scope="col">Stadium</th><th scope="col">Fortschritt</th><th scope="col">Federführendes Ministerium</th></tr></thead>
<tbody>
${sorted.map(
  (solution) => html`<tr><th scope="row"><a href="/verwaltung/loesungen/${solution.id}">${solution.title}</a><br><span class="hinweis">OZG-ID ${solution.ozgId}</span></th><td>${stageWords(solution.stage)}</td><td>${progressCell(solution)}</td><td>${ministryLabel(solution.leadMinistry)}</td></tr>`,
)}
</tbody>
</table></div>`,
  );
}
