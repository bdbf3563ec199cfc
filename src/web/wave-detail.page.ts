import type { FieldError } from '../errors/domain.errors.ts';
import { html, type Html } from '../markup/html.ts';
import { germanDate, REASON_LABELS } from '../responses/answer.labels.ts';
import { germanDateTime } from '../time/berlin.clock.ts';
import type { getWave } from '../waves/wave.service.ts';
import { stageName } from './pilot-candidates.page.ts';
import { fieldParts, fieldSummary, noticeBox, refusalBox, type Form } from './rollout-pages.kit.ts';
import { formText as field } from './staff-route.kit.ts';
import { actorWords } from './solution.page.ts';
import { solutionTabs } from './solution-tabs.ts';
import { renderStaffLayout, type StaffFrame } from './staff.layout.ts';
import { PLAN_LABELS, readinessLine, unplannedTable, WAVE_STATE_WORDS, wavePath, wavesPath, type UnplannedPage, type WaveProgress } from './wave-list.page.ts';

/**
 * `/verwaltung/loesungen/:id/wellen/:waveId`: one wave – its members (each removable while
 * the wave is planned), where it stands per stage, the readiness answers, and for those
 * who steer: authorities added from the "ungeplant" list and the start, which asks first
 * how many authorities it will invite and mail.
 */

export type WaveDetail = Awaited<ReturnType<typeof getWave>>;

export interface WaveDetailView {
  solution: { id: string; title: string };
  wave: WaveDetail;
  progress: WaveProgress;
  unplanned: UnplannedPage;
  offset: number;
  limit: number;
  mayChange: boolean;
  csrf: string;
  idempotencyKey: string;
  notice?: string;
  /** A form sent back: which, its values, the fields' errors or the service's reason. */
  failure?: { form: 'mitglieder' | 'entfernen' | 'start'; values: Form; errors: readonly FieldError[]; reason: string };
}

const LABELS: Readonly<Record<string, string>> = { ...PLAN_LABELS, einladungMailen: 'Rollout-Einladung per E-Mail senden' };

function hidden(view: { csrf: string; idempotencyKey: string }): Html {
  return html`<input type="hidden" name="_csrf" value="${view.csrf}"><input type="hidden" name="schluessel" value="${view.idempotencyKey}">`;
}

function membersSection(view: WaveDetailView): Html {
  const { wave } = view;
  const removable = view.mayChange && wave.state === 'planned';
  const rows = wave.members.map(
    (m) => html`<tr><th scope="row">${m.name}</th><td>${m.ars}</td><td>${stageName(m.stage)}</td><td>${germanDateTime(m.addedAt)}, ${actorWords(m.addedBy)}</td>${
      removable
        ? html`<td><form method="post" action="${wavePath(view.solution.id, wave.id)}/mitglieder/${m.ars}/entfernen">${hidden(view)}<button type="submit">Entfernen<span class="unsichtbar">: ${m.name}</span></button></form></td>`
        : ''
    }</tr>`,
  );
  return html`<section aria-labelledby="mitglieder"><h2 id="mitglieder">Mitglieder</h2>
${view.failure?.form === 'entfernen' ? refusalBox('Nicht entfernt', view.failure.reason) : ''}
${wave.members.length
  ? html`<div class="tabelle" tabindex="0" role="region" aria-label="Mitglieder der Welle"><table>
<caption>${String(wave.members.length)} ${wave.members.length === 1 ? 'Mitglied' : 'Mitglieder'}</caption>
<thead><tr><th scope="col">Behörde</th><th scope="col">Regionalschlüssel</th><th scope="col">Stadium</th><th scope="col">Aufgenommen</th>${removable ? html`<th scope="col">Aktion</th>` : ''}</tr></thead>
<tbody>${rows}</tbody></table></div>`
  : html`<p>Die Welle hat noch keine Mitglieder.</p>`}</section>`;
}

function progressSection(p: WaveProgress): Html {
  const stages = Object.entries(p.byStage).sort(([, a], [, b]) => b - a);
  const gruende = Object.entries(p.nichtBereitGruende).filter(([, n]) => n > 0);
  return html`<section aria-labelledby="stand"><h2 id="stand">Stand</h2>
${p.antwortfristBis ? html`<p>Antwortfrist bis ${germanDateTime(p.antwortfristBis)}.</p>` : ''}
<table><caption>Mitglieder je Stadium</caption><thead><tr><th scope="col">Stadium</th><th scope="col">Behörden</th></tr></thead>
<tbody>${stages.length ? stages.map(([stage, n]) => html`<tr><th scope="row">${stageName(stage)}</th><td>${String(n)}</td></tr>`) : html`<tr><th scope="row">–</th><td>0</td></tr>`}</tbody></table>
<p>Bereitschaft – ${readinessLine(p)}.</p>
${gruende.length ? html`<p>Worauf die nicht bereiten warten: ${gruende.map(([g, n]) => `${REASON_LABELS[g as keyof typeof REASON_LABELS] ?? g}: ${n}`).join(', ')}.</p>` : ''}
${p.erwarteterStartProMonat.length ? html`<p>Erwarteter Start („bereit ab“): ${p.erwarteterStartProMonat.map((m) => `${m.month}: ${m.count}`).join(', ')}.</p>` : ''}
${p.overdue.count ? html`<p>Frist verstrichen ohne Antwort (${String(p.overdue.count)}): ${p.overdue.authorities.map((a) => a.name).join(', ')}.</p>` : ''}
${p.blockiert.count ? html`<p>Durch ein offenes Ticket der Kaz blockiert (${String(p.blockiert.count)}): ${p.blockiert.authorities.map((a) => `${a.name} (${a.ticketCount})`).join(', ')}.</p>` : ''}
</section>`;
}

