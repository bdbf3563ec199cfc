import type { FieldError } from '../errors/domain.errors.ts';
import type { FormFields, LinkContext } from '../responses/response.service.ts';
import {
  aboutBlock,
  contactBlock,
  errorSummary,
  escapeHtml,
  FormWriter,
  germanDateTime,
  PURPOSE_TITLES,
  renderLayout,
} from './answer.pages.ts';
import type { TicketStage } from '../../workflows/index.ts';
import { MAX_OPEN_REPORTS, MAX_TEXT, MAX_TITLE, type AuthorityTicketSummary, type AuthorityTicketView } from '../tickets/authority-tickets.service.ts';
import { TICKET_CATEGORY_LABELS } from '../tickets/ticket.views.ts';

/**
 * The authority's ticket pages: the problem report form, the confirmation, its tickets
 * of a solution and one ticket with the public part of its timeline and the reply form.
 * Same layout and rules as the answer pages (labels, error summary, no JavaScript,
 * everything escaped); hrefs are relative, so the pages work behind a path prefix.
 */


export const TICKET_STAGE_WORDS: Record<TicketStage, string> = {
  neu: 'eingegangen',
  'in-bearbeitung': 'in Bearbeitung',
  'wartet-auf-kommune': 'wartet auf Ihre Antwort',
  geloest: 'gelöst',
  geschlossen: 'geschlossen',
};


export interface ProblemFormView {
  action: string;
  csrf: string;
  values?: FormFields;
  errors?: FieldError[];
}

export function renderProblemForm(ctx: LinkContext, view: ProblemFormView): string {
  const w = new FormWriter(view);
  const errors = view.errors ?? [];
  return renderLayout(
    `${errors.length ? 'Fehler: ' : ''}Problem melden`,
    `${errorSummary(errors)}
<h1>Problem melden</h1>
${aboutBlock({ ...ctx, reportHref: undefined })}
<p>Hier melden Sie dem Kommunalen Anwendungszentrum (Kaz, ZIT-BB) ein technisches Problem bei der Einführung dieses Online-Dienstes. Das Kaz bearbeitet Ihre Meldung und antwortet Ihnen per E-Mail und auf der Seite Ihrer Meldung.</p>
<form method="post" action="${escapeHtml(view.action)}" novalidate>
<input type="hidden" name="csrf" value="${escapeHtml(view.csrf)}">
${w.select('kategorie', 'Bereich', 'Welchen Bereich betrifft das Problem?', TICKET_CATEGORY_LABELS)}
${w.input('text', 'betreff', 'Betreff', `Kurz und knapp, höchstens ${MAX_TITLE} Zeichen.`, ` maxlength="${MAX_TITLE}"`)}
${w.textarea('beschreibung', 'Beschreibung', `Was haben Sie getan, was ist passiert, seit wann? Fehlermeldungen bitte wörtlich. Höchstens ${MAX_TEXT} Zeichen.`, MAX_TEXT)}
<button type="submit">Problem melden</button>
</form>
${contactBlock(ctx)}`,
  );
}

export function renderProblemReportedPage(ctx: LinkContext, ticket: { number: number; href: string }): string {
  return renderLayout(
    'Ihr Problem ist gemeldet',
    `<h1>Ihr Problem ist gemeldet</h1>
${aboutBlock({ ...ctx, reportHref: undefined })}
<p>Ihre Meldung hat die Nummer <strong>${ticket.number}</strong>. Das Kommunale Anwendungszentrum (Kaz, ZIT-BB) meldet sich bei Ihnen; Sie erhalten dazu eine E-Mail.</p>
<p><a href="${escapeHtml(ticket.href)}">Ihre Meldung Nr. ${ticket.number} ansehen</a> – dort sehen Sie den Stand und können dem Kaz antworten.</p>
${contactBlock(ctx)}`,
  );
}

