import t from 'tap';
import { readFileSync } from 'node:fs';
import { geoArea, geoContains, type GeoPermissibleObjects } from 'd3-geo';
import { readDirectoryText } from '../../src/directory/directory.read.ts';
import { FIXTURE_DIRECTORY } from '../../src/runtime.ts';
import { areaOfAuthority } from '../../src/map/authority-area.ts';
import { brandenburgShapes, readShapeFeatures, SHAPES_FILE } from '../../src/map/brandenburg.shapes.ts';
import { BKG_SOURCE, BKG_URL, renderBrandenburgMap } from '../../src/map/map.render.ts';
import { escapeText } from '../../src/markup/html.ts';

/**
 * The map's geometry and renderer without a server: the rings read the way d3-geo wants
 * them (the Land is a small part of the globe, Berlin a hole in it), every Kreis has a
 * path, every key of the Brandenburg directory fixture finds its area (but the two the
 * data's README names), the paths stay small, and the renderer escapes what it is given.
 */

const features = readShapeFeatures(readFileSync(SHAPES_FILE, 'utf8'));
const land = features.find((f) => f.properties.ebene === 'land')! as unknown as GeoPermissibleObjects;
const BERLIN_ALEXANDERPLATZ: [number, number] = [13.41, 52.52];
const POTSDAM: [number, number] = [13.06, 52.4];
const COTTBUS: [number, number] = [14.33, 51.76];

t.test('rings reversed for d3-geo: the Land is a small part of the globe, with Berlin as a hole', async (t) => {
  const share = geoArea(land) / (4 * Math.PI);
  t.ok(share > 0 && share < 0.0001, `Brandenburg's ~29,500 km² are ~0.006 % of the globe (got ${share})`);
  const asInFile = JSON.parse(readFileSync(SHAPES_FILE, 'utf8')).features.find((f: { properties: { ebene: string } }) => f.properties.ebene === 'land');
  t.ok(geoArea(asInFile) / (4 * Math.PI) > 0.99, 'unreversed, d3-geo would take the globe minus Brandenburg');
  t.notOk(geoContains(land, BERLIN_ALEXANDERPLATZ), 'Berlin is not in the Land');
  t.ok(geoContains(land, POTSDAM), 'Potsdam is');
  t.ok(geoContains(land, COTTBUS), 'Cottbus is');
  for (const f of features) {
    const area = geoArea(f as unknown as GeoPermissibleObjects) / (4 * Math.PI);
    if (!(area > 0 && area < 0.0001)) t.fail(`${f.properties.ebene} ${f.properties.ars}: area share ${area}`);
  }
});

t.test('18 Kreise with paths, names and labels inside the map; the shapes are computed once', async (t) => {
  const shapes = brandenburgShapes();
  t.equal(brandenburgShapes(), shapes, 'cached: the same object on the second call');
  t.equal(shapes.kreise.length, 18);
  t.equal(shapes.kreise.filter((k) => k.bezeichnung === 'Kreisfreie Stadt').length, 4);
  for (const kreis of shapes.kreise) t.match(kreis.path, /^M[0-9.]+,[0-9.]+L/, `${kreis.name}: a path`);
  t.equal(shapes.kreisLabels.length, 18);
  for (const label of [...shapes.kreisLabels, shapes.berlin]) {
    t.ok(label.x > 0 && label.x < shapes.width && label.y > 0 && label.y < shapes.height, `label at ${label.x},${label.y} inside the viewBox`);
  }
  t.match(shapes.kreisLabels.map((l) => l.name), ['Brandenburg an der Havel', 'Cottbus', 'Frankfurt (Oder)', 'Potsdam', 'Barnim']);
  // a Landkreis around a city (Spree-Neiße around Cottbus) has its centroid in the city: its name goes elsewhere
  const labels = [...shapes.kreisLabels, { name: 'Berlin', ...shapes.berlin }];
  for (const a of labels) {
    for (const b of labels) {
      if (a !== b && Math.hypot(a.x - b.x, a.y - b.y) < 30) t.fail(`${a.name} and ${b.name} are written over each other`);
    }
  }
  t.ok(/[0-9]\.[0-9][,L]/.test(shapes.kreise[0]!.path) && !/\.[0-9]{2}/.test(shapes.kreisBorders), 'one decimal, never two');
  const tiling = shapes.verwaltungen.reduce((n, s) => n + s.path.length, 0) + shapes.kreisBorders.length;
  t.ok(tiling < 150_000, `administrations plus Kreis borders: ${tiling} characters`);
  t.equal(shapes.verwaltungen.filter((s) => s.ebene === 'amt').length, 52, 'every Amt tiles the Land');
  t.notOk(shapes.verwaltungen.some((s) => s.ars === '120625202219'), 'not the Gemeinden inside an Amt');
  t.ok(shapes.verwaltungen.some((s) => s.ars === '120625031024'), 'the Verbandsgemeinde’s Ortsgemeinden (it has no shape)');
});

