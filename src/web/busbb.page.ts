import type { listLeistungsbeschreibungen } from '../busbb/leistungsbeschreibung.service.ts';
import type { listReconciliations } from '../busbb/reconciliation.service.ts';
import type { FieldError } from '../errors/domain.errors.ts';
import { html, type Html } from '../markup/html.ts';
import { BUS_BB_SCHRITT_LABELS } from '../responses/answer.labels.ts';
import { PARTICIPANT_STAGE_LABELS } from '../responses/stage.words.ts';
import { germanDateTime } from '../time/berlin.clock.ts';
import { BUS_BB_SCHRITTE, type BusBbSchritte } from '../../workflows/index.ts';
import { errorSummary } from './form.kit.ts';
import { eventName } from './solution-events.ts';
import { actorWords } from './solution.page.ts';
import { solutionPagePath, solutionTabs } from './solution-tabs.ts';
import { renderStaffLayout, type StaffFrame } from './staff.layout.ts';

/**
 * `/verwaltung/loesungen/:id/bus-bb`: the Landesredaktion's page of a solution – its
 * Leistungsbeschreibungen with the form to confirm one, the authorities whose BUS-BB
 * steps wait for a confirmation (each with the button the machine takes now, a blocked
 * one disabled with its reason), the upload of a PVOG/BUS-BB export for a reconciliation
 * and the reconciliations so far. Readers without the right to act see no forms.
 */

export const busBbPath = (id: string) => solutionPagePath(id, 'busBb');
export const NOTE_MAX = 500;

export interface WaitingParticipant {
  ars: string;
  name: string;
  stage: string;
  schritte: BusBbSchritte;
  allowedEvents: readonly string[];
  blockedEvents: readonly { type: string; reason: string }[];
}

export interface BusBbPageView {
  solution: { id: string; title: string };
  leistungsbeschreibungen: Awaited<ReturnType<typeof listLeistungsbeschreibungen>>;
  waiting: { total: number; offset: number; limit: number; items: readonly WaitingParticipant[] };
  reconciliations: Awaited<ReturnType<typeof listReconciliations>>;
  csrf: string;
  idempotencyKey: string;
  mayConfirm: boolean;
  mayReconcile: boolean;
  notice?: string;
  /** Fields sent back (leikaKey, note, datei) with their messages; or the machine's refusal. */
  errors?: readonly FieldError[];
  refusal?: string;
  values?: { leikaKey?: string; note?: string };
}

export const BUS_BB_EVENTS = ['BUS_BB_SCHRITT_BESTAETIGEN', 'LIVE_BESTAETIGEN'] as const;
const stageWords = (stage: string) => PARTICIPANT_STAGE_LABELS[stage as keyof typeof PARTICIPANT_STAGE_LABELS] ?? stage;

/** The first step not yet confirmed: the only one the machine takes (in order). */
export function nextSchritt(schritte: BusBbSchritte) {
  return BUS_BB_SCHRITTE.find((schritt) => !schritte[schritt]?.bestaetigtAm) ?? null;
}

function fieldError(view: BusBbPageView, field: string): Html | '' {
  const error = view.errors?.find((e) => e.field === field);
  return error ? html`<p class="fehler" id="fehler-${field}"><span class="unsichtbar">Fehler: </span>${error.message}</p>` : '';
}
const invalid = (view: BusBbPageView, field: string, hint: string) =>
  view.errors?.some((e) => e.field === field) ? html` aria-describedby="${hint} fehler-${field}" aria-invalid="true"` : html` aria-describedby="${hint}"`;

