import type { AnyStateMachine } from 'xstate';
import { participantMachine, solutionMachine, ticketMachine } from '../../workflows/index.ts';
import { layoutProcess, type ProcessLayout, type StateWords } from '../diagrams/process.layout.ts';
import { renderProcessSvg } from '../diagrams/process.svg.ts';
import { processSummary, renderProcessTable } from '../diagrams/process.text.ts';
import { walkMachine, type ProcessModel } from '../diagrams/process.walk.ts';
import { html, type Html } from '../markup/html.ts';
import { PARTICIPANT_STAGE_LABELS } from '../responses/stage.words.ts';
import { SOLUTION_STAGE_WORDS } from './dashboard.page.ts';
import { renderStaffLayout, type StaffFrame } from './staff.layout.ts';
import { STAFF_TICKET_STAGE_WORDS } from './ticket-queue.blocks.ts';

/**
 * The three processes of workflows/ drawn from their machines (src/diagrams/): for the
 * page `/verwaltung/ablauf`, for a solution's and an authority's page with the current
 * stage marked, and as the SVG files of the README (scripts/diagrams.ts). Each process is
 * walked and laid out once; a request only chooses which box is marked.
 */

export const PROCESS_NAMES = ['loesung', 'behoerde', 'ticket'] as const;
export type ProcessName = (typeof PROCESS_NAMES)[number];

const capital = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
const wordsFrom =
  (table: Readonly<Record<string, string>>): StateWords =>
  (key) =>
    capital(table[key] ?? key);

interface ProcessDefinition {
  machine: AnyStateMachine;
  words: StateWords;
  title: string;
  source: string;
}

export const PROCESSES: Readonly<Record<ProcessName, ProcessDefinition>> = {
  loesung: { machine: solutionMachine, words: wordsFrom({ ...SOLUTION_STAGE_WORDS, aktiv: 'aktiv' }), title: 'Ablauf einer Lösung', source: 'workflows/solution.machine.ts' },
  behoerde: { machine: participantMachine, words: wordsFrom(PARTICIPANT_STAGE_LABELS), title: 'Ablauf einer Behörde in einem Rollout', source: 'workflows/participant.machine.ts' },
  ticket: { machine: ticketMachine, words: wordsFrom(STAFF_TICKET_STAGE_WORDS), title: 'Ablauf eines Tickets', source: 'workflows/ticket.machine.ts' },
};

const drawn = new Map<ProcessName, { model: ProcessModel; layout: ProcessLayout }>();

/** The walk and the layout of a process, computed on first use. */
export function processDrawing(name: ProcessName): { model: ProcessModel; layout: ProcessLayout } {
  let entry = drawn.get(name);
  if (!entry) {
    const model = walkMachine(PROCESSES[name].machine);
    entry = { model, layout: layoutProcess(model, PROCESSES[name].words) };
    drawn.set(name, entry);
  }
  return entry;
}

/** The SVG of a process; `current` marks a state (class, border, words), `id` keeps ids unique on a page. */
export function processSvg(name: ProcessName, current: string | null, id = `ablauf-${name}`): Html {
  const { model, layout } = processDrawing(name);
  const definition = PROCESSES[name];
  const known = current !== null && model.states.some((state) => state.key === current) ? current : null;
  return renderProcessSvg(layout, {
    id,
    title: `${definition.title} (${definition.source})`,
    description: `Gezeichnet aus der Definition der Maschine. ${processSummary(model, definition.words, known)}`,
    current: known,
  });
}

/** The SVG file of the README: the drawing without a marked state. */
export function processSvgFile(name: ProcessName): string {
  return `${String(processSvg(name, null))}\n`;
}

const figures = new Map<string, Html>();

/** Drawing and table of one process; each (process, stage, id) is drawn once and kept – a few dozen at most. */
export function processFigure(name: ProcessName, current: string | null, id = `ablauf-${name}`): Html {
  const cacheKey = `${name}|${current ?? ''}|${id}`;
  let figure = figures.get(cacheKey);
  if (!figure) {
    figure = drawFigure(name, current, id);
    // only known stages are kept, so that the map cannot grow with what a database holds
    if (current === null || processDrawing(name).model.states.some((state) => state.key === current)) figures.set(cacheKey, figure);
  }
  return figure;
}

function drawFigure(name: ProcessName, current: string | null, id: string): Html {
  const { model } = processDrawing(name);
  const definition = PROCESSES[name];
  const known = current !== null && model.states.some((state) => state.key === current) ? current : null;
  return html`<figure class="ablauf">${processSvg(name, known, id)}
<figcaption>${definition.title}, gezeichnet aus ${definition.source}${known ? html`; markiert (dicker Rahmen, „aktuelle Phase“): ${definition.words(known)}` : ''}.</figcaption></figure>
${renderProcessTable(model, definition.words, { id, caption: `${definition.title}: alle Übergänge`, current: known })}`;
}

/** A solution's overview page: its process, closed, with its stage marked. */
export function solutionProcessBlock(stage: string): Html {
  return html`<details class="ablauf-details"><summary>Ablauf dieser Lösung</summary>
${processFigure('loesung', stage, 'ablauf-loesung-hier')}
<p><a href="${PROCESS_PAGE_PATH}">Alle Abläufe</a></p></details>`;
}

/** An authority's page: the participant process, closed, with its stage marked. */
export function participantProcessBlock(stage: string): Html {
  return html`<details class="ablauf-details"><summary>Ablauf für diese Behörde</summary>
${processFigure('behoerde', stage, 'ablauf-behoerde-hier')}
<p><a href="${PROCESS_PAGE_PATH}">Alle Abläufe</a></p></details>`;
}

export const PROCESS_PAGE_PATH = '/verwaltung/ablauf';

export function renderProcessPage(frame: StaffFrame): Html {
  return renderStaffLayout(
    frame,
    html`<h1>Ablauf</h1>
<p>Die drei Abläufe, wie das Programm sie ausführt: jede Grafik ist aus der Definition der Maschine in workflows/ gezeichnet – Phasen, Ereignisse und Bedingungen mit ihren Namen im Code. Ein Übergang, der die Phase nicht wechselt, steht als „↻“ im Kasten; ein Endzustand hat einen doppelten Rahmen. Unter jeder Grafik stehen alle Übergänge als Tabelle.</p>
${PROCESS_NAMES.map((name) => html`<section aria-labelledby="ueberschrift-${name}"><h2 id="ueberschrift-${name}">${PROCESSES[name].title}</h2>
${processFigure(name, null)}</section>`)}`,
  );
}
