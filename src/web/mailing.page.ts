import { html, type Html } from '../markup/html.ts';
import { germanDateTime } from '../time/berlin.clock.ts';
import { formatGermanDate } from '../mailings/template.render.ts';
import { actorWords } from './solution.page.ts';
import { solutionPagePath, solutionTabs } from './solution-tabs.ts';
import { renderStaffLayout, type StaffFrame } from './staff.layout.ts';
import { MAILING_KIND_WORDS } from './mailing-form.ts';
import { MAILING_PROGRESS_SCRIPT_PATH } from './mailing-progress.script.ts';

/**
 * `/verwaltung/loesungen/:id/mailings/:mailingId`: how far one mailing's delivery is –
 * the counts per status as the API's mailing view gives them, a progress bar with its
 * text, the messages page by page, and when this was read (reload with „Aktualisieren“).
 * While the delivery runs, a small script of the service's own renews the progress block
 * (mailing-progress.script.ts).
 */

export const mailingPath = (id: string, mailingId: string) => `${solutionPagePath(id, 'mailings')}/${mailingId}`;
export const MESSAGES_PER_PAGE = 50;

export const MAIL_STATUS_WORDS: Readonly<Record<string, string>> = {
  ausstehend: 'wartet auf den Versand',
  'wird-gesendet': 'wird gesendet',
  angenommen: 'vom Mailserver angenommen',
  zurueckgestellt: 'zurückgestellt, neuer Versuch folgt',
  fehlgeschlagen: 'fehlgeschlagen',
  unzustellbar: 'unzustellbar',
  verworfen: 'nicht mehr versandt (nicht mehr nötig)',
};

/** What getMailingProgress answers (the API's MailingProgress). */
export interface MailingProgressView {
  id: string;
  kind: string;
  deadline: string | null;
  reminders: { count: number; intervalDays: number };
  createdBy: string;
  createdAt: string;
  recipientsTotal: number;
  withoutAddress: string[];
  messages: { total: number; byStatus: Partial<Record<string, number>>; open: number; done: boolean };
  reminderMessages: Partial<Record<string, number>>;
  escalationMessages: Partial<Record<string, number>>;
}

export interface MessageRow {
  ars: string | null;
  authority: string | null;
  email: string;
  role: string;
  kind: string;
  reminderNo: number;
  status: string;
  attempts: number;
  serverResponse: string | null;
  sentAt: string | null;
}

export interface MailingPageView {
  solution: { id: string; title: string };
  mailing: MailingProgressView;
  messages: { total: number; items: readonly MessageRow[] };
  /** 1-based. */
  page: number;
  readAt: Date;
  notice?: string;
}

function statusTable(caption: string, byStatus: Partial<Record<string, number>>): Html | '' {
  const rows = Object.entries(byStatus).filter(([, n]) => n);
  if (rows.length === 0) return '';
  return html`<table><caption>${caption}</caption><thead><tr><th scope="col">Status</th><th scope="col">Nachrichten</th></tr></thead>
<tbody>${rows.map(([status, n]) => html`<tr><th scope="row">${MAIL_STATUS_WORDS[status] ?? status}</th><td>${String(n)}</td></tr>`)}</tbody></table>`;
}

/** The block „Aktualisieren“ renews: progress bar, counts, time of reading. */
export function progressBlock(view: MailingPageView): Html {
  const { messages } = view.mailing;
  const finished = messages.total - messages.open;
  const here = `${mailingPath(view.solution.id, view.mailing.id)}${view.page > 1 ? `?seite=${view.page}` : ''}`;
  return html`<div id="versandstand" data-fertig="${messages.done ? 'ja' : 'nein'}">
<p><label for="versand">${String(finished)} von ${String(messages.total)} Mails sind verarbeitet${messages.done ? ' – der Versand ist abgeschlossen' : `, ${messages.open} noch unterwegs`}.</label></p>
<progress id="versand" max="${String(Math.max(messages.total, 1))}" value="${String(finished)}">${String(finished)} von ${String(messages.total)}</progress>
${statusTable('Mails je Status', messages.byStatus)}
${statusTable('Erinnerungen je Status', view.mailing.reminderMessages)}
${statusTable('Eskalationen je Status', view.mailing.escalationMessages)}
<p>Stand: <time datetime="${view.readAt.toISOString()}">${germanDateTime(view.readAt.toISOString())}</time> – <a href="${here}">Aktualisieren</a></p>
</div>`;
}

