import { html, type Html } from '../markup/html.ts';
import { FONT_SIZE, type LaidOutEdge, type LaidOutNode, type ProcessLayout } from './process.layout.ts';

/**
 * A laid-out process as SVG. Colours are presentation attributes (fill, stroke), which a
 * strict Content-Security-Policy allows and which hold in a file of their own (README) as
 * on a page; the classes (zustand, ende, aktuell …) are hooks for tests and style sheets.
 * The current stage is marked three ways: class, a thick dark border and the words
 * "aktuelle Phase" in the box and its title.
 */

export interface SvgOptions {
  /** Unique on the page: prefixes the ids of title, description and arrowhead. */
  id: string;
  title: string;
  description: string;
  /** The key of the state to highlight; null for none. */
  current: string | null;
}

const COLOUR = {
  text: '#1b1b1b',
  muted: '#555555',
  box: '#eef4fb',
  border: '#2f5f8f',
  final: '#e7f3ea',
  finalBorder: '#2e6b3f',
  collector: '#f4f4f4',
  edge: '#4a4a4a',
  current: '#fff3c4',
  currentBorder: '#0b0b0b',
} as const;

const n = (value: number) => String(Math.round(value * 10) / 10);

/** A smooth path through dagre's points: straight ends, rounded bends. */
function pathOf(points: readonly { x: number; y: number }[]): string {
  const [first, ...rest] = points;
  if (!first) return '';
  let d = `M${n(first.x)},${n(first.y)}`;
  for (let i = 0; i < rest.length - 1; i++) {
    const p = rest[i]!;
    const q = rest[i + 1]!;
    d += ` Q${n(p.x)},${n(p.y)} ${n((p.x + q.x) / 2)},${n((p.y + q.y) / 2)}`;
  }
  const last = rest[rest.length - 1];
  if (last) d += ` L${n(last.x)},${n(last.y)}`;
  return d;
}

function textLines(lines: readonly string[], x: number, top: number, lineHeight: number, size: number, attrs: { fill: string; weight?: string; family?: string }): Html[] {
  return lines.map(
    (line, i) =>
      html`<text x="${n(x)}" y="${n(top + (i + 1) * lineHeight - 4)}" text-anchor="middle" font-size="${String(size)}" fill="${attrs.fill}"${attrs.weight ? html` font-weight="${attrs.weight}"` : ''}${attrs.family ? html` font-family="${attrs.family}"` : ''}>${line}</text>`,
  );
}

function nodeSvg(node: LaidOutNode, current: string | null): Html {
  const left = node.x - node.width / 2;
  const top = node.y - node.height / 2;
  if (node.kind === 'start') {
    return html`<g class="anfang"><title>Anfang</title><circle cx="${n(node.x)}" cy="${n(node.y)}" r="7" fill="${COLOUR.text}"/></g>`;
  }
  const isCurrent = node.key !== '' && node.key === current && node.kind !== 'history';
  const fill = isCurrent ? COLOUR.current : node.kind === 'final' ? COLOUR.final : node.kind === 'collector' ? COLOUR.collector : COLOUR.box;
  const stroke = isCurrent ? COLOUR.currentBorder : node.kind === 'final' ? COLOUR.finalBorder : node.kind === 'collector' ? COLOUR.muted : COLOUR.border;
  const classes = ['knoten', node.kind === 'final' ? 'ende' : node.kind === 'collector' ? 'sammel' : node.kind === 'history' ? 'verlauf' : 'zustand', isCurrent ? 'aktuell' : ''].filter(Boolean).join(' ');
  const marker = isCurrent ? ['▶ aktuelle Phase'] : [];
  const height = node.height + (isCurrent ? 16 : 0);
  const boxTop = top - (isCurrent ? 8 : 0);
  const title = `${node.lines.join(' ')}${node.kind === 'final' ? ' (Endzustand)' : ''}${isCurrent ? ' – aktuelle Phase' : ''}`;
  const round = node.kind === 'history' ? Math.min(node.height / 2, 18) : 10;
  let y = boxTop + 6 + (node.kind === 'final' ? 4 : 0);
  const parts: Html[] = [];
  if (isCurrent) {
    parts.push(...textLines(marker, node.x, y, 16, FONT_SIZE.note, { fill: COLOUR.text, weight: '700' }));
    y += 16;
  }
  parts.push(...textLines(node.lines, node.x, y, 18, FONT_SIZE.label, { fill: COLOUR.text, weight: node.kind === 'collector' ? undefined : '600' }));
  y += node.lines.length * 18;
  if (node.small) {
    parts.push(...textLines([node.small], node.x, y, 14, FONT_SIZE.key, { fill: COLOUR.muted, family: 'monospace' }));
    y += 14;
  }
  parts.push(...textLines(node.notes, node.x, y, 14, FONT_SIZE.note, { fill: COLOUR.text }));
  return html`<g class="${classes}" data-zustand="${node.key}"><title>${title}</title>
<rect x="${n(left)}" y="${n(boxTop)}" width="${n(node.width)}" height="${n(height)}" rx="${String(round)}" fill="${fill}" stroke="${stroke}" stroke-width="${isCurrent ? '4' : '1.5'}"${node.kind === 'collector' ? html` stroke-dasharray="5 3"` : ''}/>
${node.kind === 'final' ? html`<rect x="${n(left + 4)}" y="${n(boxTop + 4)}" width="${n(node.width - 8)}" height="${n(height - 8)}" rx="7" fill="none" stroke="${stroke}" stroke-width="1.5"/>` : ''}
${parts}</g>`;
}

