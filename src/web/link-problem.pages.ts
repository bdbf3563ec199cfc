import type { LinkAnswerability } from '../links/link-answers.ts';
import { html, type Html } from '../markup/html.ts';
import { PARTICIPANT_STAGE_LABELS } from '../responses/stage.words.ts';
import type { ParticipantStage } from '../../workflows/index.ts';
import type { LinkContext, RecordedAnswer } from '../responses/response.service.ts';
import { germanDateTime } from '../time/berlin.clock.ts';
import { renderLayout } from './layout.ts';
import { aboutBlock, answerList, contactBlock, standingBlock } from './link-page.blocks.ts';

/**
 * The pages for a link that cannot take the answer: unknown, expired, replaced by a
 * newer one, already answered, an answer that no longer fits the authority's stage, a
 * question that has closed. Each says what was (not) saved and whom to ask.
 */

export function renderAlreadyAnsweredPage(ctx: LinkContext, recorded: RecordedAnswer | null): Html {
  return renderLayout(
    'Bereits beantwortet',
    html`<h1>Diese Anfrage ist bereits beantwortet</h1>
${aboutBlock(ctx)}
<p>Über diesen Link ist schon eine Antwort eingegangen. Eine zweite Antwort ist nicht möglich; es wurde nichts geändert.</p>
<h2>Ihre Angaben</h2>
${answerList(recorded)}
<p>Wenn sich etwas geändert hat, wenden Sie sich bitte an das Ministerium.</p>
${standingBlock(ctx)}
${contactBlock(ctx)}`,
  );
}

export function renderUnknownLinkPage(): Html {
  return renderLayout(
    'Link ungültig',
    html`<h1>Dieser Link ist ungültig</h1>
<p>Der Link ist unvollständig, verändert oder uns nicht bekannt. Es wurde nichts gespeichert.</p>
<p>Bitte öffnen Sie den Link direkt aus Ihrer E-Mail. Wenn Sie ihn kopieren, achten Sie darauf, ihn vollständig zu übernehmen.</p>
${contactBlock(null)}`,
  );
}

/** What an expired link had received: an answer is recorded even though the link can no longer be used. */
export interface ExpiredLinkAnswer {
  at: Date;
  recorded: RecordedAnswer | null;
}

/**
 * An expired link: what became of it and whom to ask depend on what the link was for –
 * an answer given through it stays recorded; the ticket link's contact is the Kaz, every
 * other link's the ministry that sent it.
 */
export function renderExpiredLinkPage(ctx: LinkContext | null, answered: ExpiredLinkAnswer | null = null): Html {
  const until = `Der Link galt bis ${ctx ? germanDateTime(ctx.expiresAt) : 'zu einem früheren Datum'}.`;
  let body: Html;
  if (answered) {
    body = html`<p>${until} Ihre Antwort ist am ${germanDateTime(answered.at)} eingegangen und gespeichert; sie gilt weiter.</p>
<h2>Ihre Angaben</h2>
${answerList(answered.recorded)}
<p>Zu dieser Anfrage müssen Sie nichts weiter tun. Möchten Sie Ihre Antwort ändern, teilen Sie das bitte dem federführenden Ministerium mit (Kontakt unten); es trägt die Änderung für Ihre Behörde ein.</p>`;
  } else if (ctx?.purpose === 'ticket') {
    body = html`<p>${until} Ihre Meldungen und Ihre Nachrichten an das Kommunale Anwendungszentrum (Kaz, ZIT-BB) bleiben gespeichert.</p>
<p>Einen neuen Link zu Ihren Meldungen erhalten Sie mit der nächsten E-Mail des Kaz. Besteht ein Problem weiter, wenden Sie sich bitte an das Kaz der ZIT-BB, oder melden Sie es über „Problem melden“ auf der Seite eines gültigen Links aus einer E-Mail des Ministeriums neu.</p>`;
  } else if (ctx?.purpose === 'pilotbetrieb') {
    body = html`<p>${until} Was Sie zuvor in Ihrer Checkliste gespeichert haben, bleibt erhalten; der Go-live wurde über diesen Link nicht gemeldet.</p>
<p>Bitte fordern Sie beim federführenden Ministerium einen neuen Link an (Kontakt unten).</p>`;
  } else {
    body = html`<p>${until} Es wurde nichts gespeichert.</p>
<p>Bitte fordern Sie beim federführenden Ministerium einen neuen Link an (Kontakt unten).</p>`;
  }
  return renderLayout(
    'Link abgelaufen',
    html`<h1>Dieser Link ist abgelaufen</h1>
${ctx ? aboutBlock(ctx) : ''}
${body}
${ctx ? standingBlock(ctx) : ''}
${contactBlock(ctx)}`,
  );
}

