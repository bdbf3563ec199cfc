import type { TicketStage } from '../../workflows/index.ts';
import { html, type Html } from '../markup/html.ts';
import { germanDateTime } from '../time/berlin.clock.ts';
import type { SlaState } from '../tickets/ticket.sla.ts';
import type { listTickets } from '../tickets/ticket.service.ts';
import { TICKET_CATEGORY_LABELS } from '../tickets/ticket.views.ts';
import type { FieldError } from '../errors/domain.errors.ts';
import { errorSummary } from './form.kit.ts';
import { queryOfChoice, type TicketFilterChoice } from './ticket-filter.ts';

/**
 * The Kaz queue as the ticket pages draw it – on the board (`/verwaltung/tickets`) and on
 * one solution's tickets page: counts per status and SLA state as filter links, the filter
 * form (plain GET), the table in urgency order, and the paging links. `base` is the page's
 * own path, so every link and the form stay on that page.
 */

export type TicketSummary = Awaited<ReturnType<typeof listTickets>>['items'][number];

export const STAFF_TICKET_STAGE_WORDS: Readonly<Record<TicketStage, string>> = {
  neu: 'neu',
  'in-bearbeitung': 'in Bearbeitung',
  'wartet-auf-kommune': 'wartet auf Kommune',
  geloest: 'gelöst',
  geschlossen: 'geschlossen',
};

export const SLA_WORDS: Readonly<Record<SlaState, string>> = {
  'im-plan': 'im Plan',
  'bald-faellig': 'bald fällig',
  ueberschritten: 'überschritten',
  pausiert: 'pausiert (wartet auf Kommune)',
  erledigt: 'erledigt',
};

export const PRIORITY_WORDS: Readonly<Record<string, string>> = { kritisch: 'kritisch', hoch: 'hoch', normal: 'normal', niedrig: 'niedrig' };

export const stageWords = (stage: string) => STAFF_TICKET_STAGE_WORDS[stage as TicketStage] ?? stage;
const slaWords = (state: string) => SLA_WORDS[state as SlaState] ?? state;
export const categoryWords = (category: string) => TICKET_CATEGORY_LABELS[category as keyof typeof TICKET_CATEGORY_LABELS] ?? category;

export function slaCell(sla: TicketSummary['sla']): Html {
  const marker = sla.state === 'ueberschritten' ? '⚠ ' : sla.state === 'bald-faellig' ? '◔ ' : '';
  const due = sla.dueAt ? html`<br><span class="hinweis">fällig ${germanDateTime(sla.dueAt)}</span>` : '';
  return html`<span aria-hidden="true">${marker}</span><strong>${slaWords(sla.state)}</strong>${due}`;
}

export interface QueueView {
  /** The page's own path: the form's action and every link's target. */
  base: string;
  /** Where a ticket's title links to (its page). */
  ticketPath: (id: string) => string;
  items: readonly TicketSummary[];
  total: number;
  limit: number;
  offset: number;
  choice: TicketFilterChoice;
  /** Wrong filter values (the page answers 422 and names them). */
  errors: readonly FieldError[];
  /** How many tickets the person may see here, per status and per SLA state (without the filters). */
  counts: { total: number; byStage: Record<string, number>; bySla: Record<string, number> };
  /** The address behind „mir zugewiesen“, or null when the person's token names none. */
  ownAddress: string | null;
  /** The board: the solutions to filter by; absent on a solution's own page. */
  solutions?: readonly { id: string; title: string }[];
  /** The solution's page draws the queue under an h2, the board under its h1: the count headings follow. */
  headingLevel: 2 | 3;
  /** The table's column of solutions is left out on a solution's page. */
  showSolution: boolean;
}

const QUEUE_WORDS = {
  prioritaet: PRIORITY_WORDS,
  thema: TICKET_CATEGORY_LABELS as Readonly<Record<string, string>>,
} as const;

function checkboxes(name: string, legend: string, words: Readonly<Record<string, string>>, chosen: readonly string[], invalid: boolean): Html {
  return html`<fieldset id="f-${name}"${invalid ? html` aria-invalid="true"` : ''}><legend>${legend}</legend>${Object.entries(words).map(
    ([value, label]) =>
      html`<div class="option"><input type="checkbox" id="f-${name}-${value}" name="${name}" value="${value}"${chosen.includes(value) ? html` checked` : ''}><label for="f-${name}-${value}">${label}</label></div>`,
  )}</fieldset>`;
}

function radios(name: string, legend: string, options: readonly [string, string][], chosen: string, invalid: boolean): Html {
  return html`<fieldset id="f-${name}"${invalid ? html` aria-invalid="true"` : ''}><legend>${legend}</legend>${options.map(
    ([value, label]) =>
      html`<div class="option"><input type="radio" id="f-${name}-${value || 'alle'}" name="${name}" value="${value}"${chosen === value ? html` checked` : ''}><label for="f-${name}-${value || 'alle'}">${label}</label></div>`,
  )}</fieldset>`;
}

/** „neu: 3“ per status (or SLA state), each a link to this page filtered by it. */
function countList(view: QueueView, name: string, heading: string, words: Readonly<Record<string, string>>, counts: Record<string, number>): Html {
  const items = Object.entries(words).map(([value, label]) => html`<li><a href="${view.base}?${name}=${value}">${label}: ${String(counts[value] ?? 0)}</a></li>`);
  return view.headingLevel === 2 ? html`<h2>${heading}</h2><ul>${items}</ul>` : html`<h3>${heading}</h3><ul>${items}</ul>`;
}

