import type { ImportSummary } from '../directory/directory.import.ts';
import type { toDirectoryImportView } from '../directory/directory.views.ts';
import type { FieldError } from '../errors/domain.errors.ts';
import { html, type Html } from '../markup/html.ts';
import { germanDateTime } from '../time/berlin.clock.ts';
import { errorSummary } from './form.kit.ts';
import { renderStaffLayout, type StaffFrame } from './staff.layout.ts';

/**
 * `/verwaltung/verzeichnis`: the admin's Kommunalverzeichnis – the imports so far and the
 * upload of a new file, which first runs as a dry run: the page shows what would change
 * (counts, kinds, skipped rows, the authorities that would be deactivated) and applies
 * exactly the checked file, kept on the server, after the admin's confirmation.
 */

export const DIRECTORY_PATH = '/verwaltung/verzeichnis';
export const DRY_RUN_PATH = `${DIRECTORY_PATH}/probelauf`;
export const APPLY_PATH = `${DIRECTORY_PATH}/uebernehmen`;
/** Lists on the page: this many, then „und N weitere“. */
const LISTED = 25;

type ImportView = ReturnType<typeof toDirectoryImportView>;

const CHANGE_WORDS: Record<keyof ImportSummary['changes'], string> = {
  new: 'neu',
  changed: 'geändert',
  unchanged: 'unverändert',
  deactivated: 'deaktiviert',
  reactivated: 'wieder aktiv',
};

export interface DirectoryPageView {
  imports: readonly ImportView[];
  csrf: string;
  limitMiB: number;
  notice?: string;
  errors?: readonly FieldError[];
  land?: string;
}

function fieldError(errors: readonly FieldError[] | undefined, field: string): Html | '' {
  const mine = errors?.filter((e) => e.field === field) ?? [];
  return mine.length ? html`<div class="fehler" id="fehler-${field}"><span class="unsichtbar">Fehler: </span>${mine.map((e) => html`<p>${e.message}</p>`)}</div>` : '';
}
const described = (errors: readonly FieldError[] | undefined, field: string) =>
  errors?.some((e) => e.field === field) ? html` aria-describedby="hinweis-${field} fehler-${field}" aria-invalid="true"` : html` aria-describedby="hinweis-${field}"`;

const counted = (record: Record<string, number | undefined>) =>
  Object.entries(record)
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([key, n]) => `${key}: ${String(n)}`)
    .join(', ') || '–';

export function renderDirectoryPage(frame: StaffFrame, view: DirectoryPageView): Html {
  const list = view.imports.length
    ? html`<div class="tabelle" tabindex="0" role="region" aria-label="Tabelle der bisherigen Importe"><table><caption>Bisherige Importe, neueste zuerst</caption>
<thead><tr><th scope="col">Nr.</th><th scope="col">Datei</th><th scope="col">Importiert</th><th scope="col">Behörden je Art</th><th scope="col">Änderungen</th><th scope="col">Deaktiviert</th></tr></thead>
<tbody>${view.imports.map(
        (i) => html`<tr><th scope="row">${String(i.id)}</th><td>${i.sourceName} (${i.format}${i.encoding ? `, ${i.encoding}` : ''})</td><td>${germanDateTime(i.importedAt)}</td><td>${counted(i.counts)}</td><td>${i.changes ? counted(Object.fromEntries(Object.entries(i.changes).map(([k, n]) => [CHANGE_WORDS[k as keyof typeof CHANGE_WORDS] ?? k, n]))) : '–'}</td><td>${String(i.deactivated)}${i.deactivationAllowed ? ' (ausdrücklich erlaubt)' : ''}</td></tr>`,
      )}</tbody></table></div>`
    : html`<p>Noch kein Import.</p>`;
  return renderStaffLayout(
    frame,
    html`${errorSummary(view.errors ?? [])}<h1>Kommunalverzeichnis</h1>
${view.notice ? html`<div class="kasten" role="status"><p>${view.notice}</p></div>` : ''}
<section aria-labelledby="hochladen"><h2 id="hochladen">Neue Datei prüfen</h2>
<p>Die Datei wird zuerst nur geprüft (Probelauf): Sie sehen, was sich ändern würde, und übernehmen sie danach mit einem weiteren Klick.</p>
<form method="post" action="${DRY_RUN_PATH}" enctype="multipart/form-data"><input type="hidden" name="_csrf" value="${view.csrf}">
<div class="feld"><label for="f-datei">Datei (kvdaten.csv oder Destatis-Auszug AuszugGV als CSV)</label><p class="hinweis" id="hinweis-datei">UTF-8 oder Windows-1252, höchstens ${String(view.limitMiB)} MiB.</p>${fieldError(view.errors, 'datei')}
<input type="file" id="f-datei" name="datei" accept=".csv,text/csv"${described(view.errors, 'datei')}></div>
<div class="feld"><label for="f-land">Nur dieses Land (optional)</label><p class="hinweis" id="hinweis-land">Zweistelliger Länderschlüssel, z. B. 12 für Brandenburg; leer: alle Länder der Datei.</p>${fieldError(view.errors, 'land')}
<input type="text" id="f-land" name="land" inputmode="numeric" maxlength="2" value="${view.land ?? ''}"${described(view.errors, 'land')}></div>
<button type="submit">Datei prüfen (Probelauf)</button></form></section>
<section aria-labelledby="importe"><h2 id="importe">Bisherige Importe</h2>${list}</section>`,
  );
}