function addForm(view: WaveDetailView): Html {
  const failure = view.failure?.form === 'mitglieder' ? view.failure : undefined;
  return html`<section aria-labelledby="aufnehmen"><h2 id="aufnehmen">Behörden aufnehmen</h2>
<form method="post" action="${wavePath(view.solution.id, view.wave.id)}/mitglieder" novalidate>${hidden(view)}
${failure && failure.errors.length === 0 ? refusalBox('Nicht aufgenommen', failure.reason) : ''}
${unplannedTable({ unplanned: view.unplanned, offset: view.offset, limit: view.limit, failure }, (offset) => `${wavePath(view.solution.id, view.wave.id)}?ab=${String(offset)}`)}
${view.unplanned.total ? html`<button type="submit">Angekreuzte aufnehmen</button>` : ''}</form></section>`;
}

function startForm(view: WaveDetailView): Html {
  const failure = view.failure?.form === 'start' ? view.failure : undefined;
  const frist = fieldParts(failure?.errors, 'f-fristTage', 'fristTage', 'hinweis-fristTage');
  const mail = failure ? field(failure.values, 'einladungMailen') === 'ja' : true;
  return html`<section aria-labelledby="starten"><h2 id="starten">Welle starten</h2>
<p>Der Start lädt jedes Mitglied ein, das noch eingeladen werden kann, und sendet ihm die Rollout-Einladung. Vorher fragen wir nach.</p>
<form method="post" action="${wavePath(view.solution.id, view.wave.id)}/starten" novalidate>${hidden(view)}
${failure && failure.errors.length === 0 ? refusalBox('Die Welle wurde nicht gestartet', failure.reason) : ''}
<div class="feld"><label for="f-fristTage">${LABELS.fristTage}</label>
<p class="hinweis" id="hinweis-fristTage">Optional: ganze Zahl von 1 bis 365; ohne Angabe die der Welle oder die übliche.</p>${frist.line}
<input type="text" id="f-fristTage" name="fristTage" maxlength="3" inputmode="numeric" value="${failure ? field(failure.values, 'fristTage') : view.wave.fristTage === null ? '' : String(view.wave.fristTage)}"${frist.attributes}></div>
<div class="option"><input type="checkbox" id="f-einladungMailen" name="einladungMailen" value="ja"${mail ? html` checked` : ''}><label for="f-einladungMailen">${LABELS.einladungMailen}</label></div>
<button type="submit">Welle starten …</button></form></section>`;
}

export function renderWaveDetail(frame: StaffFrame, view: WaveDetailView): Html {
  const { wave } = view;
  const summary = fieldSummary(view.failure?.errors ?? [], (name) => LABELS[name] ?? name, (name) => `f-${name}`);
  const planned = wave.state === 'planned';
  return renderStaffLayout(
    frame,
    html`${summary}<p><a href="${wavesPath(view.solution.id)}">Zurück zu den Wellen</a></p>
<h1>Welle „${wave.name}“</h1>
${frame.session ? solutionTabs(view.solution.id, 'waves', frame.session.principal.role) : ''}
${noticeBox(view.notice)}
<dl>
<dt>Lösung</dt><dd>${view.solution.title}</dd>
<dt>Zustand</dt><dd>${WAVE_STATE_WORDS[wave.state] ?? wave.state}${wave.startedAt ? html`, am ${germanDateTime(wave.startedAt)} von ${actorWords(wave.startedBy ?? '')}` : ''}</dd>
<dt>Zieltermin</dt><dd>${wave.targetDate ? germanDate(wave.targetDate) : 'keiner'}</dd>
<dt>Antwortfrist</dt><dd>${wave.fristTage === null ? 'die übliche' : `${String(wave.fristTage)} Tage`}</dd>
</dl>
${view.mayChange && planned ? startForm(view) : ''}
${progressSection(view.progress)}
${membersSection(view)}
${view.mayChange && planned ? addForm(view) : ''}`,
  );
}

export interface StartConfirmationView {
  solution: { id: string; title: string };
  wave: WaveDetail;
  invited: number;
  notInvitable: number;
  mail: boolean;
  fristTage: string;
  csrf: string;
  idempotencyKey: string;
}

/** The question before the start: how many authorities it invites and mails. */
export function renderStartConfirmation(frame: StaffFrame, view: StartConfirmationView): Html {
  const behoerden = (n: number) => (n === 1 ? '1 Behörde' : `${String(n)} Behörden`);
  const consequence = view.mail
    ? `Das lädt ${behoerden(view.invited)} ein: Jede erhält die Rollout-Einladung per E-Mail (Behörden ohne E-Mail-Adresse nennt das Ergebnis).`
    : `Das lädt ${behoerden(view.invited)} ein; es geht keine E-Mail hinaus.`;
  return renderStaffLayout(
    frame,
    html`<h1>Wirklich die Welle „${view.wave.name}“ starten?</h1>
<p>Lösung: ${view.solution.title}</p>
<div class="kasten"><p>${consequence}${view.notInvitable ? ` ${behoerden(view.notInvitable)} der Welle sind in einem Stadium, aus dem keine Einladung sie erreicht, und bleiben außen vor.` : ''} Die Mitglieder stehen danach fest.</p></div>
<form method="post" action="${wavePath(view.solution.id, view.wave.id)}/starten">${hidden(view)}<input type="hidden" name="bestaetigt" value="ja">
<input type="hidden" name="fristTage" value="${view.fristTage}"><input type="hidden" name="einladungMailen" value="${view.mail ? 'ja' : 'nein'}">
<button type="submit">Ja, Welle starten und ${behoerden(view.invited)} einladen</button></form>
<p><a href="${wavePath(view.solution.id, view.wave.id)}">Nein, zurück zur Welle</a></p>`,
  );
}
