import type Dagre from '@dagrejs/dagre';
import { createRequire } from 'node:module';
import { monoWidth, textWidth, wrap } from './process.measure.ts';
import type { ProcessModel, ProcessState, ProcessTransition } from './process.walk.ts';

/**
 * Where the boxes and arrows of a process diagram go, computed once per process with
 * dagre. What the walk found is drawn as it is, with three simplifications for reading:
 * transitions that keep the state are notes in its box, transitions between the same two
 * states share one arrow (one label line each), and a transition that many states share
 * (ABLEHNEN from every open stage) starts once from a box naming those states.
 */

export const FONT_SIZE = { label: 14, key: 11, note: 11, edge: 11 } as const;
const LINE = { label: 18, key: 14, note: 14, edge: 14 } as const;
const PAD = 10;
/** From how many states on a shared transition is drawn from one box. */
const COMPACT_FROM = 5;

/** The words a process shows for a state; the key where none is given. */
export type StateWords = (key: string) => string;

export interface LaidOutNode {
  id: string;
  kind: 'state' | 'final' | 'history' | 'collector' | 'start';
  /** The state's key (states and history); '' for drawn-only nodes. */
  key: string;
  lines: string[];
  /** The small line below the words (the key in code); '' for none. */
  small: string;
  notes: string[];
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface LaidOutCluster {
  key: string;
  title: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface LaidOutEdge {
  from: string;
  to: string;
  /** One per transition: "EVENT [guard]". */
  lines: string[];
  /** The label as drawn: a long line broken before its guard. */
  rows: string[];
  points: { x: number; y: number }[];
  label: { x: number; y: number; width: number; height: number } | null;
}

export interface ProcessLayout {
  width: number;
  height: number;
  nodes: LaidOutNode[];
  clusters: LaidOutCluster[];
  edges: LaidOutEdge[];
}

/** An arrow's label lines, each longer one broken before its guard so that arrows stay narrow. */
export function labelRows(lines: readonly string[]): string[] {
  return lines.flatMap((line) => {
    const cut = line.indexOf(' [');
    return line.length > 26 && cut > 0 ? [line.slice(0, cut), line.slice(cut + 1)] : [line];
  });
}

/** "EVENT [guard]" as the labels and the text alternative write a transition. */
export function transitionWords(transition: ProcessTransition): string {
  const guard = transition.guard ? ` [${transition.guard}]` : '';
  if (transition.kind === 'after') return `nach Frist „${transition.event}“${guard}`;
  if (transition.kind === 'always') return `sofort${guard}`;
  return `${transition.event}${guard}`;
}

function nodeSize(lines: readonly string[], key: string, notes: readonly string[], extra = 0) {
  const widths = [
    ...lines.map((line) => textWidth(line, FONT_SIZE.label)),
    key ? monoWidth(key, FONT_SIZE.key) : 0,
    ...notes.map((note) => textWidth(note, FONT_SIZE.note)),
  ];
  return {
    width: Math.max(90, ...widths) + 2 * (PAD + extra),
    height: lines.length * LINE.label + (key ? LINE.key : 0) + notes.length * LINE.note + 2 * PAD + extra,
  };
}

const isOpen = (state: ProcessState) => state.kind === 'atomic';

/** The collector's words: the shorter of naming the states and naming the open states it leaves out. */
function collectorText(sources: readonly string[], states: readonly ProcessState[], words: StateWords): string {
  const open = states.filter(isOpen).map((state) => state.key);
  const missing = open.filter((key) => !sources.includes(key));
  if (missing.length === 0) return 'aus jeder offenen Phase';
  if (missing.length < sources.length) return `aus jeder offenen Phase außer: ${missing.map(words).join(', ')}`;
  return `aus: ${sources.map(words).join(', ')}`;
}

/** dagre (~50 modules) is loaded with the first drawing, not when a page module is: each process is laid out once, on the first page that shows it. */
let loadedDagre: typeof Dagre | undefined;
const dagreLibrary = () => (loadedDagre ??= createRequire(import.meta.url)('@dagrejs/dagre') as typeof Dagre);

export function layoutProcess(model: ProcessModel, words: StateWords): ProcessLayout {
  const dagre = dagreLibrary();
  const graph = new dagre.graphlib.Graph({ compound: true, multigraph: true });
  graph.setGraph({ rankdir: 'TB', nodesep: 28, ranksep: 44, edgesep: 14, marginx: 12, marginy: 12 });
  const byKey = new Map(model.states.map((state) => [state.key, state]));
  const children = (key: string) => model.states.filter((state) => state.parent === key && state.kind !== 'history');

  // 1. transitions that keep the state: notes in its box
  const notes = new Map<string, string[]>();
  for (const transition of model.transitions.filter((t) => t.to === null)) {
    (notes.get(transition.from) ?? notes.set(transition.from, []).get(transition.from)!).push(`↻ ${transitionWords(transition)}`);
  }

  // 2. boxes for the states, clusters for compound states
  const nodes: LaidOutNode[] = [];
  const clusterKeys: string[] = [];
  for (const state of model.states) {
    if (state.kind === 'compound') {
      clusterKeys.push(state.key);
      graph.setNode(state.key, {});
    } else {
      const history = state.kind === 'history';
      const lines = history ? ['zuletzt aktive Phase'] : wrap(words(state.key), 24);
      // the key in small print below the words, unless the words are the key
      const key = history ? `H (${state.key})` : words(state.key) === state.key ? '' : state.key;
      const stateNotes = notes.get(state.key) ?? [];
      const size = nodeSize(lines, key, stateNotes, state.kind === 'final' ? 8 : 0);
      const node: LaidOutNode = { id: state.key, kind: history ? 'history' : state.kind === 'final' ? 'final' : 'state', key: state.key, lines, small: key, notes: stateNotes, x: 0, y: 0, ...size };
      nodes.push(node);
      graph.setNode(node.id, { width: node.width, height: node.height });
    }
    if (state.parent !== null) graph.setParent(state.key, state.parent);
    if (state.initial && state.kind !== 'compound') {
      const start: LaidOutNode = { id: `start:${state.key}`, kind: 'start', key: '', lines: [], small: '', notes: [], x: 0, y: 0, width: 14, height: 14 };
      nodes.push(start);
      graph.setNode(start.id, { width: start.width, height: start.height });
      if (state.parent !== null) graph.setParent(start.id, state.parent);
    }
  }

  // 3. shared transitions from many states: one box naming them
  const moving = model.transitions.filter((t) => t.to !== null);
  const sourcesOf = new Map<string, string[]>();
  // a compound state's own transitions form a group of their own
  const groupId = (t: ProcessTransition) => `${byKey.get(t.from)?.kind === 'compound' ? t.from : ''}|${t.kind}|${t.event}|${t.guard ?? ''}|${t.to}`;
  for (const t of moving) {
    const id = groupId(t);
    (sourcesOf.get(id) ?? sourcesOf.set(id, []).get(id)!).push(t.from);
  }
  const collectorOf = new Map<string, string>();
  const addCollector = (id: string, sources: readonly string[], text: string) => {
    const collector = `sammel:${[...sources].sort().join(',')}`;
    if (!graph.hasNode(collector)) {
      const lines = wrap(text, 30);
      const size = nodeSize(lines, '', []);
      nodes.push({ id: collector, kind: 'collector', key: '', lines, small: '', notes: [], x: 0, y: 0, ...size });
      graph.setNode(collector, { width: size.width, height: size.height });
    }
    collectorOf.set(id, collector);
  };
  for (const [id, sources] of sourcesOf) {
    const compound = sources.length === 1 ? byKey.get(sources[0]!) : undefined;
    if (compound?.kind === 'compound') {
      // a compound state's own transitions hold in each state inside it
      addCollector(id, sources, `aus jeder Phase in „${words(compound.key)}“: ${children(compound.key).map((s) => words(s.key)).join(', ')}`);
    } else if (sources.length >= COMPACT_FROM) {
      addCollector(id, sources, collectorText(sources, model.states, words));
    }
  }

  // 4. one arrow per pair of boxes, one label line per transition
  const arrows = new Map<string, { from: string; to: string; lines: string[] }>();
  for (const t of moving) {
    const id = groupId(t);
    const from = collectorOf.get(id) ?? t.from;
    const pair = `${from}→${t.to}`;
    const arrow = arrows.get(pair) ?? arrows.set(pair, { from, to: t.to!, lines: [] }).get(pair)!;
    const line = transitionWords(t);
    if (!arrow.lines.includes(line)) arrow.lines.push(line);
  }
  for (const state of model.states.filter((s) => s.initial && s.kind !== 'compound')) arrows.set(`start:${state.key}`, { from: `start:${state.key}`, to: state.key, lines: [] });

  // dagre lays out no arrow that starts or ends at a cluster: it is anchored at a state
  // inside (the last for leaving, the first for entering) and cut at the cluster's border
  const anchor = (key: string, leaving: boolean): string => {
    const state = byKey.get(key);
    if (!state || state.kind !== 'compound') return key;
    const inner = children(key);
    const pick = leaving ? inner[inner.length - 1] : (inner.find((s) => s.initial) ?? inner[0]);
    return pick ? anchor(pick.key, leaving) : key;
  };
  let index = 0;
  const edgeNames: { name: string; from: string; to: string; lines: string[] }[] = [];
  for (const arrow of arrows.values()) {
    const name = `e${String(index++)}`;
    const rows = labelRows(arrow.lines);
    const label = rows.length ? { width: Math.max(...rows.map((l) => monoWidth(l, FONT_SIZE.edge))) + 8, height: rows.length * LINE.edge + 4, labelpos: 'c' } : { width: 0, height: 0 };
    graph.setEdge(anchor(arrow.from, true), anchor(arrow.to, false), { ...label, minlen: 1 }, name);
    edgeNames.push({ name, ...arrow });
  }

  dagre.layout(graph);

  for (const node of nodes) {
    const placed = graph.node(node.id);
    node.x = placed.x;
    node.y = placed.y;
  }
  const clusters: LaidOutCluster[] = clusterKeys.map((key) => {
    const placed = graph.node(key);
    return { key, title: words(key), x: placed.x, y: placed.y, width: placed.width, height: placed.height };
  });
  const clusterOf = new Map(clusters.map((cluster) => [cluster.key, cluster]));
  const edges: LaidOutEdge[] = [];
  for (const edge of edgeNames) {
    const stored = graph.edges().find((e) => e.name === edge.name)!;
    const label = graph.edge(stored) as { points: { x: number; y: number }[]; x?: number; y?: number; width: number; height: number };
    let points = label.points;
    const fromCluster = clusterOf.get(edge.from);
    if (fromCluster) points = cutLeaving(points, fromCluster);
    const toCluster = clusterOf.get(edge.to);
    if (toCluster) points = cutLeaving([...points].reverse(), toCluster).reverse();
    edges.push({
      from: edge.from,
      to: edge.to,
      lines: edge.lines,
      rows: labelRows(edge.lines),
      points,
      label: edge.lines.length && label.x !== undefined && label.y !== undefined ? { x: label.x, y: label.y, width: label.width, height: label.height } : null,
    });
  }
  const size = graph.graph() as { width?: number; height?: number };
  return { width: Math.ceil(size.width ?? 0), height: Math.ceil(size.height ?? 0), nodes, clusters, edges };
}

type Box = { x: number; y: number; width: number; height: number };
const inside = (p: { x: number; y: number }, box: Box) => Math.abs(p.x - box.x) < box.width / 2 && Math.abs(p.y - box.y) < box.height / 2;

/** The points of a path that starts inside the box, from where it crosses the box's border. */
function cutLeaving(points: { x: number; y: number }[], box: Box): { x: number; y: number }[] {
  const first = points.findIndex((p) => !inside(p, box));
  if (first <= 0) return points;
  const a = points[first - 1]!;
  const b = points[first]!;
  // the crossing on the segment a→b, by halving
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 24; i++) {
    const mid = (lo + hi) / 2;
    if (inside({ x: a.x + (b.x - a.x) * mid, y: a.y + (b.y - a.y) * mid }, box)) lo = mid;
    else hi = mid;
  }
  return [{ x: a.x + (b.x - a.x) * hi, y: a.y + (b.y - a.y) * hi }, ...points.slice(first)];
}