export interface DryRunView {
  summary: ImportSummary;
  stageId: string;
  sourceName: string;
  sha256: string;
  csrf: string;
  /** The import was refused without permission to deactivate (409): ask for it. */
  refusal?: string;
}

function capped<T>(items: readonly T[], total: number, render: (item: T) => Html): Html {
  const shown = items.slice(0, LISTED);
  const more = Math.max(total, items.length) - shown.length;
  return html`<ul>${shown.map((item) => html`<li>${render(item)}</li>`)}</ul>${more > 0 ? html`<p>und ${String(more)} weitere</p>` : ''}`;
}

export function renderDryRunPage(frame: StaffFrame, view: DryRunView): Html {
  const s = view.summary;
  const skipped = Object.entries(s.skipped.byOrganisationsart);
  return renderStaffLayout(
    frame,
    html`${view.refusal ? html`<div class="zusammenfassung" role="alert" tabindex="-1"><h2>Nicht übernommen</h2><p>${view.refusal}</p></div>` : ''}
<p><a href="${DIRECTORY_PATH}">Zurück zum Kommunalverzeichnis</a></p>
<h1>Probelauf: ${view.sourceName}</h1>
<p>Noch ist nichts geändert. Format ${s.format}, Kodierung ${s.encoding}; ${String(s.total)} Behörden in der Datei. Prüfsumme (SHA-256): <code>${view.sha256.slice(0, 16)}…</code></p>
<table><caption>Was sich ändern würde</caption><thead><tr><th scope="col">Änderung</th><th scope="col">Behörden</th></tr></thead>
<tbody>${(Object.keys(CHANGE_WORDS) as (keyof typeof CHANGE_WORDS)[]).map((key) => html`<tr><th scope="row">${CHANGE_WORDS[key]}</th><td>${String(s.changes[key])}</td></tr>`)}</tbody></table>
<table><caption>Behörden je Art</caption><thead><tr><th scope="col">Art</th><th scope="col">Anzahl</th></tr></thead>
<tbody>${Object.entries(s.counts).map(([kind, n]) => html`<tr><th scope="row">${kind}</th><td>${String(n ?? 0)}</td></tr>`)}</tbody></table>
<h2>Würden deaktiviert (${String(s.deactivated)})</h2>
${s.deactivated ? capped(s.deactivations, s.deactivated, (a) => html`${a.name} (${a.ars}, ${a.kind})`) : html`<p>Keine.</p>`}
<h2>Übersprungene Zeilen (${String(s.skipped.total)})</h2>
${skipped.length ? capped(skipped, skipped.length, ([art, n]) => html`${art}: ${String(n)}`) : html`<p>Keine.</p>`}
<section aria-labelledby="uebernehmen"><h2 id="uebernehmen">Übernehmen</h2>
${s.deactivationRefusal ? html`<div class="kasten"><p>${s.deactivationRefusal}</p></div>` : ''}
<form method="post" action="${APPLY_PATH}"><input type="hidden" name="_csrf" value="${view.csrf}"><input type="hidden" name="pruefung" value="${view.stageId}">
${s.deactivationRefusal ? html`<div class="option"><input type="checkbox" id="f-erlaubeDeaktivierung" name="erlaubeDeaktivierung" value="ja"><label for="f-erlaubeDeaktivierung">Ja, ${String(s.deactivated)} Behörden deaktivieren</label></div>` : ''}
<button type="submit">Diese Datei übernehmen</button></form>
<p class="hinweis">Die geprüfte Datei bleibt eine Stunde für Sie bereit.</p></section>`,
  );
}

/** The confirmation's file is gone: applied already, another person's (404) or expired (410). */
export function renderStageGonePage(frame: StaffFrame, status: 404 | 410, message: string): Html {
  return renderStaffLayout(
    frame,
    html`<h1>${status === 410 ? 'Die geprüfte Datei ist abgelaufen' : 'Die geprüfte Datei gibt es nicht (mehr)'}</h1><p>${message}</p><p><a href="${DIRECTORY_PATH}">Zum Kommunalverzeichnis: Datei neu hochladen</a></p>`,
  );
}
