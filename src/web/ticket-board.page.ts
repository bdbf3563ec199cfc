import type { TicketStage } from '../../workflows/index.ts';
import type { FieldError } from '../errors/domain.errors.ts';
import { html, type Html } from '../markup/html.ts';
import { germanDateTime } from '../time/berlin.clock.ts';
import type { SlaState } from '../tickets/ticket.sla.ts';
import type { getTicket, listTickets } from '../tickets/ticket.service.ts';
import { TICKET_CATEGORY_LABELS } from '../tickets/ticket.views.ts';
import { errorSummary } from './form.kit.ts';
import { renderStaffLayout, type StaffFrame } from './staff.layout.ts';

/**
 * The Kaz's ticket pages: the board (`/verwaltung/tickets`, the queue as the ticket API
 * lists it – open first, then by the next SLA due time – filtered by status and SLA state
 * with a plain GET form) and one ticket (`/verwaltung/tickets/:id`: facts, timeline with
 * public and internal comments, comment and assignment forms, and a button per event the
 * ticket machine offers, blocked ones disabled with their reason).
 */

export type TicketSummary = Awaited<ReturnType<typeof listTickets>>['items'][number];
export type TicketDetail = Awaited<ReturnType<typeof getTicket>>;

export const BOARD_PATH = '/verwaltung/tickets';

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

const PRIORITY_WORDS: Readonly<Record<string, string>> = { kritisch: 'kritisch', hoch: 'hoch', normal: 'normal', niedrig: 'niedrig' };

/** The events a person may send by button, with the fields their payload needs. */
export const EVENT_FORMS: Readonly<Record<string, { label: string; fields: readonly { name: string; label: string }[] }>> = {
  BEARBEITUNG_BEGINNEN: { label: 'Bearbeitung aufnehmen', fields: [] },
  AUF_KOMMUNE_WARTEN: { label: 'Auf die Kommune warten', fields: [{ name: 'grund', label: 'Worauf gewartet wird' }] },
  KOMMUNE_ANTWORTET: { label: 'Kommune hat geantwortet', fields: [] },
  LOESEN: { label: 'Als gelöst melden', fields: [{ name: 'loesung', label: 'Was war die Lösung?' }] },
  SCHLIESSEN: { label: 'Schließen', fields: [] },
  WIEDEREROEFFNEN: { label: 'Wieder öffnen', fields: [{ name: 'grund', label: 'Warum besteht das Problem wieder?' }] },
};

const stageWords = (stage: string) => STAFF_TICKET_STAGE_WORDS[stage as TicketStage] ?? stage;
const slaWords = (state: string) => SLA_WORDS[state as SlaState] ?? state;
const categoryWords = (category: string) => TICKET_CATEGORY_LABELS[category as keyof typeof TICKET_CATEGORY_LABELS] ?? category;

function slaCell(sla: TicketSummary['sla']): Html {
  const marker = sla.state === 'ueberschritten' ? '⚠ ' : sla.state === 'bald-faellig' ? '◔ ' : '';
  const due = sla.dueAt ? html`<br><span class="hinweis">fällig ${germanDateTime(sla.dueAt)}</span>` : '';
  return html`<span aria-hidden="true">${marker}</span><strong>${slaWords(sla.state)}</strong>${due}`;
}

export interface BoardView {
  items: readonly TicketSummary[];
  total: number;
  limit: number;
  offset: number;
  status: readonly string[];
  sla: readonly string[];
  /** How many tickets the person may see, per status and per SLA state (without the filters). */
  counts: { total: number; byStage: Record<string, number>; bySla: Record<string, number> };
}

function checkboxes(name: string, legend: string, words: Readonly<Record<string, string>>, chosen: readonly string[]): Html {
  return html`<fieldset><legend>${legend}</legend>${Object.entries(words).map(
    ([value, label]) =>
      html`<div class="option"><input type="checkbox" id="f-${name}-${value}" name="${name}" value="${value}"${chosen.includes(value) ? html` checked` : ''}><label for="f-${name}-${value}">${label}</label></div>`,
  )}</fieldset>`;
}

