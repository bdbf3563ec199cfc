import type { FieldError } from '../errors/domain.errors.ts';
import { html, type Html } from '../markup/html.ts';
import { describeStanding } from '../responses/stage.words.ts';
import type { ParticipantStage, SolutionStage } from '../../workflows/index.ts';
import { errorSummary } from './form.kit.ts';
import { PARTICIPANT_EVENT_FIELDS, participantAction, type ParticipantEventField } from './participant-events.ts';
import { participantPath, participantsPath, participantStageWords, readinessWords } from './participant-list.page.ts';
import { actorWords, type TimelineEntry } from './solution.page.ts';
import { eventName, type FormValues } from './solution-events.ts';
import { solutionTabs } from './solution-tabs.ts';
import { participantProcessBlock } from './process-diagram.blocks.ts';
import { renderStaffLayout, type StaffFrame } from './staff.layout.ts';
import { germanDateTime } from '../time/berlin.clock.ts';

/**
 * `/verwaltung/loesungen/:id/teilnehmende/:ars`: one authority in one solution – where it
 * stands and what it reads as its next step, its address, the events this person may send
 * it now (blocked ones disabled with the reason), the renewal of its answer links, and
 * its history.
 */

export const participantEventPath = (id: string, ars: string) => `${participantPath(id, ars)}/ereignis`;
export const linkRenewalPath = (id: string, ars: string) => `${participantPath(id, ars)}/links-erneuern`;

export interface ParticipantDetail {
  ars: string;
  name: string;
  kind: string;
  kreisArs: string | null;
  email: string | null;
  authorityActive: boolean;
  stage: string;
  context: unknown;
  updatedAt: string;
  allowedEvents: readonly string[];
  blockedEvents: readonly { type: string; reason: string }[];
}

export interface ParticipantFailure {
  /** The event type, or 'links' for the renewal. */
  type: string;
  values: FormValues;
  errors: readonly FieldError[];
  reason: string;
}

export interface ParticipantPageView {
  solution: { id: string; title: string; stage: string };
  participant: ParticipantDetail;
  history: readonly TimelineEntry[];
  mayRenewLinks: boolean;
  /** false: the role sends no participant events (the Kaz); no buttons, a sentence instead. */
  maySendEvents: boolean;
  csrf: string;
  idempotencyKey: string;
  notice?: string;
  failure?: ParticipantFailure;
}

const fieldId = (type: string, name: string) => `f-${type}-${name}`;

function control(type: string, field: ParticipantEventField, failure: ParticipantFailure | undefined): Html {
  const mine = failure?.type === type ? failure : undefined;
  const raw = mine?.values[field.name];
  const given = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  const error = mine?.errors.find((e) => e.field === field.name);
  const id = fieldId(type, field.name);
  const hintId = `hinweis-${type}-${field.name}`;
  const errorId = `fehler-${type}-${field.name}`;
  const described = html` aria-describedby="${error ? `${hintId} ${errorId}` : hintId}"${error ? html` aria-invalid="true"` : ''}`;
  const errorLine = error ? html`<p class="fehler" id="${errorId}"><span class="unsichtbar">Fehler: </span>${error.message}</p>` : '';
  if (field.control === 'checkboxes') {
    return html`<fieldset id="${id}"><legend>${field.label}</legend><p class="hinweis" id="${hintId}">${field.hint}</p>${errorLine}
${Object.entries(field.options ?? {}).map(
  ([value, text]) =>
    html`<div class="option"><input type="checkbox" id="${id}-${value}" name="${field.name}" value="${value}"${given.includes(value) ? html` checked` : ''}${described}><label for="${id}-${value}">${text}</label></div>`,
)}</fieldset>`;
  }
  const value = given[0] ?? '';
  const attributes = html` id="${id}" name="${field.name}"${described}${field.required ? html` required` : ''}`;
  const input =
    field.control === 'textarea'
      ? html`<textarea${attributes} rows="3" maxlength="${String(field.maxLength ?? 2000)}">${value}</textarea>`
      : field.control === 'select'
        ? html`<select${attributes}><option value="">Bitte wählen</option>${Object.entries(field.options ?? {}).map(
            ([option, text]) => html`<option value="${option}"${value === option ? html` selected` : ''}>${text}</option>`,
          )}</select>`
        : html`<input type="${field.control}"${attributes} maxlength="${String(field.maxLength ?? 200)}" value="${value}">`;
  return html`<div class="feld"><label for="${id}">${field.label}</label><p class="hinweis" id="${hintId}">${field.hint}</p>${errorLine}
${input}</div>`;
}

