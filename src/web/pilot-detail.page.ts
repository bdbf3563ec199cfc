import type { FieldError } from '../errors/domain.errors.ts';
import { html, type Html } from '../markup/html.ts';
import { CHECKLIST_STATUS_LABELS, CHECKLIST_STATUSES } from '../pilots/checklist.defaults.ts';
import type { getChecklist } from '../pilots/pilot-checklist.service.ts';
import type { getItSupport, listMeetings } from '../pilots/pilot-support.service.ts';
import { germanDate } from '../responses/answer.labels.ts';
import { germanDateTime } from '../time/berlin.clock.ts';
import type { Readiness } from '../../workflows/index.ts';
import { decisionForm, goLiveForm, PILOT_EVENT_LABELS, type PilotEventFailure } from './pilot-event.forms.ts';
import { pilotPath, pilotsPath, readinessWords, stageName } from './pilot-candidates.page.ts';
import { fieldParts, fieldSummary, noticeBox, refusalBox, type Form } from './rollout-pages.kit.ts';
import { formText as field } from './staff-route.kit.ts';
import { actorWords } from './solution.page.ts';
import { solutionTabs } from './solution-tabs.ts';
import { renderStaffLayout, type StaffFrame } from './staff.layout.ts';

/**
 * `/verwaltung/loesungen/:id/piloten/:ars`: one pilot – its checklist with a button per
 * status of each item (the API's PUT …/checklist/:key), its meetings and a form to record
 * one, the involvement of ZIT-BB and DIKOM, and its events (decision, go-live).
 */

export interface PilotDetailView {
  solution: { id: string; title: string };
  pilot: { ars: string; name: string; stage: string; readiness: Readiness | null; allowedEvents: readonly string[]; blockedEvents: readonly { type: string; reason: string }[] };
  checklist: Awaited<ReturnType<typeof getChecklist>>;
  meetings: Awaited<ReturnType<typeof listMeetings>>;
  itSupport: Awaited<ReturnType<typeof getItSupport>>;
  csrf: string;
  idempotencyKey: string;
  notice?: string;
  eventFailure?: PilotEventFailure;
  /** A form of this page sent back: which, its values, errors or the service's reason. */
  formFailure?: { form: 'checkliste' | 'termin' | 'it'; key?: string; values: Form; errors: readonly FieldError[]; reason: string };
}

const MEETING_KINDS: Readonly<Record<string, string>> = { videokonferenz: 'Videokonferenz', telefonkonferenz: 'Telefonkonferenz', 'vor-ort': 'vor Ort' };
const LABELS: Readonly<Record<string, string>> = {
  ...PILOT_EVENT_LABELS,
  status: 'Stand',
  art: 'Art des Termins',
  datum: 'Tag des Termins',
  teilnehmende: 'Wer teilnahm',
  notizen: 'Notizen',
  folgeaufgaben: 'Folgeaufgaben',
  moderiertDurchKaz: 'vom Kaz moderiert',
  seit: 'Seit wann',
  kontakt: 'Ansprechperson bei ZIT-BB/DIKOM',
  key: 'Checklistenpunkt',
};

function formOf(view: PilotDetailView, form: 'checkliste' | 'termin' | 'it') {
  return view.formFailure?.form === form ? view.formFailure : undefined;
}

function hidden(view: PilotDetailView): Html {
  return html`<input type="hidden" name="_csrf" value="${view.csrf}"><input type="hidden" name="schluessel" value="${view.idempotencyKey}">`;
}

/** A text, date or textarea control with label, hint and error line. */
function input(view: PilotDetailView, form: 'termin' | 'it', name: string, type: 'text' | 'date' | 'textarea', hint: string, maxLength: number, fallback = ''): Html {
  const mine = formOf(view, form);
  const id = `f-${name}`;
  const parts = fieldParts(mine?.errors, id, name, `hinweis-${name}`);
  const value = mine ? field(mine.values, name) : fallback;
  const control =
    type === 'textarea'
      ? html`<textarea id="${id}" name="${name}" rows="3" maxlength="${String(maxLength)}"${parts.attributes}>${value}</textarea>`
      : html`<input type="${type}" id="${id}" name="${name}" value="${value}"${type === 'text' ? html` maxlength="${String(maxLength)}"` : ''}${parts.attributes}>`;
  return html`<div class="feld"><label for="${id}">${LABELS[name] ?? name}</label>
<p class="hinweis" id="hinweis-${name}">${hint}</p>${parts.line}
${control}</div>`;
}

