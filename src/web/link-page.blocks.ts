import { html, type Html } from '../markup/html.ts';
import { describeAnswer } from '../responses/answer.labels.ts';
import type { LinkContext, RecordedAnswer } from '../responses/response.service.ts';
import { formatGermanDate } from '../mailings/template.render.ts';
import { ministryWithCode } from '../solutions/ministry-names.ts';
import { describeStanding } from '../responses/stage.words.ts';

/**
 * The blocks every page behind an authority's link repeats: whom and what the link is
 * about, where the authority stands and what comes next, whom to ask, the deadline the
 * mail named and a recorded answer in words.
 */

/** A recorded answer as a description list. */
export function answerList(recorded: RecordedAnswer | null): Html {
  if (!recorded) return html`<p>Ihre Antwort ist bereits eingegangen.</p>`;
  return html`<dl>${describeAnswer(recorded).map(([label, value]) => html`<dt>${label}</dt><dd>${value}</dd>`)}</dl>`;
}

export function aboutBlock(ctx: LinkContext): Html {
  return html`<div class="kasten"><dl>
<dt>Behörde</dt><dd>${ctx.authorityName}</dd>
<dt>EfA-Lösung</dt><dd>${ctx.solutionTitle}</dd>
<dt>Federführendes Ministerium</dt><dd>${ministryWithCode(ctx.leadMinistry)}</dd>
</dl>${reportLink(ctx)}</div>`;
}

/**
 * "Ihr Stand": the authority's stage, the rollout's phase and what comes next for it –
 * or, while the rollout is paused or over, that. Nothing when the authority is no
 * participant of a running rollout. `withNext: false` where the page's own text already
 * says what comes next (a paused or ended rollout).
 */
export function standingBlock(ctx: LinkContext, options: { withNext?: boolean } = {}): Html | '' {
  const words = describeStanding(ctx.standing);
  if (!words) return '';
  return html`<section class="kasten" aria-labelledby="stand-titel">
<h2 id="stand-titel">Ihr Stand</h2>
<dl>
${words.stage ? html`<dt>Stand Ihrer Behörde</dt><dd>${words.stage}</dd>` : ''}
${words.phase ? html`<dt>Rollout der Lösung</dt><dd>${words.phase}</dd>` : ''}
${options.withNext === false ? '' : html`<dt>Wie es weitergeht</dt><dd>${words.next}</dd>`}
</dl>
</section>`;
}

/** On every page of a valid link: technical trouble goes to the Kaz as a ticket. */
function reportLink(ctx: LinkContext): Html | '' {
  if (!ctx.reportHref) return '';
  return html`<p class="melden">Technisches Problem bei der Einführung? <a href="${ctx.reportHref}">Problem melden</a></p>`;
}

export function contactBlock(ctx: LinkContext | null): Html {
  if (!ctx) return html`<p>Bei Fragen wenden Sie sich bitte an das Ministerium, das Ihnen die E-Mail geschickt hat.</p>`;
  const { kontaktName, kontaktEmail, kontaktTelefon } = ctx.contact;
  const lines: Html[] = [];
  if (kontaktName) lines.push(html`${kontaktName}`);
  if (kontaktEmail) lines.push(html`E-Mail: <a href="mailto:${kontaktEmail}">${kontaktEmail}</a>`);
  if (kontaktTelefon) lines.push(html`Telefon: ${kontaktTelefon}`);
  const who = html`das federführende Ministerium, ${ministryWithCode(ctx.leadMinistry)}`;
  // the ticket link's questions are the Kaz's; the rollout itself stays the ministry's
  const about = ctx.purpose === 'ticket' ? 'Bei Fragen zur Nachnutzung selbst' : 'Bei Fragen';
  const kaz =
    ctx.purpose === 'ticket'
      ? html`<p>Fragen zu Ihren Meldungen beantwortet das Kommunale Anwendungszentrum (Kaz, ZIT-BB) auf der Seite der jeweiligen Meldung.</p>`
      : '';
  return lines.length
    ? html`<h2>Ansprechpartner</h2>${kaz}<p>${about} wenden Sie sich bitte an ${who}:<br>${lines.map((line, i) => (i ? html`<br>${line}` : line))}</p>`
    : html`${kaz}<p>${about} wenden Sie sich bitte an ${who}.</p>`;
}

/** The deadline the authority's mail named, in the mail's own words and date format. */
export function deadlineLine(ctx: LinkContext): Html | '' {
  if (!ctx.answerDeadline) return '';
  const date = formatGermanDate(ctx.answerDeadline.date);
  return ctx.answerDeadline.passed
    ? html`<p><strong>Rückmeldefrist: ${date}</strong> – die Frist ist verstrichen; solange dieser Link gilt, nehmen wir Ihre Antwort trotzdem gern an.</p>`
    : html`<p><strong>Rückmeldefrist: ${date}</strong></p>`;
}
