import t from 'tap';
import type { AnyStateMachine } from 'xstate';
import {
  PARTICIPANT_EVENT_TYPES,
  PARTICIPANT_STAGES,
  SOLUTION_EVENT_TYPES,
  SOLUTION_STAGES,
  TICKET_EVENT_TYPES,
  TICKET_STAGES,
  participantMachine,
  solutionMachine,
  ticketMachine,
} from '../../workflows/index.ts';
import { transitionWords } from '../../src/diagrams/process.layout.ts';
import { escapeText } from '../../src/markup/html.ts';
import { PROCESSES, processDrawing, processFigure, processSvg, type ProcessName } from '../../src/web/process-diagram.blocks.ts';
import { diagramPath, drawnDiagrams, staleDiagrams } from '../../scripts/diagrams.ts';

/**
 * The process diagrams against the machines themselves: every state, event type and guard
 * of each machine in the drawing and in its text alternative, the marked stage, well-formed
 * SVG, and the README's files as the code draws them.
 */

interface NodeLike {
  key: string;
  type: string;
  states: Record<string, NodeLike>;
  transitions: Map<string, unknown[]>;
  always?: unknown[];
}

/** The machine's state nodes, straight from machine.root (not through the walk under test). */
function stateNodes(machine: AnyStateMachine): NodeLike[] {
  const all: NodeLike[] = [];
  const visit = (node: NodeLike) => {
    for (const child of Object.values(node.states)) {
      all.push(child);
      visit(child);
    }
  };
  visit(machine.root as unknown as NodeLike);
  return all;
}

const CASES: { name: ProcessName; machine: AnyStateMachine; stages: readonly string[]; events: readonly string[]; current: string }[] = [
  { name: 'loesung', machine: solutionMachine, stages: SOLUTION_STAGES, events: SOLUTION_EVENT_TYPES, current: 'pilotphase' },
  { name: 'behoerde', machine: participantMachine, stages: PARTICIPANT_STAGES, events: PARTICIPANT_EVENT_TYPES, current: 'eingeladen' },
  { name: 'ticket', machine: ticketMachine, stages: TICKET_STAGES, events: TICKET_EVENT_TYPES, current: 'wartet-auf-kommune' },
];

