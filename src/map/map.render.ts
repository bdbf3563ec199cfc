import { html, type Html } from '../markup/html.ts';
import { brandenburgShapes, type Shape } from './brandenburg.shapes.ts';

/**
 * A map of Brandenburg as inline SVG, drawn on the server: one link per area (focusable,
 * its `<title>` shown on hover and read on focus), colours by CSS class only (the pages'
 * Content-Security-Policy admits no style attribute), the Kreis borders and names on top
 * for orientation (no pointer events), Berlin as the hole it is, a legend in words beside
 * it and the BKG source line under it. Pure: the shapes are computed once per process
 * (brandenburg.shapes.ts), a render only joins areas to classes.
 */

export const BKG_SOURCE = '© GeoBasis-DE / BKG 2021 (Daten verändert)';
export const BKG_URL = 'https://www.bkg.bund.de';

export interface MapArea {
  /** The authority's outline(s) (authority-area.ts); an area without shapes is not drawn. */
  readonly shapes: readonly Shape[];
  /** Colour class of its paths (also the legend swatch's). */
  readonly className: string;
  readonly href: string;
  /** Shown on hover and focus: name, stage, since when. */
  readonly title: string;
}

export interface LegendEntry {
  readonly className: string;
  readonly label: string;
  readonly count?: number;
}

export interface MapOptions {
  /** The id of the element naming the map (its heading). */
  readonly labelledBy: string;
  /**
   * Outlines drawn grey where no area lies: the Kreise (a Kreis-level solution), the
   * administrations (Ämter and verbandsfreie Gemeinden; none inside a Kreis that is an
   * area itself), or none.
   */
  readonly grey: 'kreise' | 'verwaltungen' | 'none';
  /** The grey outlines' words (hover, legend). */
  readonly greyLabel: string;
  readonly legend: readonly LegendEntry[];
  /** A sentence under the legend (what the map does not show). */
  readonly legendNote?: string;
}

export const GREY_CLASS = 'grau';

/** Of a caption line: as many characters as fit beside the map's north-east. */
const CAPTION_MAX = 52;
const shortened = (text: string) => (text.length > CAPTION_MAX ? `${text.slice(0, CAPTION_MAX - 1).trimEnd()}…` : text);

/**
 * The title (read by screen readers, shown by the browser on hover) and, for sighted
 * keyboard users – browsers show no tooltip on focus –, the same in two lines in the
 * map's empty north-west corner while the area has focus or the pointer (CSS, no script).
 */
function areaHtml(area: MapArea): Html {
  const split = area.title.indexOf(': ');
  const [head, rest] = split < 0 ? [area.title, ''] : [area.title.slice(0, split), area.title.slice(split + 2)];
  return html`<a href="${area.href}"><title>${area.title}</title>${area.shapes.map((shape) => html`<path class="${area.className}" d="${shape.path}"/>`)}<text class="fokus" x="8" y="26" aria-hidden="true">${shortened(head)}<tspan x="8" dy="24">${shortened(rest)}</tspan></text></a>`;
}

const greyHtml = (shape: Shape, label: string): Html =>
  html`<path class="${GREY_CLASS}" d="${shape.path}"><title>${shape.name} (${shape.bezeichnung}): ${label}</title></path>`;

const key = (shape: Shape) => `${shape.ebene}:${shape.ars}`;

export function renderBrandenburgMap(areas: readonly MapArea[], options: MapOptions): Html {
  const shapes = brandenburgShapes();
  const drawn = areas.filter((area) => area.shapes.length > 0);
  const covered = new Set(drawn.flatMap((area) => area.shapes.map(key)));
  // Three layers: Kreise below, the administrations tiling the Land, then smaller areas
  // inside them (an amtsangehörige Gemeinde of its own) on top.
  const rank = (area: MapArea) => (area.shapes[0]!.ebene === 'kreis' ? 0 : shapes.isVerwaltung(area.shapes[0]!) ? 1 : 2);
  const kreisAreas = new Set(drawn.filter((area) => rank(area) === 0).flatMap((area) => area.shapes.map((s) => s.ars.slice(0, 5))));
  const grey =
    options.grey === 'kreise'
      ? shapes.kreise.filter((s) => !covered.has(key(s)))
      : options.grey === 'verwaltungen'
        ? shapes.verwaltungen.filter((s) => !covered.has(key(s)) && !kreisAreas.has(s.ars.slice(0, 5)))
        : [];
  const layer = (n: number) => drawn.filter((area) => rank(area) === n).map(areaHtml);
  const greyLayer = grey.map((shape) => greyHtml(shape, options.greyLabel));
  // grey Kreise and Kreis areas never overlap; grey administrations lie over the Kreise
  const layers = [layer(0), greyLayer, layer(1), layer(2)];
  return html`<div class="karte"><svg viewBox="0 0 ${shapes.width} ${shapes.height}" role="group" aria-labelledby="${options.labelledBy}">
<g class="flaechen">${layers}</g>
<path class="grenzen" d="${shapes.kreisBorders}"/>
<g class="namen" aria-hidden="true">${shapes.kreisLabels.map((label) => html`<text x="${label.x}" y="${label.y}">${label.name}</text>`)}<text class="berlin" x="${shapes.berlin.x}" y="${shapes.berlin.y}">Berlin</text></g>
</svg>
<div class="legende"><p id="${options.labelledBy}-legende"><strong>Legende</strong></p><ul aria-labelledby="${options.labelledBy}-legende">${[
    ...options.legend,
    ...(options.grey === 'none' ? [] : [{ className: GREY_CLASS, label: options.greyLabel }]),
  ].map(
    (entry) =>
      html`<li><span class="farbe ${entry.className}"></span>${entry.label}${entry.count === undefined ? '' : html`: ${entry.count}`}</li>`,
  )}</ul>${options.legendNote ? html`<p>${options.legendNote}</p>` : ''}</div>
<p class="quelle">Kartengrundlage: <a href="${BKG_URL}">${BKG_SOURCE}</a></p></div>`;
}
