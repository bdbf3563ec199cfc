import { JOB_STATUSES } from '../jobs/job.views.ts';
import type { jobOverview } from '../jobs/job.routes.ts';
import { html, type Html } from '../markup/html.ts';
import { renderStaffLayout, type StaffFrame } from './staff.layout.ts';

/** The operators' job overview: counts per kind and status, the latest jobs, a status filter (GET form). */

export const JOBS_PATH = '/verwaltung/jobs';

export const JOB_STATUS_WORDS: Record<(typeof JOB_STATUSES)[number], string> = {
  pending: 'wartet auf seine Zeit',
  running: 'läuft',
  waiting: 'wartet auf Fortsetzen',
  done: 'erledigt',
  failed: 'aufgegeben',
  cancelled: 'hinfällig',
};

type Overview = Awaited<ReturnType<typeof jobOverview>>;
const ERROR_LENGTH = 120;

const shortened = (text: string | null) => (!text ? '–' : text.length > ERROR_LENGTH ? `${text.slice(0, ERROR_LENGTH)}…` : text);
const dateTime = (iso: string) => new Date(iso).toLocaleString('de-DE', { timeZone: 'Europe/Berlin', dateStyle: 'medium', timeStyle: 'medium' });

export function renderJobOverview(frame: StaffFrame, overview: Overview, status: string | null): Html {
  const counts = overview.counts.toSorted((a, b) => a.kind.localeCompare(b.kind) || a.status.localeCompare(b.status));
  return renderStaffLayout(
    frame,
    html`<h1>Hintergrundaufträge</h1>
<h2>Anzahl je Art und Status</h2>
${
  counts.length === 0
    ? html`<p>Keine Aufträge.</p>`
    : html`<table><caption>Anzahl der Aufträge</caption><thead><tr><th scope="col">Art</th><th scope="col">Status</th><th scope="col">Anzahl</th></tr></thead>
<tbody>${counts.map((c) => html`<tr><th scope="row">${c.kind}</th><td>${JOB_STATUS_WORDS[c.status]}</td><td>${String(c.n)}</td></tr>`)}</tbody></table>`
}
<h2>Jüngste Aufträge</h2>
<form method="get" action="${JOBS_PATH}"><label for="f-status">Status</label>
<select id="f-status" name="status"><option value="">alle</option>${JOB_STATUSES.map(
      (s) => html`<option value="${s}"${status === s ? html` selected` : ''}>${JOB_STATUS_WORDS[s]}</option>`,
    )}</select> <button type="submit">Filtern</button></form>
${
  overview.items.length === 0
    ? html`<p>Keine Aufträge für diese Auswahl.</p>`
    : html`<table><caption>Die jüngsten Aufträge, neueste zuerst</caption>
<thead><tr><th scope="col">Nr.</th><th scope="col">Art</th><th scope="col">Status</th><th scope="col">Versuche</th><th scope="col">Fällig ab</th><th scope="col">Letzter Fehler</th></tr></thead>
<tbody>${overview.items.map(
        (job) => html`<tr><th scope="row">${String(job.id)}</th><td>${job.kind}</td><td>${JOB_STATUS_WORDS[job.status]}</td><td>${String(job.attempts)} von ${String(job.maxAttempts)}</td><td>${dateTime(job.runAt)}</td><td>${shortened(job.lastError)}</td></tr>`,
      )}</tbody></table>`
}`,
  );
}
