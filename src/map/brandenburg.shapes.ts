import { readFileSync } from 'node:fs';
import { geoConicConformal, geoContains, geoPath, type GeoConicProjection, type GeoPermissibleObjects } from 'd3-geo';

/**
 * Brandenburg's outlines (fixtures/vg5000-brandenburg.geojson, BKG VG5000, Stand
 * 01.01.2021) as SVG paths: read, projected and turned into path strings once per process,
 * the first time a map is drawn; every later map only joins colours to them.
 *
 * The file orders rings as RFC 7946 does (exterior counter-clockwise); d3-geo reads a
 * ring's inside on its right, so each ring is reversed – otherwise every area would be
 * the globe minus the area. Projection: Lambert conformal conic with standard parallels
 * framing Brandenburg (as German state maps use), fitted to a fixed width.
 */

export const SHAPES_FILE = new URL('../../fixtures/vg5000-brandenburg.geojson', import.meta.url);

export type Ebene = 'land' | 'kreis' | 'amt' | 'gemeinde';

export interface Shape {
  readonly ebene: Ebene;
  readonly ars: string;
  readonly name: string;
  /** Stadt, Gemeinde, Amt, Landkreis, Kreisfreie Stadt … as the file names it. */
  readonly bezeichnung: string;
  /** The SVG path, coordinates in the map's viewBox, one decimal. */
  readonly path: string;
}

export interface KreisLabel {
  readonly ars: string;
  readonly name: string;
  readonly x: number;
  readonly y: number;
}

export interface BrandenburgShapes {
  readonly width: number;
  readonly height: number;
  /** The 14 Landkreise and 4 kreisfreie Städte. */
  readonly kreise: readonly Shape[];
  /**
   * The administrations' areas that tile the Land: every Amt and every Gemeinde that
   * belongs to no Amt (amtsfreie Gemeinden, kreisfreie Städte, the members of a
   * Gemeindeverband without a shape of its own) – the Gemeinde-level addressees.
   */
  readonly verwaltungen: readonly Shape[];
  /** All Kreis borders as one path (drawn on top). */
  readonly kreisBorders: string;
  readonly kreisLabels: readonly KreisLabel[];
  /** Where Berlin's name goes: the middle of the hole. */
  readonly berlin: { readonly x: number; readonly y: number };
  /** A shape by level and key; undefined: the file has none. */
  find(ebene: Ebene, ars: string): Shape | undefined;
  /** The Gemeinden whose ARS carries the Gemeindeverband part of `verbandArs` (its first 9 digits). */
  membersOf(verbandArs: string): readonly Shape[];
  isVerwaltung(shape: Shape): boolean;
}

interface Feature {
  type: 'Feature';
  properties: { ebene: Ebene; ars: string; name: string; bezeichnung: string };
  geometry: { type: 'MultiPolygon'; coordinates: number[][][][] } | { type: 'Polygon'; coordinates: number[][][] };
}

const WIDTH = 800;
const MARGIN = 4;
/** Berlin's centre (Alexanderplatz), longitude and latitude. */
const BERLIN: [number, number] = [13.41, 52.52];

/** The features with every ring reversed, as d3-geo reads them (exterior clockwise). */
export function readShapeFeatures(text: string): Feature[] {
  const collection = JSON.parse(text) as { features: Feature[] };
  const reverse = (ring: number[][]) => [...ring].reverse();
  return collection.features.map((feature) => ({
    ...feature,
    geometry:
      feature.geometry.type === 'MultiPolygon'
        ? { type: 'MultiPolygon', coordinates: feature.geometry.coordinates.map((polygon) => polygon.map(reverse)) }
        : { type: 'Polygon', coordinates: feature.geometry.coordinates.map(reverse) },
  }));
}

const GRID = 24;

/**
 * Where a Kreis's name goes: its centroid, unless that lies outside it – a Landkreis
 * around a kreisfreie Stadt (Spree-Neiße around Cottbus) has its centroid in the city –;
 * then the point of a grid over it that is farthest from its outline.
 */