t.test('every key of the Brandenburg directory fixture has its area, except the two documented ones', async (t) => {
  const shapes = brandenburgShapes();
  const { entries } = readDirectoryText(readFileSync(FIXTURE_DIRECTORY));
  t.equal(entries.length, 484);
  const notOwn = new Map<string, string>();
  for (const entry of entries) {
    const area = areaOfAuthority(shapes, entry, entry.kind === 'landkreis' ? 'kreis' : 'verwaltung');
    if (area.drawnAs !== 'own') notOwn.set(entry.ars, area.drawnAs);
    else if (area.shapes[0]!.ars !== entry.ars) t.fail(`${entry.ars}: drawn as ${area.shapes[0]!.ars}`);
  }
  t.same(Object.fromEntries(notOwn), { '120625031000': 'members', '120735310505': 'none' });
  const liebenwerda = areaOfAuthority(shapes, { ars: '120625031000', kind: 'verbandsgemeinde' }, 'verwaltung');
  t.same(liebenwerda.shapes.map((s) => s.name).sort(), ['Bad Liebenwerda', 'Falkenberg/Elster', 'Mühlberg/Elbe', 'Uebigau-Wahrenbrück']);
  t.equal(areaOfAuthority(shapes, { ars: '120510000000', kind: 'kreisfreie_stadt' }, 'kreis').shapes[0]!.ebene, 'kreis');
  t.equal(areaOfAuthority(shapes, { ars: '120510000000', kind: 'kreisfreie_stadt' }, 'verwaltung').shapes[0]!.ebene, 'gemeinde');
  t.equal(areaOfAuthority(shapes, { ars: '120625202000', kind: 'amt' }, 'verwaltung').shapes[0]!.ebene, 'amt');
});

t.test('the renderer: escaped names, grey where no area lies, links, legend, source line', async (t) => {
  const shapes = brandenburgShapes();
  const barnim = shapes.find('kreis', '120600000000')!;
  const body = String(
    renderBrandenburgMap([{ shapes: [barnim], className: 'stufe-live', href: '/a?x=1&y="2"', title: '<script>alert("x")</script> & Co' }], {
      labelledBy: 'k',
      grey: 'kreise',
      greyLabel: 'nicht beteiligt <b>',
      legend: [{ className: 'stufe-live', label: 'live <i>', count: 1 }],
    }),
  );
  t.notOk(/<script>|<b>|<i>/.test(body), 'no markup from the values');
  t.ok(body.includes(`<title>${escapeText('<script>alert("x")</script> & Co')}</title>`), 'the title escaped');
  t.ok(body.includes(`href="${escapeText('/a?x=1&y="2"')}"`), 'the link escaped');
  t.equal(body.match(/<path class="grau"/g)?.length, 17, 'the other 17 Kreise grey');
  t.equal(body.match(/<a href=/g)?.length, 2, 'one area link and the source link');
  t.ok(body.includes(`<a href="${BKG_URL}">${BKG_SOURCE}</a>`), 'the source line, linked');
  t.ok(/role="group" aria-labelledby="k"/.test(body), 'named by the heading');
  t.ok(/<text class="berlin"[^>]*>Berlin<\/text>/.test(body), 'Berlin named in its hole');
  t.ok(body.includes(`${escapeText('live <i>')}: 1</li>`), 'legend in words with its count');
  t.notOk(/style=/.test(body), 'no style attribute (CSP)');

  const verwaltung = String(
    renderBrandenburgMap([{ shapes: [barnim], className: 'stufe-live', href: '/k', title: 'Barnim' }], { labelledBy: 'k', grey: 'verwaltungen', greyLabel: 'x', legend: [] }),
  );
  const greyInBarnim = [...verwaltung.matchAll(/<path class="grau" d="[^"]*"><title>([^<]*)<\/title>/g)];
  const barnimOnes = shapes.verwaltungen.filter((s) => s.ars.startsWith('12060')).length;
  t.equal(greyInBarnim.length, shapes.verwaltungen.length - barnimOnes, 'a Kreis that is an area shows through: none of its administrations grey');
});