function checklistSection(view: PilotDetailView): Html {
  const { checklist } = view;
  const base = `${pilotPath(view.solution.id, view.pilot.ars)}/checkliste`;
  const items = checklist.items.map((item) => {
    const mine = view.formFailure?.form === 'checkliste' && view.formFailure.key === item.key ? view.formFailure : undefined;
    const id = `f-grund-${item.key}`;
    const parts = fieldParts(mine?.errors, id, 'reason', `hinweis-grund-${item.key}`);
    const others = CHECKLIST_STATUSES.filter((status) => status !== item.status);
    return html`<li id="punkt-${item.key}"><form method="post" action="${base}/${item.key}" novalidate>${hidden(view)}
<fieldset><legend>${item.label}${item.optional && !item.label.includes('optional') ? ' (optional)' : ''}: ${CHECKLIST_STATUS_LABELS[item.status]}</legend>
${mine && mine.errors.length === 0 ? refusalBox('Nicht gespeichert', mine.reason) : ''}
${item.updatedAt ? html`<p class="hinweis">Zuletzt geändert am ${germanDateTime(item.updatedAt)}${item.updatedBy ? html` von ${actorWords(item.updatedBy)}` : ''}${item.reason ? html`. Begründung: ${item.reason}` : ''}</p>` : ''}
<div class="feld"><label for="${id}">Begründung</label>
<p class="hinweis" id="hinweis-grund-${item.key}">Pflicht, wenn der Punkt entfällt.</p>${parts.line}
<input type="text" id="${id}" name="reason" maxlength="1000" value="${mine ? field(mine.values, 'reason') : ''}"${parts.attributes}></div>
<p class="knoepfe">${others.map((status) => html`<button type="submit" name="status" value="${status}">${CHECKLIST_STATUS_LABELS[status]}<span class="unsichtbar">: ${item.label}</span></button>`)}</p>
</fieldset></form></li>`;
  });
  return html`<section aria-labelledby="checkliste"><h2 id="checkliste">Checkliste</h2>
<p>${checklist.vollstaendig ? 'Alle Punkte sind erledigt oder entfallen: der Go-live ist möglich.' : `Noch offen: ${String(checklist.offen)} von ${String(checklist.items.length)} Punkten.`}
Jede Schaltfläche setzt den Punkt auf diesen Stand.</p>
<ul class="ereignisse">${items}</ul></section>`;
}

function meetingsSection(view: PilotDetailView): Html {
  const mine = formOf(view, 'termin');
  const list = view.meetings.items.map(
    (m) => html`<li><strong>${germanDate(m.datum)}: ${MEETING_KINDS[m.art] ?? m.art}</strong>${m.moderiertDurchKaz ? ', vom Kaz moderiert' : ''}
<br>Teilnehmende: ${m.teilnehmende.join(', ')}${m.notizen ? html`<p class="text">${m.notizen}</p>` : ''}${m.folgeaufgaben.length ? html`<p>Folgeaufgaben:</p><ul>${m.folgeaufgaben.map((task) => html`<li>${task}</li>`)}</ul>` : ''}
<br><span class="hinweis">erfasst von ${actorWords(m.erfasstVon)}</span></li>`,
  );
  const kind = mine ? field(mine.values, 'art') : '';
  const art = fieldParts(mine?.errors, 'f-art', 'art');
  return html`<section aria-labelledby="termine"><h2 id="termine">Termine</h2>
${list.length ? html`<ol class="verlauf">${list}</ol>` : html`<p>Noch keine Termine erfasst.</p>`}
<form method="post" action="${pilotPath(view.solution.id, view.pilot.ars)}/termine" novalidate>${hidden(view)}
<fieldset><legend>Termin erfassen</legend>
${mine && mine.errors.length === 0 ? refusalBox('Der Termin wurde nicht erfasst', mine.reason) : ''}
<div class="feld"><label for="f-art">${LABELS.art}</label>${art.line}
<select id="f-art" name="art"${art.attributes}><option value="">Bitte wählen</option>${Object.entries(MEETING_KINDS).map(([value, text]) => html`<option value="${value}"${kind === value ? html` selected` : ''}>${text}</option>`)}</select></div>
${input(view, 'termin', 'datum', 'date', 'JJJJ-MM-TT', 10)}
${input(view, 'termin', 'teilnehmende', 'textarea', 'Je Zeile eine Person mit Stelle; mindestens eine, höchstens 50.', 12000)}
${input(view, 'termin', 'notizen', 'textarea', 'Optional, höchstens 10 000 Zeichen.', 10000)}
${input(view, 'termin', 'folgeaufgaben', 'textarea', 'Optional: je Zeile eine Aufgabe, höchstens 50.', 30000)}
<div class="option"><input type="checkbox" id="f-moderiertDurchKaz" name="moderiertDurchKaz" value="ja"${mine && field(mine.values, 'moderiertDurchKaz') === 'ja' ? html` checked` : ''}><label for="f-moderiertDurchKaz">${LABELS.moderiertDurchKaz}</label></div>
<button type="submit">Termin speichern</button></fieldset></form></section>`;
}