/** A link the ministry replaced by a new one (renewal): the new mail has the valid link. */
export function renderSupersededLinkPage(ctx: LinkContext | null): Html {
  return renderLayout(
    'Link nicht mehr gültig',
    html`<h1>Dieser Link ist nicht mehr gültig</h1>
${ctx ? aboutBlock(ctx) : ''}
<p>Das Ministerium hat Ihrer Behörde neue Links geschickt; dieser ältere Link gilt deshalb nicht mehr. Es wurde nichts gespeichert.</p>
<p>Bitte verwenden Sie den Link aus der neuesten E-Mail zu dieser Lösung.</p>
${ctx ? standingBlock(ctx) : ''}
${contactBlock(ctx)}`,
  );
}

export function renderUnfittingAnswerPage(ctx: LinkContext, stage: string | null): Html {
  // the stage the answer met, should the page know no standing of its own
  const standing = standingBlock(ctx);
  const label = stage ? PARTICIPANT_STAGE_LABELS[stage as ParticipantStage] : undefined;
  const where = standing || (label ? html`<p>Aktueller Stand Ihrer Behörde: <strong>${label}</strong>.</p>` : '');
  return renderLayout(
    'Antwort passt nicht zum Stand',
    html`<h1>Ihre Antwort passt nicht zum aktuellen Stand</h1>
${aboutBlock(ctx)}
<p>Diese Antwort kann zum jetzigen Stand der Nachnutzung nicht angenommen werden, zum Beispiel weil der Online-Dienst bei Ihnen schon live ist oder die Nachnutzung gerade ruht. Es wurde nichts gespeichert und nichts geändert.</p>
${where}
${contactBlock(ctx)}`,
  );
}

/**
 * A valid, unanswered link that takes no answer (link-answers.ts): said before any form,
 * so that nobody fills one in for nothing.
 */
export function renderClosedQuestionPage(ctx: LinkContext, answerability: Exclude<LinkAnswerability, { state: 'offen' }>): Html {
  let title: string;
  let text: string;
  if (answerability.state === 'beendet') {
    title = 'Keine Antwort mehr möglich';
    text =
      answerability.solutionStage === 'abgeschlossen'
        ? 'Der Rollout dieser EfA-Lösung ist abgeschlossen. Über diesen Link ist keine Antwort mehr möglich; Sie müssen nichts weiter tun.'
        : 'Das Ministerium hat den Rollout dieser EfA-Lösung beendet. Über diesen Link ist keine Antwort mehr möglich; Sie müssen nichts weiter tun.';
  } else if (answerability.state === 'ruht') {
    title = 'Der Rollout ruht gerade';
    text = `Das Ministerium hat den Rollout dieser EfA-Lösung vorübergehend angehalten. Sobald er weitergeht, können Sie über diesen Link antworten; er gilt bis ${germanDateTime(ctx.expiresAt)}.`;
  } else {
    const stage = answerability.stage ? PARTICIPANT_STAGE_LABELS[answerability.stage as ParticipantStage] : undefined;
    title = 'Diese Anfrage hat sich erledigt';
    text = stage
      ? `Seit dieser E-Mail hat sich der Stand Ihrer Behörde geändert: ${stage}. Die Frage dieses Links stellt sich deshalb nicht mehr; Sie müssen hier nichts tun.`
      : 'Ihre Behörde nimmt an der Nachnutzung dieser EfA-Lösung nicht mehr teil. Die Frage dieses Links stellt sich deshalb nicht mehr; Sie müssen hier nichts tun.';
  }
  return renderLayout(
    title,
    html`<h1>${title}</h1>
${aboutBlock(ctx)}
<p>${text}</p>
${standingBlock(ctx, { withNext: answerability.state === 'erledigt' })}
<p>Wenn Sie dazu Fragen haben, wenden Sie sich bitte an das Ministerium.</p>
${contactBlock(ctx)}`,
  );
}
