import type { FieldError } from '../errors/domain.errors.ts';
import { html, type Html } from '../markup/html.ts';
import { germanDateTime } from '../time/berlin.clock.ts';
import type { getTicket } from '../tickets/ticket.service.ts';
import { errorSummary } from './form.kit.ts';
import { renderStaffLayout, type StaffFrame } from './staff.layout.ts';
import { categoryWords, PRIORITY_WORDS, renderTicketQueue, slaCell, stageWords, type QueueView } from './ticket-queue.blocks.ts';

/**
 * The Kaz's ticket pages: the board (`/verwaltung/tickets`, the queue as the ticket API
 * lists it – open first, then by the next SLA due time – with the filters of
 * ticket-queue.blocks.ts in a plain GET form) and one ticket (`/verwaltung/tickets/:id`: facts, timeline with
 * public and internal comments, comment and assignment forms, and a button per event the
 * ticket machine offers, blocked ones disabled with their reason).
 */

export type TicketDetail = Awaited<ReturnType<typeof getTicket>>;

export const BOARD_PATH = '/verwaltung/tickets';

/** The events a person may send by button, with the fields their payload needs. */
export const EVENT_FORMS: Readonly<Record<string, { label: string; fields: readonly { name: string; label: string }[] }>> = {
  BEARBEITUNG_BEGINNEN: { label: 'Bearbeitung aufnehmen', fields: [] },
  AUF_KOMMUNE_WARTEN: { label: 'Auf die Kommune warten', fields: [{ name: 'grund', label: 'Worauf gewartet wird' }] },
  KOMMUNE_ANTWORTET: { label: 'Kommune hat geantwortet', fields: [] },
  LOESEN: { label: 'Als gelöst melden', fields: [{ name: 'loesung', label: 'Was war die Lösung?' }] },
  SCHLIESSEN: { label: 'Schließen', fields: [] },
  WIEDEREROEFFNEN: { label: 'Wieder öffnen', fields: [{ name: 'grund', label: 'Warum besteht das Problem wieder?' }] },
};

export type BoardView = Omit<QueueView, 'base' | 'ticketPath' | 'headingLevel' | 'showSolution'>;

export function renderTicketBoard(frame: StaffFrame, view: BoardView): Html {
  return renderStaffLayout(
    frame,
    html`<h1>Tickets</h1>
${renderTicketQueue({ ...view, base: BOARD_PATH, ticketPath: (id) => `${BOARD_PATH}/${id}`, headingLevel: 2, showSolution: true })}`,
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