function hidden(view: ParticipantPageView, type: string): Html {
  return html`<input type="hidden" name="_csrf" value="${view.csrf}"><input type="hidden" name="ereignis" value="${type}"><input type="hidden" name="schluessel" value="${view.idempotencyKey}">`;
}

function eventForm(view: ParticipantPageView, type: string): Html {
  const fields = PARTICIPANT_EVENT_FIELDS[type] ?? [];
  const action = participantEventPath(view.solution.id, view.participant.ars);
  if (fields.length === 0) return html`<li><form method="post" action="${action}">${hidden(view, type)}<button type="submit">${participantAction(type)}</button></form></li>`;
  return html`<li><form method="post" action="${action}" novalidate>${hidden(view, type)}<fieldset><legend>${participantAction(type)}</legend>
${fields.map((field) => control(type, field, view.failure))}<button type="submit">${participantAction(type)}</button></fieldset></form></li>`;
}

function eventSection(view: ParticipantPageView): Html {
  const { allowedEvents, blockedEvents } = view.participant;
  if (!view.maySendEvents) {
    return html`<section aria-labelledby="aktionen"><h2 id="aktionen">Ereignisse</h2><p>Ereignisse an die Behörde senden das Ministerium, der Betrieb und – für BUS-BB und Live-Gang – die Landesredaktion.</p></section>`;
  }
  return html`<section aria-labelledby="aktionen"><h2 id="aktionen">Was Sie jetzt tun können</h2>
${allowedEvents.length ? html`<ul class="ereignisse">${allowedEvents.map((type) => eventForm(view, type))}</ul>` : html`<p>Für diese Behörde können Sie gerade nichts auslösen.</p>`}
${blockedEvents.length
  ? html`<h3>Gerade nicht möglich</h3><ul class="ereignisse">${blockedEvents.map(
      (b, i) => html`<li><button type="button" disabled aria-describedby="gesperrt-${String(i)}">${participantAction(b.type)}</button><p class="hinweis" id="gesperrt-${String(i)}">${b.reason}</p></li>`,
    )}</ul>`
  : ''}</section>`;
}

function renewalSection(view: ParticipantPageView): Html | '' {
  if (!view.mayRenewLinks) return '';
  const { participant } = view;
  return html`<section aria-labelledby="links"><h2 id="links">Antwort-Links erneuern</h2>
<form method="post" action="${linkRenewalPath(view.solution.id, participant.ars)}"><input type="hidden" name="_csrf" value="${view.csrf}">
<p id="links-folge">Die Behörde erhält eine neue E-Mail${participant.email ? html` an ${participant.email}` : ''} mit neuen Links für alles, was sie noch beantworten kann; ihre bisherigen Links gelten danach nicht mehr.</p>
<button type="submit" aria-describedby="links-folge">Links erneuern und Mail senden</button></form></section>`;
}

/** The history's own rows besides the machine's events. */
const historyName = (type: string) => (type === 'LINKS_ERNEUERT' ? 'Antwort-Links erneuert' : eventName(type));