export function renderTooManyReportsPage(ctx: LinkContext, listHref: string | null): string {
  return renderLayout(
    'Zu viele offene Meldungen',
    `<h1>Ihre Behörde hat bereits ${MAX_OPEN_REPORTS} offene Meldungen</h1>
${aboutBlock({ ...ctx, reportHref: undefined })}
<p>Zu dieser Lösung sind von Ihrer Behörde schon ${MAX_OPEN_REPORTS} Meldungen offen. Es wurde nichts gespeichert.</p>
<p>Bitte wenden Sie sich direkt an das Kommunale Anwendungszentrum (Kaz, ZIT-BB), damit die offenen Fragen gemeinsam geklärt werden können.${listHref ? ` Sie können auch auf einer Ihrer <a href="${escapeHtml(listHref)}">offenen Meldungen</a> antworten.` : ' Auf Ihre offenen Meldungen können Sie über die Links in den E-Mails des Kaz antworten.'}</p>
${contactBlock(ctx)}`,
  );
}

export function renderRolloutEndedPage(ctx: LinkContext): string {
  return renderLayout(
    'Keine neuen Meldungen',
    `<h1>Zu dieser Lösung sind keine neuen Meldungen mehr möglich</h1>
${aboutBlock({ ...ctx, reportHref: undefined })}
<p>Die Einführung dieses Online-Dienstes ist abgeschlossen. Es wurde nichts gespeichert.</p>
${contactBlock(ctx)}`,
  );
}

function stageBadge(stage: TicketStage): string {
  return escapeHtml(TICKET_STAGE_WORDS[stage] ?? stage);
}

export function renderTicketListPage(ctx: LinkContext, tickets: AuthorityTicketSummary[], hrefOf: (number: number) => string): string {
  // A list, not a table: four columns do not fit a phone's 320 px without scrolling sideways (WCAG 1.4.10).
  const items = tickets
    .map(
      (ticket) =>
        `<li><p><a href="${escapeHtml(hrefOf(ticket.number))}">Nr. ${ticket.number}: ${escapeHtml(ticket.title)}</a></p><p>Status: ${stageBadge(ticket.stage)} · Letzte Änderung: ${escapeHtml(germanDateTime(ticket.updatedAt))}</p></li>`,
    )
    .join('\n');
  const list = tickets.length
    ? `<h2>Ihre Meldungen</h2>\n<ul class="meldungen">\n${items}\n</ul>`
    : '<p>Zu dieser Lösung gibt es von Ihrer Behörde noch keine Meldungen.</p>';
  return renderLayout(
    PURPOSE_TITLES.ticket,
    `<h1>${escapeHtml(PURPOSE_TITLES.ticket)}</h1>
${aboutBlock({ ...ctx, reportHref: undefined })}
${list}
${ctx.reportHref ? `<p class="melden"><a href="${escapeHtml(ctx.reportHref)}">Neues Problem melden</a></p>` : ''}
${contactBlock(ctx)}`,
  );
}

export interface TicketPageView {
  action: string;
  csrf: string;
  listHref: string;
  values?: FormFields;
  errors?: FieldError[];
  /** A notice above the form: what just happened or why nothing was saved. */
  notice?: string;
  now: Date;
}

function timelineItem(entry: AuthorityTicketView['timeline'][number]): string {
  const when = `<p class="hinweis">${escapeHtml(germanDateTime(entry.at))}</p>`;
  if (entry.kind === 'status') {
    const status = entry.text === 'wartet auf Ihre Antwort' && entry.detail ? `${entry.text}: ${entry.detail}` : entry.text;
    const detail = entry.text !== 'wartet auf Ihre Antwort' && entry.detail ? `<p class="text">${escapeHtml(entry.detail)}</p>` : '';
    return `<li>${when}<p><strong>Status: ${escapeHtml(status)}</strong></p>${detail}</li>`;
  }
  const from = entry.from === 'behoerde' ? 'Ihre Nachricht' : entry.from === 'ministerium' ? 'Nachricht des Ministeriums' : 'Nachricht des Kaz';
  return `<li class="${entry.from === 'behoerde' ? 'eigene' : 'kaz'}">${when}<p><strong>${escapeHtml(from)}</strong></p><p class="text">${escapeHtml(entry.text)}</p></li>`;
}