function messagesSection(view: MailingPageView): Html {
  const { total, items } = view.messages;
  const pages = Math.max(1, Math.ceil(total / MESSAGES_PER_PAGE));
  const link = (page: number, text: string) => html`<a href="${mailingPath(view.solution.id, view.mailing.id)}?seite=${String(page)}">${text}</a>`;
  const paging =
    pages > 1
      ? html`<nav aria-label="Seiten der Nachrichten"><p>Seite ${String(view.page)} von ${String(pages)}${view.page > 1 ? html` – ${link(view.page - 1, 'vorige Seite')}` : ''}${view.page < pages ? html` – ${link(view.page + 1, 'nächste Seite')}` : ''}</p></nav>`
      : '';
  if (items.length === 0) return html`<h2>Nachrichten</h2><p>Auf dieser Seite gibt es keine Nachrichten.</p>${paging}`;
  return html`<h2>Nachrichten</h2>
<div class="tabelle" tabindex="0" role="region" aria-label="Nachrichten des Mailings"><table>
<caption>${String(total)} Nachrichten, Seite ${String(view.page)}</caption>
<thead><tr><th scope="col">Empfänger</th><th scope="col">Status</th><th scope="col">Versuche</th><th scope="col">Gesendet</th></tr></thead>
<tbody>${items.map(
    (m) => html`<tr><th scope="row">${m.role === 'behoerde' ? html`${m.authority ?? ''} (${m.ars ?? ''})` : m.role === 'multiplikator' ? 'Multiplikator' : 'Ministerium'}<br>${m.email}${
      m.reminderNo ? html`<br>${m.kind === 'eskalation' ? 'Eskalation' : `Erinnerung ${m.reminderNo}`}` : ''
    }</th><td>${MAIL_STATUS_WORDS[m.status] ?? m.status}${m.serverResponse ? html`<br><span class="hinweis">${m.serverResponse}</span>` : ''}</td><td>${String(m.attempts)}</td><td>${m.sentAt ? germanDateTime(m.sentAt) : '–'}</td></tr>`,
  )}</tbody></table></div>
${paging}`;
}

export function renderMailingPage(frame: StaffFrame, view: MailingPageView): Html {
  const { mailing } = view;
  const notice = view.notice ? html`<div class="kasten" role="status"><p>${view.notice}</p></div>` : '';
  return renderStaffLayout(
    frame,
    html`<p><a href="${solutionPagePath(view.solution.id, 'mailings')}">Zurück zu den Mailings</a></p>
<h1>${MAILING_KIND_WORDS[mailing.kind] ?? mailing.kind}: ${view.solution.title}</h1>
${frame.session ? solutionTabs(view.solution.id, 'mailings', frame.session.principal.role) : ''}
${notice}
<dl>
<dt>Angelegt</dt><dd>${germanDateTime(mailing.createdAt)}, ${actorWords(mailing.createdBy)}</dd>
<dt>Ausgewählte Behörden</dt><dd>${String(mailing.recipientsTotal)}</dd>
${mailing.deadline ? html`<dt>Antwortfrist</dt><dd>${formatGermanDate(mailing.deadline)}${mailing.reminders.count ? `, danach ${mailing.reminders.count} Erinnerungen im Abstand von ${mailing.reminders.intervalDays} Tagen` : ''}</dd>` : ''}
${mailing.withoutAddress.length ? html`<dt>Ohne E-Mail-Adresse (nicht angeschrieben)</dt><dd>${mailing.withoutAddress.join(', ')}</dd>` : ''}
</dl>
<h2>Versandstand</h2>
<div aria-live="polite">${progressBlock(view)}</div>
${messagesSection(view)}
${view.mailing.messages.done ? '' : html`<script src="${MAILING_PROGRESS_SCRIPT_PATH}" defer></script>`}`,
  );
}
