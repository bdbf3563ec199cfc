import type { Role } from '../auth/roles.ts';
import { areaOfAuthority, type AuthorityArea, type MapLevel } from '../map/authority-area.ts';
import { brandenburgShapes } from '../map/brandenburg.shapes.ts';
import { renderBrandenburgMap, type MapArea } from '../map/map.render.ts';
import { html, type Html } from '../markup/html.ts';
import { germanDate } from '../responses/answer.labels.ts';
import { berlinDate } from '../time/berlin.clock.ts';
import { byGermanName, STAGE_GROUPS, stageGroupOf } from './map-colours.ts';
import { participantPath, participantStageWords } from './participant-list.page.ts';
import { solutionPagePath, solutionTabs } from './solution-tabs.ts';
import { renderStaffLayout, type StaffFrame } from './staff.layout.ts';

/**
 * `/verwaltung/loesungen/:id/karte`: the solution's participants on the map of
 * Brandenburg, each area in the colour of its stage group (legend with counts), every
 * other administration grey; under it the same facts as a table, by Kreis – the map's
 * text alternative.
 */

export interface MapParticipant {
  ars: string;
  name: string;
  kind: string;
  kreisArs: string | null;
  stage: string;
  updatedAt: string;
}

export interface SolutionMapView {
  solution: { id: string; title: string; responsibility: { level: string } };
  role: Role;
  participants: readonly MapParticipant[];
  /** Names of the Kreise the participants lie in (the directory's). */
  kreise: readonly { ars: string; name: string }[];
}

export const solutionMapPath = (id: string) => solutionPagePath(id, 'map');

const dayOf = (instant: string) => germanDate(berlinDate(new Date(instant)));

const DRAWN_AS_NOTE: Record<AuthorityArea['drawnAs'], string> = {
  own: '',
  members: 'ohne eigene Fläche in den Grenzen von 2021: auf der Karte die Flächen ihrer Mitgliedsgemeinden',
  none: 'ohne Fläche auf der Karte (nicht in den Grenzen von 2021)',
};

interface Row {
  participant: MapParticipant;
  kreis: string;
  area: AuthorityArea;
}

function titleOf(p: MapParticipant): string {
  return `${p.name}: ${stageGroupOf(p.stage).label} (${participantStageWords(p.stage)}), zuletzt geändert am ${dayOf(p.updatedAt)}`;
}

function tableRow(solutionId: string, row: Row): Html {
  const { participant: p, area } = row;
  const group = stageGroupOf(p.stage);
  const note = DRAWN_AS_NOTE[area.drawnAs];
  return html`<tr><th scope="row"><a href="${participantPath(solutionId, p.ars)}">${p.name}</a>${note ? html`<br><small>${note}</small>` : ''}</th><td>${row.kreis}</td><td><span class="farbe ${group.className}"></span>${group.label}</td><td>${participantStageWords(p.stage)}</td><td>${dayOf(p.updatedAt)}</td></tr>`;
}

export function renderSolutionMapPage(frame: StaffFrame, view: SolutionMapView): Html {
  const { solution } = view;
  const shapes = brandenburgShapes();
  const level: MapLevel = solution.responsibility.level === 'kreis' ? 'kreis' : 'verwaltung';
  const kreisNames = new Map(view.kreise.map((k) => [k.ars, k.name]));
  const rows: Row[] = view.participants
    .map((participant) => ({
      participant,
      kreis: (participant.kreisArs && kreisNames.get(participant.kreisArs)) || '–',
      area: areaOfAuthority(shapes, participant, level),
    }))
    .sort((a, b) => byGermanName(a.kreis, b.kreis) || byGermanName(a.participant.name, b.participant.name));
  const areas: MapArea[] = rows.map(({ participant, area }) => ({
    shapes: area.shapes,
    className: stageGroupOf(participant.stage).className,
    href: participantPath(solution.id, participant.ars),
    title: titleOf(participant),
  }));
  const counts = new Map<string, number>();
  for (const { participant } of rows) counts.set(stageGroupOf(participant.stage).key, (counts.get(stageGroupOf(participant.stage).key) ?? 0) + 1);
  const undrawn = rows.filter((row) => row.area.drawnAs === 'none').length;
  const map = renderBrandenburgMap(areas, {
    labelledBy: 'karte-titel',
    grey: level === 'kreis' ? 'kreise' : 'verwaltungen',
    greyLabel: 'nicht Teilnehmerin dieser Lösung',
    legend: STAGE_GROUPS.map((g) => ({ className: g.className, label: g.label, count: counts.get(g.key) ?? 0 })),
    ...(undrawn ? { legendNote: `${undrawn} teilnehmende ${undrawn === 1 ? 'Behörde hat' : 'Behörden haben'} keine Fläche auf der Karte; die Tabelle nennt sie.` } : {}),
  });
  return renderStaffLayout(
    frame,
    html`<h1>Karte: ${solution.title}</h1>
${solutionTabs(solution.id, 'map', view.role)}
<p>Jede teilnehmende Behörde in der Farbe ihres Stadiums (${level === 'kreis' ? 'Landkreise und kreisfreie Städte' : 'die Fläche des Amtes, der amtsfreien Gemeinde oder der Stadt'}). Zeigen Sie mit der Maus auf eine Fläche oder gehen Sie mit der Tabulatortaste auf sie, um Name und Stadium zu sehen; ein Klick öffnet die Seite der Behörde. Die Tabelle unter der Karte nennt dasselbe als Text.</p>
<h2 id="karte-titel">Teilnehmende Behörden auf der Karte (${rows.length})</h2>
${map}
<h2 id="tabelle-titel">Teilnehmende Behörden nach Kreis</h2>
${
  rows.length
    ? html`<div class="tabelle" tabindex="0" role="region" aria-labelledby="tabelle-titel"><table><caption>Behörden, Kreis und Stadium – dieselben Angaben wie in der Karte</caption>
<thead><tr><th scope="col">Behörde</th><th scope="col">Kreis</th><th scope="col">Farbe in der Karte</th><th scope="col">Stadium</th><th scope="col">Zuletzt geändert</th></tr></thead>
<tbody>${rows.map((row) => tableRow(solution.id, row))}</tbody></table></div>`
    : html`<p>Diese Lösung hat noch keine teilnehmenden Behörden.</p>`
}`,
  );
}