function edgeSvg(edge: LaidOutEdge, arrowId: string): Html {
  const label = edge.label
    ? html`<rect x="${n(edge.label.x - edge.label.width / 2)}" y="${n(edge.label.y - edge.label.height / 2)}" width="${n(edge.label.width)}" height="${n(edge.label.height)}" fill="#ffffff" fill-opacity="0.9"/>
${textLines(edge.rows, edge.label.x, edge.label.y - edge.label.height / 2 + 2, 14, FONT_SIZE.edge, { fill: COLOUR.text, family: 'monospace' })}`
    : '';
  return html`<g class="kante">${edge.lines.length ? html`<title>${edge.lines.join(', ')}</title>` : ''}<path d="${pathOf(edge.points)}" fill="none" stroke="${COLOUR.edge}" stroke-width="1.4" marker-end="url(#${arrowId})"/>
${label}</g>`;
}

export function renderProcessSvg(layout: ProcessLayout, options: SvgOptions): Html {
  const arrowId = `${options.id}-pfeil`;
  const clusters = layout.clusters.map(
    (cluster) => html`<g class="gruppe" data-zustand="${cluster.key}"><title>${cluster.title}</title><rect x="${n(cluster.x - cluster.width / 2)}" y="${n(cluster.y - cluster.height / 2)}" width="${n(cluster.width)}" height="${n(cluster.height)}" rx="14" fill="#fafafa" stroke="${COLOUR.border}" stroke-width="1.5" stroke-dasharray="8 4"/>
<text x="${n(cluster.x - cluster.width / 2 + 10)}" y="${n(cluster.y - cluster.height / 2 + 16)}" font-size="${String(FONT_SIZE.label)}" font-weight="700" fill="${COLOUR.text}">${cluster.title} (${cluster.key})</text></g>`,
  );
  const pad = 10;
  const width = layout.width + 2 * pad;
  const height = layout.height + 2 * pad;
  return html`<svg xmlns="http://www.w3.org/2000/svg" class="ablauf-grafik" viewBox="${n(-pad)} ${n(-pad)} ${n(width)} ${n(height)}" width="${n(width)}" height="${n(height)}" role="img" aria-labelledby="${options.id}-titel ${options.id}-beschreibung" font-family="sans-serif">
<title id="${options.id}-titel">${options.title}</title>
<desc id="${options.id}-beschreibung">${options.description}</desc>
<defs><marker id="${arrowId}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${COLOUR.edge}"/></marker></defs>
<rect x="${n(-pad)}" y="${n(-pad)}" width="${n(width)}" height="${n(height)}" fill="#ffffff"/>
${clusters}
${layout.edges.map((edge) => edgeSvg(edge, arrowId))}
${layout.nodes.map((node) => nodeSvg(node, options.current))}
</svg>`;
}
