import type { SolutionStage } from '../../workflows/index.ts';
import { html, type Html } from '../markup/html.ts';
import { ministryLabel, renderStaffLayout, type StaffFrame } from './staff.layout.ts';

/**
 * `/verwaltung`: the solutions the signed-in person may see – a ministry its own, the
 * Kaz, the Landesredaktion and the Betrieb all (as listSolutions scopes them) – with their
 * stage in words and the lead ministry, sorted by title. The later pages of a solution
 * link from here: each title opens the solution's page.
 */

export interface DashboardSolution {
  id: string;
  title: string;
  ozgId: string;
  stage: string;
  leadMinistry: string;
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

export function renderDashboardPage(frame: StaffFrame, view: { solutions: readonly DashboardSolution[]; total: number; ministryView: boolean }): Html {
  const { solutions, total } = view;
  const heading = view.ministryView ? 'Die EfA-Lösungen Ihres Ministeriums' : 'Alle EfA-Lösungen';
  if (solutions.length === 0) {
    return renderStaffLayout(
      frame,
      html`<h1>${heading}</h1><p>${view.ministryView ? 'Ihr Ministerium hat noch keine EfA-Lösung angelegt.' : 'Es ist noch keine EfA-Lösung angelegt.'}</p>`,
    );
  }
  const sorted = [...solutions].sort((a, b) => a.title.localeCompare(b.title, 'de'));
  const shown = total > solutions.length ? html`<p>Gezeigt werden ${String(solutions.length)} von ${String(total)} Lösungen.</p>` : '';
  return renderStaffLayout(
    frame,
    html`<h1>${heading}</h1>
${shown}
<table>
<caption>${String(total)} ${total === 1 ? 'Lösung' : 'Lösungen'}, nach Titel sortiert</caption>
<thead><tr><th scope="col">Titel</th><th scope="col">Stadium</th><th scope="col">Federführendes Ministerium</th></tr></thead>
<tbody>
${sorted.map(
  (solution) => html`<tr><th scope="row"><a href="/verwaltung/loesungen/${solution.id}">${solution.title}</a><br><span class="hinweis">OZG-ID ${solution.ozgId}</span></th><td>${stageWords(solution.stage)}</td><td>${ministryLabel(solution.leadMinistry)}</td></tr>`,
)}
</tbody>
</table>`,
  );
}