function leistungsbeschreibungen(view: BusBbPageView): Html {
  const { items } = view.leistungsbeschreibungen;
  const open = items.filter((item) => !item.bestaetigt);
  const form =
    view.mayConfirm && open.length
      ? html`<form method="post" action="${busBbPath(view.solution.id)}/leistungsbeschreibungen" novalidate>
<input type="hidden" name="_csrf" value="${view.csrf}">
<div class="feld"><label for="f-leikaKey">LeiKa-Schlüssel</label><p class="hinweis" id="hinweis-leikaKey">Die Leistungsbeschreibung zu diesem Schlüssel ist im BUS-BB hinterlegt.</p>${fieldError(view, 'leikaKey')}
<select id="f-leikaKey" name="leikaKey"${invalid(view, 'leikaKey', 'hinweis-leikaKey')}>${open.map(
          (item) => html`<option value="${item.leikaKey}"${view.values?.leikaKey === item.leikaKey ? html` selected` : ''}>${item.leikaKey}</option>`,
        )}</select></div>
<div class="feld"><label for="f-note">Anmerkung (optional)</label><p class="hinweis" id="hinweis-note">Höchstens ${String(NOTE_MAX)} Zeichen.</p>${fieldError(view, 'note')}
<textarea id="f-note" name="note" rows="2" maxlength="${String(NOTE_MAX)}"${invalid(view, 'note', 'hinweis-note')}>${view.values?.note ?? ''}</textarea></div>
<button type="submit">Leistungsbeschreibung bestätigen</button></form>`
      : '';
  return html`<section aria-labelledby="lb-titel"><h2 id="lb-titel">Leistungsbeschreibungen im BUS-BB</h2>
<table><caption>Leistungsbeschreibungen je LeiKa-Schlüssel (${view.leistungsbeschreibungen.allConfirmed ? 'alle bestätigt' : `${open.length} offen`})</caption>
<thead><tr><th scope="col">LeiKa-Schlüssel</th><th scope="col">Stand</th><th scope="col">Anmerkung</th></tr></thead>
<tbody>${items.map(
    (item) =>
      html`<tr><th scope="row">${item.leikaKey}</th><td>${item.bestaetigt && item.confirmedAt ? html`bestätigt am ${germanDateTime(item.confirmedAt)} von ${actorWords(item.confirmedBy ?? '')}` : 'noch nicht bestätigt'}</td><td>${item.note ?? '–'}</td></tr>`,
  )}</tbody></table>${form}</section>`;
}

function stepWords(schritte: BusBbSchritte): Html {
  return html`<ul>${BUS_BB_SCHRITTE.map((schritt) => {
    const stand = schritte[schritt];
    const state = stand?.bestaetigtAm ? 'bestätigt' : stand?.gemeldetAm ? 'gemeldet, nicht bestätigt' : 'offen';
    return html`<li>${BUS_BB_SCHRITT_LABELS[schritt] ?? schritt}: ${state}</li>`;
  })}</ul>`;
}

function participantActions(view: BusBbPageView, p: WaitingParticipant): Html {
  if (!view.mayConfirm) return html`–`;
  const next = nextSchritt(p.schritte);
  const action = `${busBbPath(view.solution.id)}/teilnehmende/${p.ars}/ereignis`;
  const label = (type: string) => (type === 'BUS_BB_SCHRITT_BESTAETIGEN' && next ? `Schritt „${BUS_BB_SCHRITT_LABELS[next]}“ bestätigen` : type === 'LIVE_BESTAETIGEN' ? 'Live bestätigen' : eventName(type));
  const forms = BUS_BB_EVENTS.filter((type) => p.allowedEvents.includes(type)).map(
    (type) => html`<form method="post" action="${action}"><input type="hidden" name="_csrf" value="${view.csrf}"><input type="hidden" name="schluessel" value="${view.idempotencyKey}"><input type="hidden" name="ereignis" value="${type}">${type === 'BUS_BB_SCHRITT_BESTAETIGEN' && next ? html`<input type="hidden" name="schritt" value="${next}">` : ''}<button type="submit" aria-label="${label(type)}: ${p.name}">${label(type)}</button></form>`,
  );
  const blocked = p.blockedEvents
    .filter((b) => (BUS_BB_EVENTS as readonly string[]).includes(b.type))
    .map((b) => html`<button type="button" disabled aria-describedby="gesperrt-${p.ars}-${b.type}">${label(b.type)}</button><p class="hinweis" id="gesperrt-${p.ars}-${b.type}">${b.reason}</p>`);
  return forms.length || blocked.length ? html`${forms}${blocked}` : html`nichts zu bestätigen`;
}