function pageLink(view: QueueView, offset: number, label: string): Html {
  return html`<a href="${view.base}?${queryOfChoice(view.choice, offset)}">${label}</a>`;
}

function filterForm(view: QueueView): Html {
  const { choice } = view;
  const invalid = (field: string) => view.errors.some((e) => e.field === field);
  const anError = view.errors.find((e) => e.field === 'an');
  const solutionSelect = view.solutions
    ? html`<p><label for="f-loesung">EfA-Lösung</label></p>
<select id="f-loesung" name="loesung"${invalid('loesung') ? html` aria-invalid="true"` : ''}><option value="">alle Lösungen</option>${view.solutions.map(
        (s) => html`<option value="${s.id}"${choice.loesung === s.id ? html` selected` : ''}>${s.title}</option>`,
      )}</select>`
    : '';
  const chosen = queryOfChoice(choice).split('&').filter(Boolean).length;
  const open = view.errors.length > 0;
  const assignees: [string, string][] = [['', 'alle'], ...(view.ownAddress ? ([['mir', `mir zugewiesen (${view.ownAddress})`]] as [string, string][]) : []), ['niemand', 'niemandem zugewiesen']];
  return html`<details class="filter"${open ? html` open` : ''}><summary>Filter${chosen ? ` (${chosen} gewählt)` : ''}</summary>
<form method="get" action="${view.base}">
${checkboxes('status', 'Status', STAFF_TICKET_STAGE_WORDS, choice.status, invalid('status'))}
${checkboxes('sla', 'SLA-Zustand', SLA_WORDS, choice.sla, invalid('sla'))}
${checkboxes('prioritaet', 'Priorität', QUEUE_WORDS.prioritaet, choice.prioritaet, invalid('prioritaet'))}
${checkboxes('thema', 'Thema', QUEUE_WORDS.thema, choice.thema, invalid('thema'))}
${radios('blockiert', 'Blockiert den Live-Gang', [['', 'alle'], ['ja', 'ja'], ['nein', 'nein']], choice.blockiert, invalid('blockiert'))}
${radios('zustaendig', 'Zuständig', assignees, choice.zustaendig, invalid('zustaendig'))}
<p><label for="f-an">oder zugewiesen an (E-Mail-Adresse)</label></p>
${anError ? html`<p class="fehler" id="fehler-f-an"><span class="unsichtbar">Fehler: </span>${anError.message}</p>` : ''}
<input type="text" id="f-an" name="an" maxlength="254" autocomplete="email" value="${choice.an}"${anError ? html` aria-describedby="fehler-f-an" aria-invalid="true"` : ''}>
${solutionSelect}
<p><button type="submit">Filtern</button> <a href="${view.base}">Filter zurücksetzen</a></p>
</form></details>`;
}

function table(view: QueueView): Html {
  const { items, total } = view;
  if (items.length === 0) return html`<p>Keine Tickets für diese Auswahl.</p>`;
  const rows = items.map(
    (t) => html`<tr><td>${String(t.number)}</td><th scope="row"><a href="${view.ticketPath(t.id)}">${t.title}</a></th><td>${stageWords(t.stage)}</td><td>${slaCell(t.sla)}</td><td>${t.authorityName}</td>${view.showSolution ? html`<td>${t.solutionTitle}</td>` : ''}<td>${categoryWords(t.category)}</td><td>${PRIORITY_WORDS[t.priority] ?? t.priority}${t.blocking ? html`<br><span class="hinweis">blockiert den Live-Gang</span>` : ''}</td><td>${t.assignee ?? '–'}</td></tr>`,
  );
  return html`<div class="tabelle" tabindex="0" role="region" aria-label="Tickets">
<table>
<caption>${String(total)} ${total === 1 ? 'Ticket' : 'Tickets'}, nach Dringlichkeit sortiert: offene zuerst, überschrittene und am frühesten fällige oben</caption>
<thead><tr><th scope="col">Nr.</th><th scope="col">Betreff</th><th scope="col">Status</th><th scope="col">SLA</th><th scope="col">Behörde</th>${view.showSolution ? html`<th scope="col">EfA-Lösung</th>` : ''}<th scope="col">Thema</th><th scope="col">Priorität</th><th scope="col">Zuständig</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
</div>`;
}

/** Counts, filter form, table and paging: everything of the queue below the page's heading. */
export function renderTicketQueue(view: QueueView): Html {
  const { total, limit, offset } = view;
  const paging =
    total > limit
      ? html`<nav aria-label="Seiten"><p>Tickets ${String(Math.min(offset + 1, total))} bis ${String(Math.min(offset + limit, total))} von ${String(total)}.
${offset > 0 ? pageLink(view, Math.max(0, offset - limit), 'Vorherige Seite') : ''} ${offset + limit < total ? pageLink(view, offset + limit, 'Nächste Seite') : ''}</p></nav>`
      : '';
  return html`${errorSummary(view.errors, (field) => (field === 'an' ? 'f-an' : `f-${field}`))}
${countList(view, 'status', 'Nach Status', STAFF_TICKET_STAGE_WORDS, view.counts.byStage)}
${countList(view, 'sla', 'Nach SLA-Zustand', SLA_WORDS, view.counts.bySla)}
${filterForm(view)}
${table(view)}
${paging}`;
}
