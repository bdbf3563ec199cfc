import { areaOfAuthority } from '../map/authority-area.ts';
import { brandenburgShapes, type Shape } from '../map/brandenburg.shapes.ts';
import { renderBrandenburgMap } from '../map/map.render.ts';
import { html, joinHtml, type Html } from '../markup/html.ts';
import { byGermanName, LIVE_COUNT_GROUPS, liveCountGroupOf } from './map-colours.ts';
import { participantPath } from './participant-list.page.ts';
import { renderStaffLayout, type StaffFrame } from './staff.layout.ts';

/**
 * `/verwaltung/karte`: Brandenburg's administrations (Ämter, amtsfreie Gemeinden,
 * kreisfreie Städte) coloured by how many of the solutions the person may see are live
 * there; each area links to its row in the table under the map, which names the
 * solutions (each a link to the authority's page in that solution). Landkreise – the
 * Kreis-level addressees, whose area holds the others – and authorities without an area
 * of their own are rows of the table only.
 */

export interface LiveParticipation {
  ars: string;
  solutionId: string;
  name: string;
  kind: string;
}

export interface StatewideMapView {
  solutions: readonly { id: string; title: string }[];
  live: readonly LiveParticipation[];
  ministryView: boolean;
}

interface Unit {
  id: string;
  name: string;
  kreis: string;
  note: string;
  shape: Shape | null;
  /** Solution id → the authority live with it (its participant page). */
  live: Map<string, string>;
}

const plural = (n: number) => (n === 1 ? '1 Lösung' : `${n} Lösungen`);

function unitsOf(view: StatewideMapView): Unit[] {
  const shapes = brandenburgShapes();
  const kreisName = new Map(shapes.kreise.map((k) => [k.ars.slice(0, 5), k.name]));
  const units = new Map<string, Unit>();
  const unit = (id: string, name: string, ars: string, shape: Shape | null, note = '') => {
    if (!units.has(id)) units.set(id, { id, name, kreis: kreisName.get(ars.slice(0, 5)) ?? '–', note, shape, live: new Map() });
    return units.get(id)!;
  };
  for (const shape of shapes.verwaltungen) unit(`z-${shape.ars}`, `${shape.name} (${shape.bezeichnung})`, shape.ars, shape);
  for (const kreis of shapes.kreise) if (kreis.bezeichnung !== 'Kreisfreie Stadt') unit(`k-${kreis.ars}`, `${kreis.name} (${kreis.bezeichnung})`, kreis.ars, null, 'Kreis-Ebene: nicht eingefärbt');
  for (const one of view.live) {
    const area = areaOfAuthority(shapes, one, 'verwaltung');
    const own = area.shapes.filter((shape) => shapes.isVerwaltung(shape));
    const targets =
      area.shapes[0]?.ebene === 'kreis'
        ? [unit(`k-${one.ars}`, one.name, one.ars, null)]
        : own.length
          ? own.map((shape) => unit(`z-${shape.ars}`, '', shape.ars, shape))
          : [unit(`b-${one.ars}`, one.name, one.ars, null, 'ohne eigene Fläche auf der Karte')];
    for (const target of targets) target.live.set(one.solutionId, one.ars);
  }
  // by Kreis, the Landkreis's own row first
  const rank = (u: Unit) => (u.id.startsWith('k-') ? 0 : 1);
  return [...units.values()].sort((a, b) => byGermanName(a.kreis, b.kreis) || rank(a) - rank(b) || byGermanName(a.name, b.name));
}

export function renderStatewideMapPage(frame: StaffFrame, view: StatewideMapView): Html {
  const titles = new Map(view.solutions.map((s) => [s.id, s.title]));
  const units = unitsOf(view);
  const namesOf = (u: Unit) => [...u.live.keys()].map((id) => titles.get(id) ?? id);
  const drawn = units.filter((u) => u.shape);
  const counts = new Map<string, number>();
  for (const u of drawn) counts.set(liveCountGroupOf(u.live.size).key, (counts.get(liveCountGroupOf(u.live.size).key) ?? 0) + 1);
  const map = renderBrandenburgMap(
    drawn.map((u) => ({
      shapes: [u.shape!],
      className: liveCountGroupOf(u.live.size).className,
      href: `#${u.id}`,
      title: `${u.name}: ${plural(u.live.size)} live${u.live.size ? ` – ${namesOf(u).join(', ')}` : ''}`,
    })),
    {
      labelledBy: 'karte-titel',
      grey: 'none',
      greyLabel: '',
      legend: LIVE_COUNT_GROUPS.map((g) => ({ className: g.className, label: g.label, count: counts.get(g.key) ?? 0 })),
      legendNote: 'Gezählt: Flächen der Ämter, amtsfreien Gemeinden und kreisfreien Städte. Landkreise stehen nur in der Tabelle.',
    },
  );
  const row = (u: Unit) =>
    html`<tr id="${u.id}"><th scope="row">${u.name}${u.note ? html`<br><small>${u.note}</small>` : ''}</th><td>${u.kreis}</td><td><span class="farbe ${liveCountGroupOf(u.live.size).className}"></span>${String(u.live.size)}</td><td>${
      u.live.size ? joinHtml([...u.live].map(([id, ars]) => html`<a href="${participantPath(id, ars)}">${titles.get(id) ?? id}</a>`), ', ') : '–'
    }</td></tr>`;
  return renderStaffLayout(
    frame,
    html`<h1>Karte: Lösungen live in Brandenburg</h1>
<p>Jedes Amt, jede amtsfreie Gemeinde und jede kreisfreie Stadt in der Farbe der Zahl der Lösungen, die dort live sind${view.ministryView ? ' – gezählt werden die Lösungen Ihres Ministeriums' : ''} (${plural(view.solutions.length)} insgesamt). Zeigen Sie mit der Maus auf eine Fläche oder gehen Sie mit der Tabulatortaste auf sie, um die Lösungen zu sehen; ein Klick führt zur Zeile der Tabelle.</p>
<h2 id="karte-titel">Lösungen live je Verwaltung</h2>
${map}
<h2 id="tabelle-titel">Lösungen live je Verwaltung, nach Kreis</h2>
<div class="tabelle" tabindex="0" role="region" aria-labelledby="tabelle-titel"><table><caption>Verwaltungen, Kreis und die Lösungen, die dort live sind – dieselben Angaben wie in der Karte</caption>
<thead><tr><th scope="col">Verwaltung</th><th scope="col">Kreis</th><th scope="col">Lösungen live</th><th scope="col">Welche</th></tr></thead>
<tbody>${units.map(row)}</tbody></table></div>`,
  );
}