function itSection(view: PilotDetailView): Html {
  const mine = formOf(view, 'it');
  const s = view.itSupport;
  const checked = (name: 'zitBb' | 'dikom') => (mine ? field(mine.values, name) === 'ja' : s[name]);
  return html`<section aria-labelledby="it"><h2 id="it">Einbindung von ZIT-BB und DIKOM</h2>
<p>${s.zitBb ? 'ZIT-BB ist eingebunden' : 'ZIT-BB ist nicht eingebunden'}${s.dikom ? ', DIKOM ebenfalls' : ''}${s.seit ? html`, seit ${germanDate(s.seit)}` : ''}${s.kontakt ? html`; Ansprechperson: ${s.kontakt}` : ''}.
${s.geaendertAm ? html`<span class="hinweis">Zuletzt geändert am ${germanDateTime(s.geaendertAm)}${s.geaendertVon ? html` von ${actorWords(s.geaendertVon)}` : ''}.</span>` : ''}</p>
<form method="post" action="${pilotPath(view.solution.id, view.pilot.ars)}/it-unterstuetzung" novalidate>${hidden(view)}
<fieldset><legend>Einbindung ändern</legend>
${mine && mine.errors.length === 0 ? refusalBox('Nicht gespeichert', mine.reason) : ''}
<div class="option"><input type="checkbox" id="f-zitBb" name="zitBb" value="ja"${checked('zitBb') ? html` checked` : ''}><label for="f-zitBb">ZIT-BB eingebunden</label></div>
<div class="option"><input type="checkbox" id="f-dikom" name="dikom" value="ja"${checked('dikom') ? html` checked` : ''}><label for="f-dikom">DIKOM (über den ZIT-BB) eingebunden</label></div>
${input(view, 'it', 'seit', 'date', 'Optional (JJJJ-MM-TT).', 10, s.seit ?? '')}
${input(view, 'it', 'kontakt', 'text', 'Optional, eine Zeile, höchstens 300 Zeichen.', 300, s.kontakt ?? '')}
<button type="submit">Einbindung speichern</button></fieldset></form></section>`;
}

export function renderPilotDetail(frame: StaffFrame, view: PilotDetailView): Html {
  const { pilot } = view;
  const formErrors = view.formFailure?.errors ?? [];
  const eventErrors = view.eventFailure?.errors ?? [];
  const anchor = (name: string) =>
    eventErrors.some((e) => e.field === name) ? `f-${pilot.ars}-${name}` : view.formFailure?.form === 'checkliste' ? `f-grund-${view.formFailure.key ?? ''}` : `f-${name}`;
  const summary = fieldSummary([...eventErrors, ...formErrors], (name) => LABELS[name] ?? name, anchor);
  const eventView = {
    action: `${pilotPath(view.solution.id, pilot.ars)}/ereignis`,
    csrf: view.csrf,
    idempotencyKey: view.idempotencyKey,
    back: 'pilot' as const,
    ars: pilot.ars,
    authorityName: pilot.name,
    allowedEvents: pilot.allowedEvents,
    blockedEvents: pilot.blockedEvents,
    ...(view.eventFailure ? { failure: view.eventFailure } : {}),
  };
  const refused = view.eventFailure && eventErrors.length === 0 ? refusalBox('Das war nicht möglich', view.eventFailure.reason) : '';
  return renderStaffLayout(
    frame,
    html`${summary}${refused}<p><a href="${pilotsPath(view.solution.id)}">Zurück zu den Piloten</a></p>
<h1>Pilot ${pilot.name}</h1>
${frame.session ? solutionTabs(view.solution.id, 'pilots', frame.session.principal.role) : ''}
${noticeBox(view.notice)}
<dl>
<dt>Lösung</dt><dd>${view.solution.title}</dd>
<dt>Regionalschlüssel</dt><dd>${pilot.ars}</dd>
<dt>Stadium</dt><dd>${stageName(pilot.stage)}</dd>
<dt>Bereitschaft</dt><dd>${readinessWords(pilot.readiness)}</dd>
</dl>
<section aria-labelledby="ereignisse"><h2 id="ereignisse">Entscheidung und Go-live</h2>
${decisionForm(eventView) || goLiveForm(eventView) ? html`${decisionForm(eventView)}${goLiveForm(eventView)}` : html`<p>Im Stadium „${stageName(pilot.stage)}“ gibt es hier gerade nichts zu entscheiden oder zu melden.</p>`}</section>
${checklistSection(view)}
${meetingsSection(view)}
${itSection(view)}`,
  );
}