function labelPoint(feature: Feature, projection: GeoConicProjection): [number, number] {
  const object = feature as GeoPermissibleObjects;
  const path = geoPath(projection);
  const centroid = path.centroid(object);
  const inside = (point: [number, number]) => {
    const lonLat = projection.invert?.(point);
    return lonLat ? geoContains(object, lonLat) : false;
  };
  if (inside(centroid)) return centroid;
  const polygons = feature.geometry.type === 'MultiPolygon' ? feature.geometry.coordinates : [feature.geometry.coordinates];
  const outline = polygons.flat(2).map((point) => projection(point as [number, number])!);
  const [[x0, y0], [x1, y1]] = path.bounds(object);
  let best = centroid;
  let bestDistance = -1;
  for (let i = 0; i < GRID; i++) {
    for (let j = 0; j < GRID; j++) {
      const point: [number, number] = [x0 + ((x1 - x0) * (i + 0.5)) / GRID, y0 + ((y1 - y0) * (j + 0.5)) / GRID];
      if (!inside(point)) continue;
      const distance = Math.min(...outline.map(([x, y]) => (x - point[0]) ** 2 + (y - point[1]) ** 2));
      if (distance > bestDistance) [best, bestDistance] = [point, distance];
    }
  }
  return best;
}

function buildShapes(features: Feature[]): BrandenburgShapes {
  const land = features.find((f) => f.properties.ebene === 'land');
  if (!land) throw new Error(`${SHAPES_FILE.pathname}: the Land's outline is missing`);
  const projection = geoConicConformal()
    .parallels([51.5, 53.5])
    .rotate([-13.3, 0])
    .fitWidth(WIDTH - 2 * MARGIN, land as GeoPermissibleObjects);
  const [tx, ty] = projection.translate();
  projection.translate([tx + MARGIN, ty + MARGIN]);
  const path = geoPath(projection).digits(1);
  const height = Math.ceil(path.bounds(land as GeoPermissibleObjects)[1][1] + MARGIN);

  const byKey = new Map<string, Shape>();
  const all: Shape[] = [];
  for (const feature of features) {
    const { ebene, ars, name, bezeichnung } = feature.properties;
    const shape: Shape = { ebene, ars, name, bezeichnung, path: path(feature as GeoPermissibleObjects) ?? '' };
    byKey.set(`${ebene}:${ars}`, shape);
    all.push(shape);
  }
  const kreise = all.filter((s) => s.ebene === 'kreis');
  const amtPrefixes = new Set(all.filter((s) => s.ebene === 'amt').map((s) => s.ars.slice(0, 9)));
  const verwaltungen = all.filter((s) => s.ebene === 'amt' || (s.ebene === 'gemeinde' && !amtPrefixes.has(s.ars.slice(0, 9))));
  const verwaltungKeys = new Set(verwaltungen.map((s) => `${s.ebene}:${s.ars}`));
  const round = (n: number) => Math.round(n);
  const kreisLabels = kreise.map((kreis) => {
    const feature = features.find((f) => f.properties.ebene === 'kreis' && f.properties.ars === kreis.ars)!;
    const [x, y] = labelPoint(feature, projection);
    return { ars: kreis.ars, name: kreis.name, x: round(x), y: round(y) };
  });
  const [bx, by] = projection(BERLIN) ?? [0, 0];
  return {
    width: WIDTH,
    height,
    kreise,
    verwaltungen,
    kreisBorders: kreise.map((k) => k.path).join(''),
    kreisLabels,
    berlin: { x: round(bx), y: round(by) },
    find: (ebene, ars) => byKey.get(`${ebene}:${ars}`),
    membersOf: (verbandArs) => all.filter((s) => s.ebene === 'gemeinde' && s.ars.slice(0, 9) === verbandArs.slice(0, 9) && s.ars !== verbandArs),
    isVerwaltung: (shape) => verwaltungKeys.has(`${shape.ebene}:${shape.ars}`),
  };
}

let cached: BrandenburgShapes | undefined;

/** The shapes, read and projected on the first call, the same object on every later one. */
export function brandenburgShapes(): BrandenburgShapes {
  cached ??= buildShapes(readShapeFeatures(readFileSync(SHAPES_FILE, 'utf8')));
  return cached;
}