/** „neu: 3“ per status (or SLA state), each a link to the board filtered by it. */
function countList(name: string, heading: string, words: Readonly<Record<string, string>>, counts: Record<string, number>): Html {
  return html`<h2>${heading}</h2><ul>${Object.entries(words).map(
    ([value, label]) => html`<li><a href="${BOARD_PATH}?${name}=${value}">${label}: ${String(counts[value] ?? 0)}</a></li>`,
  )}</ul>`;
}

function pageLink(view: BoardView, offset: number, label: string): Html {
  const query = new URLSearchParams();
  for (const s of view.status) query.append('status', s);
  for (const s of view.sla) query.append('sla', s);
  query.set('ab', String(offset));
  return html`<a href="${BOARD_PATH}?${query.toString()}">${label}</a>`;
}

export function renderTicketBoard(frame: StaffFrame, view: BoardView): Html {
  const { items, total, limit, offset } = view;
  const rows = items.map(
    (t) => html`<tr><td>${String(t.number)}</td><th scope="row"><a href="${BOARD_PATH}/${t.id}">${t.title}</a></th><td>${stageWords(t.stage)}</td><td>${slaCell(t.sla)}</td><td>${t.authorityName}</td><td>${t.solutionTitle}</td><td>${categoryWords(t.category)}</td><td>${PRIORITY_WORDS[t.priority] ?? t.priority}${t.blocking ? html`<br><span class="hinweis">blockiert den Live-Gang</span>` : ''}</td><td>${t.assignee ?? '–'}</td></tr>`,
  );
  const paging =
    total > limit
      ? html`<nav aria-label="Seiten"><p>Tickets ${String(offset + 1)} bis ${String(Math.min(offset + limit, total))} von ${String(total)}.
${offset > 0 ? pageLink(view, Math.max(0, offset - limit), 'Vorherige Seite') : ''} ${offset + limit < total ? pageLink(view, offset + limit, 'Nächste Seite') : ''}</p></nav>`
      : '';
  const table =
    items.length === 0
      ? html`<p>Keine Tickets für diese Auswahl.</p>`
      : html`<table>
<caption>${String(total)} ${total === 1 ? 'Ticket' : 'Tickets'}, nach Dringlichkeit sortiert: offene zuerst, überschrittene und am frühesten fällige oben</caption>
<thead><tr><th scope="col">Nr.</th><th scope="col">Betreff</th><th scope="col">Status</th><th scope="col">SLA</th><th scope="col">Behörde</th><th scope="col">EfA-Lösung</th><th scope="col">Thema</th><th scope="col">Priorität</th><th scope="col">Zuständig</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
  return renderStaffLayout(
    frame,
    html`<h1>Tickets</h1>
${countList('status', 'Nach Status', STAFF_TICKET_STAGE_WORDS, view.counts.byStage)}
${countList('sla', 'Nach SLA-Zustand', SLA_WORDS, view.counts.bySla)}
<form method="get" action="${BOARD_PATH}" class="filter">
${checkboxes('status', 'Status', STAFF_TICKET_STAGE_WORDS, view.status)}
${checkboxes('sla', 'SLA-Zustand', SLA_WORDS, view.sla)}
<button type="submit">Filtern</button> <a href="${BOARD_PATH}">Filter zurücksetzen</a>
</form>
${table}
${paging}`,
  );
}

export interface TicketPageView {
  csrf: string;
  notice?: string;
  /** A refused event or change (409): the reason in German. */
  conflict?: string;
  errors?: FieldError[];
  /** The form sent back with errors: its event type (or 'kommentar', 'zuweisen') and values. */
  form?: string;
  values?: Record<string, string>;
  /** May the person comment, assign and send events (read-only otherwise)? */
  canWork: boolean;
}

const HISTORY_WORDS: Readonly<Record<string, string>> = { TICKET_ERSTELLT: 'Ticket eröffnet', TICKET_GEAENDERT: 'Ticket geändert' };
const DETAIL_WORDS: Readonly<Record<string, string>> = {
  grund: 'Grund',
  loesung: 'Lösung',
  prioritaet: 'Priorität',
  zustaendig: 'Zuständig',
  blockierend: 'Blockiert den Live-Gang',
  quelle: 'Quelle',
};

/** A history detail in words: a change `{ von, nach }` as „von … nach …“, yes/no for flags. */
function detailValue(value: unknown): string {
  const word = (v: unknown) => (v === null || v === undefined || v === '' ? 'niemand' : v === true ? 'ja' : v === false ? 'nein' : String(v));
  if (value && typeof value === 'object' && 'nach' in value) {
    const change = value as { von?: unknown; nach?: unknown };
    return `von ${word(change.von)} nach ${word(change.nach)}`;
  }
  return word(value);
}

function timelineEntry(entry: TicketDetail['timeline'][number]): Html {
  const when = germanDateTime(entry.at);
  if (entry.kind === 'kommentar') {
    const label = entry.visibility === 'intern' ? 'Interner Kommentar (nur Kaz und Ministerium)' : 'Öffentlicher Kommentar (an die Behörde)';
    return html`<li><p><strong>${label}</strong> – ${entry.actor}, ${when}</p><p>${entry.text ?? ''}</p></li>`;
  }
  const moved = entry.fromStage && entry.fromStage !== entry.toStage ? html` – von „${stageWords(entry.fromStage)}“ nach „${stageWords(entry.toStage)}“` : '';
  const details = Object.entries(entry.event)
    .filter(([key]) => DETAIL_WORDS[key])
    .map(([key, value]) => html`<br><span class="hinweis">${DETAIL_WORDS[key]!}: ${detailValue(value)}</span>`);
  const label = EVENT_FORMS[entry.eventType]?.label ?? HISTORY_WORDS[entry.eventType] ?? entry.eventType;
  return html`<li><p><strong>${label}</strong>${moved} – ${entry.actor}, ${when}${details}</p></li>`;
}

function fieldId(form: string, name: string) {
  return `f-${form}-${name}`;
}

function textField(view: TicketPageView, form: string, name: string, label: string, multiline: boolean): Html {
  const id = fieldId(form, name);
  const error = view.form === form ? view.errors?.find((e) => e.field === name) : undefined;
  const value = view.form === form ? (view.values?.[name] ?? '') : '';
  const described = error ? html` aria-describedby="fehler-${id}" aria-invalid="true"` : '';
  const errorLine = error ? html`<p class="fehler" id="fehler-${id}"><span class="unsichtbar">Fehler: </span>${error.message}</p>` : '';
  const control = multiline
    ? html`<textarea id="${id}" name="${name}" rows="3" required${described}>${value}</textarea>`
    : html`<input type="text" id="${id}" name="${name}" value="${value}"${described}>`;
  return html`<p><label for="${id}">${label}</label></p>${errorLine}${control}`;
}

function eventForms(ticket: TicketDetail, view: TicketPageView): Html {
  const action = `${BOARD_PATH}/${ticket.id}/ereignis`;
  const allowed = ticket.allowedEvents.filter((type) => EVENT_FORMS[type]);
  const forms = allowed.map((type) => {
    const form = EVENT_FORMS[type]!;
    return html`<form method="post" action="${action}" class="ereignis"><input type="hidden" name="_csrf" value="${view.csrf}"><input type="hidden" name="type" value="${type}">
${form.fields.map((field) => textField(view, type, field.name, field.label, true))}
<p><button type="submit">${form.label}</button></p></form>`;
  });
  const blocked = ticket.blockedEvents
    .filter((b) => EVENT_FORMS[b.type])
    .map((b) => html`<p><button type="button" disabled aria-describedby="grund-${b.type}">${EVENT_FORMS[b.type]!.label}</button> <span class="hinweis" id="grund-${b.type}">Nicht möglich: ${b.reason}</span></p>`);
  if (forms.length === 0 && blocked.length === 0) return html`<p>Im Status „${stageWords(ticket.stage)}“ ist keine Statusänderung möglich.</p>`;
  return html`${forms}${blocked}`;
}

export function renderTicketDetail(frame: StaffFrame, ticket: TicketDetail, view: TicketPageView): Html {
  const base = `${BOARD_PATH}/${ticket.id}`;
  const errors = (view.errors ?? []).map((e) => ({ field: fieldId(view.form ?? '', e.field), message: e.message }));
  const work = view.canWork
    ? html`<h2>Status ändern</h2>
${eventForms(ticket, view)}
<h2>Kommentar schreiben</h2>
<form method="post" action="${base}/kommentar"><input type="hidden" name="_csrf" value="${view.csrf}">
${textField(view, 'kommentar', 'text', 'Kommentar', true)}
<fieldset><legend>Sichtbarkeit</legend>
<div class="option"><input type="radio" id="f-kommentar-oeffentlich" name="visibility" value="oeffentlich"${view.values?.visibility === 'oeffentlich' ? html` checked` : ''}><label for="f-kommentar-oeffentlich">öffentlich – Antwort an die Behörde (sie erhält eine E-Mail)</label></div>
<div class="option"><input type="radio" id="f-kommentar-intern" name="visibility" value="intern"${view.values?.visibility === 'oeffentlich' ? '' : html` checked`}><label for="f-kommentar-intern">intern – nur für Kaz und Ministerium</label></div>
</fieldset>
<p><button type="submit">Kommentar speichern</button></p></form>
<h2>Zuständigkeit</h2>
<form method="post" action="${base}/zuweisung"><input type="hidden" name="_csrf" value="${view.csrf}">
${textField({ ...view, values: view.form === 'zuweisen' ? view.values : { assignee: ticket.assignee ?? '' }, form: 'zuweisen' }, 'zuweisen', 'assignee', 'E-Mail-Adresse der zuständigen Person (leer: niemand)', false)}
<p><button type="submit">Zuständigkeit speichern</button></p></form>`
    : '';
  return renderStaffLayout(
    frame,
    html`<p><a href="${BOARD_PATH}">Zurück zu allen Tickets</a></p>
<h1>Ticket ${String(ticket.number)}: ${ticket.title}</h1>
${view.notice ? html`<p role="status">${view.notice}</p>` : ''}
${view.conflict ? html`<div class="zusammenfassung" role="alert"><h2>Nicht möglich</h2><p>${view.conflict}</p></div>` : ''}
${errorSummary(errors, (field) => field)}
<dl>
<dt>Status</dt><dd>${stageWords(ticket.stage)}</dd>
<dt>SLA</dt><dd>${slaCell(ticket.sla)}</dd>
<dt>Behörde</dt><dd>${ticket.authorityName} (${ticket.ars})</dd>
<dt>EfA-Lösung</dt><dd>${ticket.solutionTitle}</dd>
<dt>Thema</dt><dd>${categoryWords(ticket.category)}</dd>
<dt>Priorität</dt><dd>${PRIORITY_WORDS[ticket.priority] ?? ticket.priority}${ticket.blocking ? ' – blockiert den Live-Gang' : ''}</dd>
<dt>Zuständig</dt><dd>${ticket.assignee ?? 'niemand'}</dd>
<dt>Eröffnet</dt><dd>${germanDateTime(ticket.createdAt)} von ${ticket.openedBy}</dd>
</dl>
<h2>Beschreibung</h2>
<p>${ticket.description}</p>
${ticket.autoReason ? html`<p class="hinweis">Automatisch eröffnet: ${ticket.autoReason}</p>` : ''}
${work}
<h2>Verlauf</h2>
<ol class="meldungen">${ticket.timeline.map(timelineEntry)}</ol>`,
  );
}
