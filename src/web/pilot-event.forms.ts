import type { FieldError } from '../errors/domain.errors.ts';
import { html, type Html } from '../markup/html.ts';
import { fieldParts, type Form } from './rollout-pages.kit.ts';
import { formText as field } from './staff-route.kit.ts';

/**
 * The participant events of the pilot phase as the pilot pages offer them: the decision on
 * a candidate (confirm, put back, decline – one form, a button each, the reason beside
 * them) and the go-live. Each button is an event the participant's allowedEvents list for
 * this person; a blocked one is drawn disabled with its reason. The form becomes the
 * event the API would receive.
 */

export const DECISION_EVENTS = ['PILOT_BESTAETIGEN', 'PILOT_ZURUECKSTELLEN', 'PILOT_ABLEHNEN'] as const;
export const GO_LIVE_EVENT = 'PILOT_LIVE_MELDEN';
export const PILOT_PAGE_EVENTS: readonly string[] = [...DECISION_EVENTS, GO_LIVE_EVENT];

export const PILOT_EVENT_BUTTONS: Readonly<Record<string, string>> = {
  PILOT_BESTAETIGEN: 'Als Pilot bestätigen',
  PILOT_ZURUECKSTELLEN: 'Zurückstellen',
  PILOT_ABLEHNEN: 'Ablehnen',
  PILOT_LIVE_MELDEN: 'Go-live melden',
};

export const PILOT_EVENT_DONE: Readonly<Record<string, string>> = {
  PILOT_BESTAETIGEN: 'Die Behörde ist als Pilot bestätigt; sie erhält die Einladung mit dem Link zu ihrer Pilotseite.',
  PILOT_ZURUECKSTELLEN: 'Der Pilotkandidat ist zurückgestellt.',
  PILOT_ABLEHNEN: 'Der Pilotkandidat ist abgelehnt.',
  PILOT_LIVE_MELDEN: 'Der Go-live des Piloten ist gemeldet.',
};

export const PILOT_EVENT_LABELS: Readonly<Record<string, string>> = {
  reason: 'Begründung',
  onlineDienstUrl: 'Adresse (URL) des Online-Dienstes',
  verknuepftAm: 'Verknüpft am',
  overrideReason: 'Begründung für den Go-live trotz offener Checkliste',
};

/** The rename of the engine's field pointers to this form's names. */
export const PILOT_EVENT_FIELDS = { 'override/reason': 'overrideReason' } as const;

/** The event the API would receive: empty optional fields left out, so the schema judges what is there. */
export function pilotEventFromForm(type: string, form: Form): { type: string } & Record<string, unknown> {
  if (type === 'PILOT_ZURUECKSTELLEN' || type === 'PILOT_ABLEHNEN') return { type, reason: field(form, 'reason').trim() };
  if (type !== GO_LIVE_EVENT) return { type };
  const date = field(form, 'verknuepftAm').trim();
  const override = field(form, 'overrideReason').trim();
  return { type, onlineDienstUrl: field(form, 'onlineDienstUrl').trim(), ...(date ? { verknuepftAm: date } : {}), ...(override ? { override: { reason: override } } : {}) };
}

/** A form of the page sent back: whose (ars), which event, its values and errors or the machine's reason. */
export interface PilotEventFailure {
  ars: string;
  type: string;
  values: Form;
  errors: readonly FieldError[];
  reason: string;
}

export interface PilotEventFormView {
  action: string;
  csrf: string;
  idempotencyKey: string;
  /** Where the answer leads back: the candidates' list or the pilot's page. */
  back: 'liste' | 'pilot';
  ars: string;
  authorityName: string;
  allowedEvents: readonly string[];
  blockedEvents: readonly { type: string; reason: string }[];
  failure?: PilotEventFailure;
}

function hidden(view: PilotEventFormView): Html {
  return html`<input type="hidden" name="_csrf" value="${view.csrf}"><input type="hidden" name="schluessel" value="${view.idempotencyKey}"><input type="hidden" name="zurueck" value="${view.back}">`;
}

function control(view: PilotEventFormView, name: string, type: 'text' | 'url' | 'date' | 'textarea', hint: string, maxLength: number): Html {
  const mine = view.failure?.ars === view.ars ? view.failure : undefined;
  const id = `f-${view.ars}-${name}`;
  const hintId = `hinweis-${view.ars}-${name}`;
  const parts = fieldParts(mine?.errors, id, name, hintId);
  const value = mine ? field(mine.values, name) : '';
  const input =
    type === 'textarea'
      ? html`<textarea id="${id}" name="${name}" rows="2" maxlength="${String(maxLength)}"${parts.attributes}>${value}</textarea>`
      : html`<input type="${type}" id="${id}" name="${name}" value="${value}"${type === 'date' ? '' : html` maxlength="${String(maxLength)}"`}${parts.attributes}>`;
  return html`<div class="feld"><label for="${id}">${PILOT_EVENT_LABELS[name] ?? name}</label>
<p class="hinweis" id="${hintId}">${hint}</p>${parts.line}
${input}</div>`;
}

/** The event's button, its accessible name carrying the authority (several candidates share a page). */
function button(view: PilotEventFormView, type: string): Html {
  return html`<button type="submit" name="ereignis" value="${type}">${PILOT_EVENT_BUTTONS[type]}<span class="unsichtbar">: ${view.authorityName}</span></button>`;
}

function blockedList(view: PilotEventFormView, types: readonly string[]): Html | '' {
  const blocked = view.blockedEvents.filter((b) => types.includes(b.type));
  if (blocked.length === 0) return '';
  return html`<ul class="ereignisse">${blocked.map(
    (b) =>
      html`<li><button type="button" disabled aria-describedby="gesperrt-${view.ars}-${b.type}">${PILOT_EVENT_BUTTONS[b.type]}<span class="unsichtbar">: ${view.authorityName}</span></button><p class="hinweis" id="gesperrt-${view.ars}-${b.type}">Gerade nicht möglich: ${b.reason}</p></li>`,
  )}</ul>`;
}

/** Confirm, put back or decline a candidate: the buttons it takes now, a reason for the latter two. */
export function decisionForm(view: PilotEventFormView): Html | '' {
  const allowed = DECISION_EVENTS.filter((type) => view.allowedEvents.includes(type));
  const blocked = blockedList(view, DECISION_EVENTS);
  if (allowed.length === 0) return blocked;
  const needsReason = allowed.some((type) => type !== 'PILOT_BESTAETIGEN');
  return html`<form method="post" action="${view.action}" novalidate>${hidden(view)}
${needsReason ? control(view, 'reason', 'textarea', 'Pflicht beim Zurückstellen oder Ablehnen; beim Bestätigen nicht nötig.', 2000) : ''}
<p class="knoepfe">${allowed.map((type) => button(view, type))}</p></form>${blocked}`;
}

/** The go-live with the address of the Online-Dienst; a reason only when the checklist is still open (ministry, admin). */
export function goLiveForm(view: PilotEventFormView): Html | '' {
  const blocked = blockedList(view, [GO_LIVE_EVENT]);
  if (!view.allowedEvents.includes(GO_LIVE_EVENT)) return blocked;
  return html`<form method="post" action="${view.action}" novalidate>${hidden(view)}
${control(view, 'onlineDienstUrl', 'url', 'Beginnt mit https://', 2000)}
${control(view, 'verknuepftAm', 'date', 'Optional; nicht in der Zukunft.', 10)}
${control(view, 'overrideReason', 'textarea', 'Nur nötig, wenn Punkte der Checkliste noch offen sind.', 2000)}
${button(view, GO_LIVE_EVENT)}</form>`;
}