function waiting(view: BusBbPageView): Html {
  const { items, total, offset, limit } = view.waiting;
  const pager =
    total > limit
      ? html`<p>Behörden ${String(offset + 1)} bis ${String(offset + items.length)} von ${String(total)}.${offset > 0 ? html` <a href="${busBbPath(view.solution.id)}?ab=${String(Math.max(0, offset - limit))}">Vorige</a>` : ''}${offset + limit < total ? html` <a href="${busBbPath(view.solution.id)}?ab=${String(offset + limit)}">Nächste</a>` : ''}</p>`
      : '';
  const table = items.length
    ? html`<div class="tabelle" tabindex="0" role="region" aria-label="Behörden mit BUS-BB-Schritten"><table><caption>Behörden in der Einführung oder mit verknüpftem Online-Dienst (${String(total)})</caption>
<thead><tr><th scope="col">Behörde</th><th scope="col">Stadium</th><th scope="col">BUS-BB-Schritte</th><th scope="col">Bestätigen</th></tr></thead>
<tbody>${items.map((p) => html`<tr><th scope="row">${p.name}<br>${p.ars}</th><td>${stageWords(p.stage)}</td><td>${stepWords(p.schritte)}</td><td>${participantActions(view, p)}</td></tr>`)}</tbody></table></div>`
    : html`<p>Keine Behörde ist gerade in der Einführung oder hat ihren Online-Dienst im BUS-BB verknüpft.</p>`;
  return html`<section aria-labelledby="warten-titel"><h2 id="warten-titel">Behörden, die auf eine Bestätigung warten</h2>
<p class="hinweis">Die Schritte werden der Reihe nach bestätigt; „Live bestätigen“ setzt den bestätigten Schritt „${BUS_BB_SCHRITT_LABELS['lsp-sichtbar']}“ voraus.</p>${table}${pager}</section>`;
}

function upload(view: BusBbPageView, limitMiB: number): Html | '' {
  if (!view.mayReconcile) return '';
  return html`<section aria-labelledby="abgleich-titel"><h2 id="abgleich-titel">Abgleich mit einem PVOG/BUS-BB-Export</h2>
<form method="post" action="${busBbPath(view.solution.id)}/abgleiche" enctype="multipart/form-data">
<input type="hidden" name="_csrf" value="${view.csrf}">
<div class="feld"><label for="f-datei">Exportdatei (JSON, XZuFi 2.2)</label><p class="hinweis" id="hinweis-datei">Der PVOG-Export der Zuständigkeiten als JSON-Dokument in UTF-8, höchstens ${String(limitMiB)} MiB. Ungültige Datensätze werden mit ihrer Position gemeldet, der gültige Rest abgeglichen.</p>${fieldError(view, 'datei')}
<input type="file" id="f-datei" name="datei" accept=".json,application/json"${invalid(view, 'datei', 'hinweis-datei')}></div>
<button type="submit">Export hochladen und abgleichen</button></form></section>`;
}

function reconciliationList(view: BusBbPageView): Html {
  const { items, total } = view.reconciliations;
  const body = items.length
    ? html`<div class="tabelle" tabindex="0" role="region" aria-label="Tabelle der bisherigen Abgleiche"><table><caption>Bisherige Abgleiche, neueste zuerst (${String(total)})</caption>
<thead><tr><th scope="col">Eingelesen</th><th scope="col">Quelle</th><th scope="col">Bestätigt</th><th scope="col">Gemeldet, nicht gefunden</th><th scope="col">Gefunden, nicht gemeldet</th><th scope="col">Fehlt</th><th scope="col">Angewandt</th></tr></thead>
<tbody>${items.map((r) => {
        const c = r.summary.categories;
        return html`<tr><th scope="row"><a href="${busBbPath(view.solution.id)}/abgleiche/${r.id}">${germanDateTime(r.createdAt)}</a></th><td>${r.sourceName}</td><td>${String(c['bestaetigt'] ?? 0)}</td><td>${String(c['gemeldet-nicht-gefunden'] ?? 0)}</td><td>${String(c['gefunden-nicht-gemeldet'] ?? 0)}</td><td>${String(c['fehlt'] ?? 0)}</td><td>${r.appliedAt ? germanDateTime(r.appliedAt) : 'nein'}</td></tr>`;
      })}</tbody></table></div>`
    : html`<p>Noch kein Abgleich.</p>`;
  return html`<section aria-labelledby="liste-titel"><h2 id="liste-titel">Bisherige Abgleiche</h2>${body}</section>`;
}

export function renderBusBbPage(frame: StaffFrame, view: BusBbPageView, limitMiB: number): Html {
  const messages = (view.errors ?? []).map((e) => ({ field: e.field, message: e.message }));
  const refusal = view.refusal ? html`<div class="zusammenfassung" role="alert" tabindex="-1"><h2>Das war nicht möglich</h2><p>${view.refusal}</p></div>` : '';
  const notice = view.notice ? html`<div class="kasten" role="status"><p>${view.notice}</p></div>` : '';
  return renderStaffLayout(
    frame,
    html`${errorSummary(messages)}${refusal}<h1>BUS-BB und Abgleich: ${view.solution.title}</h1>
${frame.session ? solutionTabs(view.solution.id, 'busBb', frame.session.principal.role) : ''}
${notice}
${leistungsbeschreibungen(view)}
${waiting(view)}
${upload(view, limitMiB)}
${reconciliationList(view)}`,
  );
}
