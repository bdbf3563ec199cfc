import type { FastifyReply } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database, ResponseLink } from '../db/schema.ts';
import type { EngineDeps } from '../engine/workflow.engine.ts';
import { ConflictError, InvalidInputError } from '../errors/domain.errors.ts';
import { loadLinkAnswerability } from '../links/link-answers.ts';
import {
  GoLiveRefused,
  isPilotPageOpen,
  pilotChecklistOf,
  pilotStageOf,
  reportGoLiveFromPage,
  saveChecklistFromPage,
} from '../pilots/pilot-page.service.ts';
import { formValue, type FormFields } from '../responses/response.service.ts';
import { LinkProblem } from '../links/link.verify.ts';
import { renderThanksPage } from './answer.pages.ts';
import { refuseDamagedFields } from './form-body.ts';
import { sendHtml } from './layout.ts';
import type { LinkPageKit } from './link-page.kit.ts';
import { renderNotAPilotPage, renderPilotPage, type PilotPageView } from './pilot.page.ts';

/**
 * A confirmed pilot's own page (`pilotbetrieb`): the checklist form, taken again and
 * again, and the go-live form, which uses the link up. Reached from the answer route of
 * /antwort/:token after the same checks as every answer (Origin, CSRF, link open).
 */
export type PilotPageHandler = (reply: FastifyReply, link: ResponseLink, token: string, csrf: string, fields?: FormFields) => Promise<FastifyReply>;

export function createPilotPageHandler(deps: { db: Kysely<Database>; engine: EngineDeps; now: () => Date; kit: LinkPageKit }): PilotPageHandler {
  const { db, engine, now, kit } = deps;
  return async function answerPilotPage(reply, link, token, csrf, fields) {
    // an ended or paused rollout says so before the forms; a pilot that moved on hears what became of it
    const answerability = await loadLinkAnswerability(db, { ...link, purpose: 'pilotbetrieb' });
    if (answerability.state === 'beendet' || answerability.state === 'ruht') throw new LinkProblem('nicht-offen', { link, answerability });
    const ctx = await kit.contextFor(link, token, 0);
    const stage = await pilotStageOf(db, link);
    if (!isPilotPageOpen(stage)) return sendHtml(reply, 409, renderNotAPilotPage(ctx, stage));
    // the forms post to the page's own URL: relative, so it works behind a path prefix too
    const view = { action: token, csrf };
    const page = async (status: number, extra: Partial<PilotPageView> = {}) =>
      sendHtml(reply, status, renderPilotPage(ctx, { ...view, ...extra, items: extra.items ?? (await pilotChecklistOf(db, link)) }));
    if (!fields) return page(200);
    const aktion = formValue(fields, 'aktion');
    const serviceDeps = { db, engine, now };
    try {
      refuseDamagedFields(fields);
      if (aktion === 'checkliste') {
        const { changed, checklist } = await saveChecklistFromPage(serviceDeps, link, fields);
        return page(200, { saved: changed, items: checklist.items });
      }
      if (aktion === 'live') {
        const recorded = await reportGoLiveFromPage(serviceDeps, link, fields);
        return sendHtml(reply, 200, renderThanksPage(await kit.contextFor({ ...link, used_at: now() }, token, 0), recorded));
      }
      return page(422, { errors: [{ field: 'aktion', message: 'Bitte senden Sie eines der Formulare dieser Seite ab.' }] });
    } catch (error) {
      const form = aktion === 'live' ? 'live' : 'checkliste';
      if (error instanceof InvalidInputError) return page(422, { errors: error.errors, values: fields, form });
      if (error instanceof GoLiveRefused) return page(409, { openItems: error.openItems, refusedReason: error.reason, values: fields, form });
      // the pilot moved on meanwhile (went live, was excluded)
      if (error instanceof ConflictError) return sendHtml(reply, 409, renderNotAPilotPage(ctx, await pilotStageOf(db, link)));
      throw error;
    }
  };
}