function replyForm(ticket: AuthorityTicketView, view: TicketPageView, reportHref: string | undefined): string {
  const w = new FormWriter(view);
  const solved = ticket.stage === 'geloest' || ticket.stage === 'geschlossen';
  if (solved && ticket.reopenUntil && ticket.reopenUntil.getTime() < view.now.getTime()) {
    return `<h2>Das Problem besteht weiter?</h2>
<p>Diese Meldung kann nicht mehr wiedereröffnet werden: Die Frist dafür endete am ${escapeHtml(germanDateTime(ticket.reopenUntil))}.${reportHref ? ` Bitte <a href="${escapeHtml(reportHref)}">melden Sie das Problem neu</a>.` : ''}</p>`;
  }
  const [title, hint, button, aktion] = solved
    ? [
        'Das Problem besteht weiter',
        `Beschreiben Sie, was weiterhin nicht funktioniert. Die Meldung wird dann wiedereröffnet${ticket.reopenUntil ? ` (möglich bis ${germanDateTime(ticket.reopenUntil)})` : ''}.`,
        'Meldung wiedereröffnen',
        'wiedereroeffnen',
      ]
    : ['Antwort an das Kaz', `Zu dieser Meldung, höchstens ${MAX_TEXT} Zeichen.`, 'Antwort senden', 'antwort'];
  return `<h2>${escapeHtml(title)}</h2>
<form method="post" action="${escapeHtml(view.action)}" novalidate>
<input type="hidden" name="csrf" value="${escapeHtml(view.csrf)}">
<input type="hidden" name="aktion" value="${aktion}">
${w.textarea('text', 'Ihre Nachricht', hint, MAX_TEXT)}
<button type="submit">${escapeHtml(button)}</button>
</form>`;
}

export function renderTicketPage(ctx: LinkContext, ticket: AuthorityTicketView, view: TicketPageView): string {
  const errors = view.errors ?? [];
  const waiting = [...ticket.timeline].reverse().find((e) => e.kind === 'status');
  const question =
    ticket.stage === 'wartet-auf-kommune' && waiting?.kind === 'status' && waiting.detail
      ? `<div class="kasten"><p><strong>Das Kaz wartet auf Ihre Antwort:</strong> ${escapeHtml(waiting.detail)}</p></div>`
      : '';
  return renderLayout(
    `${errors.length ? 'Fehler: ' : ''}Meldung Nr. ${ticket.number}`,
    `${errorSummary(errors)}
<h1>Meldung Nr. ${ticket.number}: ${escapeHtml(ticket.title)}</h1>
${aboutBlock(ctx)}
${view.notice ? `<div class="kasten" role="status"><p>${escapeHtml(view.notice)}</p></div>` : ''}
<dl>
<dt>Status</dt><dd>${stageBadge(ticket.stage)}</dd>
<dt>Bereich</dt><dd>${escapeHtml(TICKET_CATEGORY_LABELS[ticket.category] ?? ticket.category)}</dd>
<dt>Gemeldet am</dt><dd>${escapeHtml(germanDateTime(ticket.createdAt))}</dd>
</dl>
<h2>Beschreibung</h2>
<p class="text">${escapeHtml(ticket.description)}</p>
${question}
<h2>Verlauf</h2>
<ol class="verlauf">
${ticket.timeline.map(timelineItem).join('\n')}
</ol>
${replyForm(ticket, view, ctx.reportHref)}
<p><a href="${escapeHtml(view.listHref)}">Alle Meldungen Ihrer Behörde zu dieser Lösung</a></p>
${contactBlock(ctx)}`,
  );
}