function historySection(history: readonly TimelineEntry[]): Html {
  if (history.length === 0) return html`<section aria-labelledby="verlauf"><h2 id="verlauf">Verlauf</h2><p>Noch keine Einträge.</p></section>`;
  return html`<section aria-labelledby="verlauf"><h2 id="verlauf">Verlauf</h2><p class="hinweis">Der neueste Eintrag zuerst.</p>
<ol class="verlauf">${history.map((entry) => {
    const { reason, freitext } = (entry.event ?? {}) as { reason?: unknown; freitext?: unknown };
    const change = entry.fromStage && entry.toStage && entry.fromStage !== entry.toStage ? html`<br>Stadium: ${participantStageWords(entry.fromStage)} → ${participantStageWords(entry.toStage)}` : '';
    return html`<li><strong>${historyName(entry.eventType)}</strong><br><time datetime="${entry.at}">${germanDateTime(entry.at)}</time>, ${actorWords(entry.actor)}${change}${typeof reason === 'string' ? html`<br>Begründung: ${reason}` : ''}${typeof freitext === 'string' ? html`<br>Anmerkung: ${freitext}` : ''}</li>`;
  })}</ol></section>`;
}

export function renderParticipantPage(frame: StaffFrame, view: ParticipantPageView): Html {
  const { participant: p, failure } = view;
  const label = (field: string) => (PARTICIPANT_EVENT_FIELDS[failure?.type ?? ''] ?? []).find((f) => f.name === field)?.label;
  const errors = failure ? failure.errors.map((e) => ({ field: e.field, message: label(e.field) ? `${label(e.field)}: ${e.message}` : e.message })) : [];
  const summary = errors.length ? errorSummary(errors, (field) => fieldId(failure!.type, field)) : '';
  const refusal =
    failure && errors.length === 0
      ? html`<div class="zusammenfassung" role="alert" tabindex="-1"><h2>${failure.type === 'links' ? 'Die Links ließen sich nicht erneuern' : html`„${participantAction(failure.type)}“ war nicht möglich`}</h2><p>${failure.reason}</p></div>`
      : '';
  const readiness = (p.context as { readiness?: { status?: string } | null } | null)?.readiness?.status;
  const standing = describeStanding({
    participantStage: p.stage as ParticipantStage,
    solutionStage: view.solution.stage as SolutionStage,
    readiness: readiness === 'bereit' || readiness === 'bereit-ab' || readiness === 'nicht-bereit' ? readiness : null,
  });
  return renderStaffLayout(
    frame,
    html`${summary}${refusal}<p><a href="${participantsPath(view.solution.id)}">Zurück zur Tabelle der Behörden</a></p>
<h1>${p.name}</h1>
${frame.session ? solutionTabs(view.solution.id, 'participants', frame.session.principal.role) : ''}
${view.notice ? html`<div class="kasten" role="status"><p>${view.notice}</p></div>` : ''}
<p>Lösung: ${view.solution.title}</p>
<dl>
<dt>Stadium</dt><dd>${participantStageWords(p.stage)}</dd>
<dt>Nächster Schritt, wie ihn die Behörde auf ihren Seiten liest</dt><dd>${standing ? html`<blockquote><p>${standing.next}</p></blockquote>` : '–'}</dd>
<dt>Bereitschaft</dt><dd>${readinessWords(p.context)}</dd>
<dt>ARS</dt><dd>${p.ars}</dd>
<dt>Kreis (ARS)</dt><dd>${p.kreisArs ?? '–'}</dd>
<dt>E-Mail laut Kommunalverzeichnis</dt><dd>${p.email ? html`<a href="mailto:${p.email}">${p.email}</a>` : 'keine hinterlegt'}</dd>
${p.authorityActive ? '' : html`<dt>Hinweis</dt><dd>Im Kommunalverzeichnis nicht mehr aktiv.</dd>`}
<dt>Letzte Änderung</dt><dd>${germanDateTime(p.updatedAt)}</dd>
</dl>
${eventSection(view)}
${renewalSection(view)}
${historySection(view.history)}
${participantProcessBlock(p.stage)}`,
  );
}