/** Tags balance, attributes are quoted, every & starts an entity: enough of XML to catch a broken drawing. */
function xmlProblems(text: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  for (let match = tag.exec(text); match; match = tag.exec(text)) {
    const between = text.slice(last, match.index);
    if (between.includes('<') || between.includes('>')) problems.push(`stray angle bracket before ${match[0].slice(0, 40)}`);
    last = tag.lastIndex;
    const [, closing, name, , selfClosing] = match;
    if (selfClosing) continue;
    if (!closing) stack.push(name!);
    else if (stack.pop() !== name) problems.push(`</${name}> closes the wrong element`);
  }
  if (/[<>]/.test(text.slice(last).trim())) problems.push('stray angle bracket at the end');
  if (stack.length) problems.push(`unclosed: ${stack.join(', ')}`);
  for (const amp of text.matchAll(/&(?!(?:amp|lt|gt|quot|#39|#x[0-9a-f]+|#\d+);)/gi)) problems.push(`bare & at ${String(amp.index)}`);
  return problems;
}

for (const { name, machine, stages, events, current } of CASES) {
  t.test(`${name}: the drawing and its table hold the whole machine`, async (t) => {
    const nodes = stateNodes(machine);
    const { model, layout } = processDrawing(name);
    const svg = String(processSvg(name, null));
    const figure = String(processFigure(name, null));
    const words = PROCESSES[name].words;

    t.same(model.states.map((s) => s.key).sort(), nodes.map((n) => n.key).sort(), 'every state node of the machine, none more');
    for (const stage of stages) t.ok(model.states.some((s) => s.key === stage), `stage ${stage} is a state of the drawing`);
    for (const node of nodes) {
      t.match(svg, `data-zustand="${node.key}"`, `state ${node.key} is drawn`);
      if (node.type !== 'history') t.match(figure, escapeText(words(node.key)), `state ${node.key} named in its words`);
    }
    const finals = nodes.filter((n) => n.type === 'final').length;
    t.equal(svg.match(/class="knoten ende/g)?.length ?? 0, finals, 'each final state double-bordered, no other');
    // an initial marker for each state its parent enters first (a compound one enters its own)
    const entered = [machine.root as unknown as NodeLike & { initial?: { target: NodeLike[] } }, ...nodes]
      .flatMap((node) => (node as { initial?: { target: NodeLike[] } }).initial?.target ?? [])
      .filter((target) => target.type !== 'compound');
    t.ok(entered.length >= 1);
    t.equal(svg.match(/class="anfang"/g)?.length ?? 0, entered.length, 'one initial marker per initial state');

    t.same([...model.events].sort(), [...events].sort(), 'the walk finds exactly the event types the machine declares');
    for (const event of events) {
      t.match(svg, event, `${event} in the drawing`);
      t.match(figure, new RegExp(`<td>${event}( \\[|<)`), `${event} in the table`);
    }
    const guards = Object.keys((machine.implementations as { guards: Record<string, unknown> }).guards);
    t.ok(guards.length > 0, 'the machine has named guards');
    for (const guard of guards) {
      t.match(svg, `[${guard}]`, `guard ${guard} in the drawing`);
      t.match(figure, `[${guard}]`, `guard ${guard} in the table`);
    }

    const definedTransitions = nodes.reduce((sum, node) => sum + [...node.transitions.values()].reduce((n, list) => n + list.length, 0) + (node.always?.length ?? 0), 0);
    t.equal(model.transitions.length, definedTransitions, 'one transition per definition of the machine');
    t.equal(figure.match(/<tr><th scope="row">/g)?.length ?? 0, definedTransitions, 'one table row per transition');
    const drawnLines = layout.edges.flatMap((edge) => edge.lines);
    const notes = layout.nodes.flatMap((node) => node.notes);
    for (const transition of model.transitions) {
      const words = transitionWords(transition);
      if (transition.to === null) t.ok(notes.includes(`↻ ${words}`), `${transition.from}: ${words} noted in its box`);
      else t.ok(drawnLines.includes(words), `${transition.from} → ${transition.to}: ${words} on an arrow`);
    }

    t.same(xmlProblems(svg), [], 'the SVG is well-formed');
    t.same(xmlProblems(figure), [], 'the figure is well-formed');
    t.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]* role="img" aria-labelledby="ablauf-\w+-titel ablauf-\w+-beschreibung"/);
    t.match(svg, /<title id="ablauf-\w+-titel">[^<]+<\/title>\s*<desc id="ablauf-\w+-beschreibung">[^<]+<\/desc>/);
    t.notMatch(svg, /style=/, 'no style attribute (strict CSP)');
    t.notMatch(svg, 'aktuell', 'nothing marked without a stage');
  });

  t.test(`${name}: the current stage is marked by class, border and words`, async (t) => {
    const svg = String(processSvg(name, current));
    const marked = svg.match(/<g class="knoten [^"]*aktuell" data-zustand="([^"]+)"><title>([^<]+)<\/title>\s*<rect [^>]*stroke-width="(\d+)"/g) ?? [];
    t.equal(marked.length, 1, 'exactly one box marked');
    t.match(marked[0], `data-zustand="${current}"`);
    t.match(marked[0], 'aktuelle Phase', 'its title says so');
    t.match(marked[0], 'stroke-width="4"', 'a thick border');
    t.match(svg, '▶ aktuelle Phase', 'the words in the box');
    const figure = String(processFigure(name, current));
    t.match(figure, `Aktuelle Phase: ${escapeText(PROCESSES[name].words(current))}.`, 'the summary names it');
    t.match(figure, '<strong>(aktuelle Phase)</strong>', 'the table marks it');
    t.notMatch(String(processSvg(name, 'gibt-es-nicht')), 'aktuell', 'an unknown stage marks nothing');
  });
}

t.test('the XML check itself finds broken markup', async (t) => {
  t.same(xmlProblems('<svg><g><text>a &amp; b</text></g></svg>'), []);
  t.ok(xmlProblems('<svg><g></svg>').length > 0, 'unbalanced');
  t.ok(xmlProblems('<svg><text>a & b</text></svg>').length > 0, 'bare ampersand');
  t.ok(xmlProblems('<svg><rect x=1/></svg>').length > 0, 'unquoted attribute');
});

t.test('the README files are what the code draws; the check sees a stale one', async (t) => {
  t.same(staleDiagrams(), [], 'workflows/diagrams/*.svg current – otherwise run npm run diagrams');
  const drawn = drawnDiagrams();
  t.equal(drawn.size, 3);
  const changed = diagramPath('behoerde');
  t.same(staleDiagrams((path) => (path === changed ? drawn.get(path)!.replace('EINLADEN', 'EINLADUNG') : (drawn.get(path) ?? null))), [changed]);
  t.same(staleDiagrams(() => null).length, 3, 'missing files are stale');
  for (const content of drawn.values()) t.same(xmlProblems(content), []);
});
