import type { TicketStage } from '../../workflows/index.ts';
import type { FieldError } from '../errors/domain.errors.ts';
import { html, joinHtml, type Html } from '../markup/html.ts';
import { PURPOSE_TITLES } from '../responses/answer.labels.ts';
import type { FormFields, LinkContext } from '../responses/response.service.ts';
import { MAX_OPEN_REPORTS, MAX_TEXT, MAX_TITLE, type AuthorityTicketSummary, type AuthorityTicketView } from '../tickets/authority-tickets.service.ts';
import { TICKET_CATEGORY_LABELS } from '../tickets/ticket.views.ts';
import { germanDateTime } from '../time/berlin.clock.ts';
import { csrfField, errorSummary, FormWriter } from './form.kit.ts';
import { renderLayout } from './layout.ts';
import { aboutBlock, contactBlock, standingBlock } from './link-page.blocks.ts';

/**
 * The authority's ticket pages: the problem report form, the confirmation, its tickets
 * of a solution and one ticket with the public part of its timeline and the reply form.
 * Same layout and rules as the answer pages (labels, error summary, no JavaScript);
 * hrefs are relative, so the pages work behind a path prefix.
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

export function renderProblemForm(ctx: LinkContext, view: ProblemFormView): Html {
  const w = new FormWriter(view);
  const errors = view.errors ?? [];
  return renderLayout(
    `${errors.length ? 'Fehler: ' : ''}Problem melden`,
    html`${errorSummary(errors)}
<h1>Problem melden</h1>
${aboutBlock({ ...ctx, reportHref: undefined })}
${standingBlock(ctx)}
<p>Hier melden Sie dem Kommunalen Anwendungszentrum (Kaz, ZIT-BB) ein technisches Problem bei der Einführung dieses Online-Dienstes. Das Kaz bearbeitet Ihre Meldung und antwortet Ihnen per E-Mail und auf der Seite Ihrer Meldung.</p>
<form method="post" action="${view.action}" novalidate>
${csrfField(view.csrf)}
${w.select('kategorie', 'Bereich', 'Welchen Bereich betrifft das Problem?', TICKET_CATEGORY_LABELS)}
${w.input('text', 'betreff', 'Betreff', `Kurz und knapp, höchstens ${MAX_TITLE} Zeichen.`, html` maxlength="${MAX_TITLE}"`)}
${w.textarea('beschreibung', 'Beschreibung', `Was haben Sie getan, was ist passiert, seit wann? Fehlermeldungen bitte wörtlich. Höchstens ${MAX_TEXT} Zeichen.`, MAX_TEXT)}
<button type="submit">Problem melden</button>
</form>
${contactBlock(ctx)}`,
  );
}

export function renderProblemReportedPage(ctx: LinkContext, ticket: { number: number; href: string }): Html {
  return renderLayout(
    'Ihr Problem ist gemeldet',
    html`<h1>Ihr Problem ist gemeldet</h1>
${aboutBlock({ ...ctx, reportHref: undefined })}
<p>Ihre Meldung hat die Nummer <strong>${ticket.number}</strong>. Das Kommunale Anwendungszentrum (Kaz, ZIT-BB) meldet sich bei Ihnen; Sie erhalten dazu eine E-Mail.</p>
<p><a href="${ticket.href}">Ihre Meldung Nr. ${ticket.number} ansehen</a> – dort sehen Sie den Stand und können dem Kaz antworten.</p>
${standingBlock(ctx)}
${contactBlock(ctx)}`,
  );
}

export function renderTooManyReportsPage(ctx: LinkContext, listHref: string | null): Html {
  const elsewhere = listHref
    ? html` Sie können auch auf einer Ihrer <a href="${listHref}">offenen Meldungen</a> antworten.`
    : ' Auf Ihre offenen Meldungen können Sie über die Links in den E-Mails des Kaz antworten.';
  return renderLayout(
    'Zu viele offene Meldungen',
    html`<h1>Ihre Behörde hat bereits ${MAX_OPEN_REPORTS} offene Meldungen</h1>
${aboutBlock({ ...ctx, reportHref: undefined })}
<p>Zu dieser Lösung sind von Ihrer Behörde schon ${MAX_OPEN_REPORTS} Meldungen offen. Es wurde nichts gespeichert.</p>
<p>Bitte wenden Sie sich direkt an das Kommunale Anwendungszentrum (Kaz, ZIT-BB), damit die offenen Fragen gemeinsam geklärt werden können.${elsewhere}</p>
${standingBlock(ctx)}
${contactBlock(ctx)}`,
  );
}

export function renderRolloutEndedPage(ctx: LinkContext): Html {
  return renderLayout(
    'Keine neuen Meldungen',
    html`<h1>Zu dieser Lösung sind keine neuen Meldungen mehr möglich</h1>
${aboutBlock({ ...ctx, reportHref: undefined })}
<p>Die Einführung dieses Online-Dienstes ist abgeschlossen. Es wurde nichts gespeichert.</p>
${standingBlock(ctx, { withNext: false })}
${contactBlock(ctx)}`,
  );
}

function stageWord(stage: TicketStage): string {
  return TICKET_STAGE_WORDS[stage] ?? stage;
}

export function renderTicketListPage(ctx: LinkContext, tickets: AuthorityTicketSummary[], hrefOf: (number: number) => string): Html {
  // A list, not a table: four columns do not fit a phone's 320 px without scrolling sideways (WCAG 1.4.10).
  const items = tickets.map(
    (ticket) =>
      html`<li><p><a href="${hrefOf(ticket.number)}">Nr. ${ticket.number}: ${ticket.title}</a></p><p>Status: ${stageWord(ticket.stage)} · Letzte Änderung: ${germanDateTime(ticket.updatedAt)}</p></li>`,
  );
  const list = tickets.length
    ? html`<h2>Ihre Meldungen</h2>\n<ul class="meldungen">\n${joinHtml(items, '\n')}\n</ul>`
    : html`<p>Zu dieser Lösung gibt es von Ihrer Behörde noch keine Meldungen.</p>`;
  return renderLayout(
    PURPOSE_TITLES.ticket,
    html`<h1>${PURPOSE_TITLES.ticket}</h1>
${aboutBlock({ ...ctx, reportHref: undefined })}
${standingBlock(ctx)}
${list}
${ctx.reportHref ? html`<p class="melden"><a href="${ctx.reportHref}">Neues Problem melden</a></p>` : ''}
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

function timelineItem(entry: AuthorityTicketView['timeline'][number]): Html {
  const when = html`<p class="hinweis">${germanDateTime(entry.at)}</p>`;
  if (entry.kind === 'status') {
    const status = entry.text === 'wartet auf Ihre Antwort' && entry.detail ? `${entry.text}: ${entry.detail}` : entry.text;
    const detail = entry.text !== 'wartet auf Ihre Antwort' && entry.detail ? html`<p class="text">${entry.detail}</p>` : '';
    return html`<li>${when}<p><strong>Status: ${status}</strong></p>${detail}</li>`;
  }
  const from = entry.from === 'behoerde' ? 'Ihre Nachricht' : entry.from === 'ministerium' ? 'Nachricht des Ministeriums' : 'Nachricht des Kaz';
  return html`<li class="${entry.from === 'behoerde' ? 'eigene' : 'kaz'}">${when}<p><strong>${from}</strong></p><p class="text">${entry.text}</p></li>`;
}

function replyForm(ticket: AuthorityTicketView, view: TicketPageView, reportHref: string | undefined): Html {
  const w = new FormWriter(view);
  const solved = ticket.stage === 'geloest' || ticket.stage === 'geschlossen';
  if (solved && ticket.reopenUntil && ticket.reopenUntil.getTime() < view.now.getTime()) {
    return html`<h2>Das Problem besteht weiter?</h2>
<p>Diese Meldung kann nicht mehr wiedereröffnet werden: Die Frist dafür endete am ${germanDateTime(ticket.reopenUntil)}.${reportHref ? html` Bitte <a href="${reportHref}">melden Sie das Problem neu</a>.` : ''}</p>`;
  }
  const [title, hint, button, aktion] = solved
    ? [
        'Das Problem besteht weiter',
        `Beschreiben Sie, was weiterhin nicht funktioniert. Die Meldung wird dann wiedereröffnet${ticket.reopenUntil ? ` (möglich bis ${germanDateTime(ticket.reopenUntil)})` : ''}.`,
        'Meldung wiedereröffnen',
        'wiedereroeffnen',
      ]
    : ['Antwort an das Kaz', `Zu dieser Meldung, höchstens ${MAX_TEXT} Zeichen.`, 'Antwort senden', 'antwort'];
  return html`<h2>${title}</h2>
<form method="post" action="${view.action}" novalidate>
${csrfField(view.csrf)}
<input type="hidden" name="aktion" value="${aktion}">
${w.textarea('text', 'Ihre Nachricht', hint, MAX_TEXT)}
<button type="submit">${button}</button>
</form>`;
}

export function renderTicketPage(ctx: LinkContext, ticket: AuthorityTicketView, view: TicketPageView): Html {
  const errors = view.errors ?? [];
  const waiting = [...ticket.timeline].reverse().find((e) => e.kind === 'status');
  const question =
    ticket.stage === 'wartet-auf-kommune' && waiting?.kind === 'status' && waiting.detail
      ? html`<div class="kasten"><p><strong>Das Kaz wartet auf Ihre Antwort:</strong> ${waiting.detail}</p></div>`
      : '';
  return renderLayout(
    `${errors.length ? 'Fehler: ' : ''}Meldung Nr. ${ticket.number}`,
    html`${errorSummary(errors)}
<h1>Meldung Nr. ${ticket.number}: ${ticket.title}</h1>
${aboutBlock(ctx)}
${view.notice ? html`<div class="kasten" role="status"><p>${view.notice}</p></div>` : ''}
<dl>
<dt>Status</dt><dd>${stageWord(ticket.stage)}</dd>
<dt>Bereich</dt><dd>${TICKET_CATEGORY_LABELS[ticket.category] ?? ticket.category}</dd>
<dt>Gemeldet am</dt><dd>${germanDateTime(ticket.createdAt)}</dd>
</dl>
<h2>Beschreibung</h2>
<p class="text">${ticket.description}</p>
${question}
<h2>Verlauf</h2>
<ol class="verlauf">
${joinHtml(ticket.timeline.map(timelineItem), '\n')}
</ol>
${replyForm(ticket, view, ctx.reportHref)}
${standingBlock(ctx)}
<p><a href="${view.listHref}">Alle Meldungen Ihrer Behörde zu dieser Lösung</a></p>
${contactBlock(ctx)}`,
  );
}
