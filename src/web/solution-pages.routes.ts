import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { ACCESS } from '../auth/roles.ts';
import type { EngineDeps } from '../engine/workflow.engine.ts';
import { validateEventPayload } from '../engine/event-payload.validate.ts';
import { getSolution } from '../solutions/solution.service.ts';
import { listHistory } from '../solutions/participant.queries.ts';
import { sendSolutionEvent } from '../solutions/solution.target.ts';
import { getCoverage } from '../coverage/coverage.queries.ts';
import { coverageSection } from './coverage.blocks.ts';
import { sendHtml } from './layout.ts';
import { confirmationOf, eventFromForm, eventName, type FormValues } from './solution-events.ts';
import { eventPath, renderEventConfirmation, renderSolutionPage, solutionPath, type EventFailure } from './solution.page.ts';
import type { StaffFrame } from './staff.layout.ts';
import { stageWords } from './dashboard.page.ts';
import { eventFormFieldOf, formText, HIDDEN, isUuid, onePerField, pageOutcomeOf, pathUuid, staffEventSender } from './staff-route.kit.ts';

/**
 * The routes of a solution's page: GET shows it, POST …/ereignis sends one event through
 * the same path as the API's POST /solutions/:id/events (sendSolutionEvent, the signed-in
 * person as sender, origin client), with an idempotency key from the form so that a
 * double submit applies once. Success redirects (303) back with a notice; a refusal shows
 * the page again with the machine's reason (409), missing or wrong fields with their
 * messages (422). Events that write to many authorities ask first (solution-events.ts).
 */

export interface SolutionPagesDeps {
  db: Kysely<Database>;
  engine: EngineDeps;
  frame: (request: FastifyRequest, reply: FastifyReply, title: string, path: string) => StaffFrame;
  /** Same origin, then the CSRF value (staff.routes.ts). */
  formGuards: NonNullable<RouteShorthandOptions['preHandler']>;
}

const TIMELINE_LENGTH = 50;
const SUCCESS_PARAM = 'erfolg';

export function solutionPageRoutes(app: FastifyInstance, deps: SolutionPagesDeps): void {
  const { db, engine, frame } = deps;

  async function showPage(request: FastifyRequest, reply: FastifyReply, id: string, status: number, extra: { notice?: string; failure?: EventFailure }) {
    const principal = request.principal!;
    const [solution, history, coverage] = await Promise.all([
      getSolution(db, principal, id),
      listHistory(db, id, { limit: TIMELINE_LENGTH, newestFirst: true }),
      getCoverage(db, principal, id, engine.now()),
    ]);
    return sendHtml(
      reply,
      status,
      renderSolutionPage(frame(request, reply, extra.failure ? `Fehler: ${solution.title}` : solution.title, solutionPath(id)), {
        solution,
        timeline: history.items,
        coverage: coverageSection(id, coverage),
        csrf: reply.generateCsrf(),
        // a form sent back keeps its key: nothing of it was applied
        idempotencyKey: extra.failure ? formText(request.body as FormValues, 'schluessel') || randomUUID() : randomUUID(),
        ...extra,
      }),
    );
  }

  app.get<{ Params: { id: string }; Querystring: Record<string, string | undefined> }>(
    '/verwaltung/loesungen/:id',
    { ...HIDDEN, config: { staffRoles: ACCESS.read } },
    async (request, reply) => {
      const id = pathUuid(request.params.id, 'EfA-Lösung');
      const done = request.query[SUCCESS_PARAM];
      const notice = done && /^[A-Z_]{1,60}$/.test(done) ? `„${eventName(done)}“ wurde ausgeführt.` : undefined;
      return showPage(request, reply, id, 200, notice ? { notice } : {});
    },
  );

  app.post<{ Params: { id: string } }>(
    '/verwaltung/loesungen/:id/ereignis',
    { ...HIDDEN, config: { staffRoles: ACCESS.steer }, preHandler: deps.formGuards },
    async (request, reply) => {
      const id = pathUuid(request.params.id, 'EfA-Lösung');
      const principal = request.principal!;
      const form = (request.body ?? {}) as FormValues;
      const type = formText(form, 'ereignis');
      const key = formText(form, 'schluessel');
      const fail = (status: number, failure: Omit<EventFailure, 'type' | 'values'>) =>
        showPage(request, reply, id, status, { failure: { type, values: form, ...failure } });
      if (!isUuid(key)) return fail(422, { reason: 'Das Formular ist unvollständig. Bitte laden Sie die Seite neu.', errors: [] });

      const event = eventFromForm(type, form);
      const payloadErrors = validateEventPayload(engine.workflows, event, engine.now());
      if (payloadErrors.length) {
        return fail(422, { reason: 'Angaben fehlen oder sind ungültig', errors: onePerField(payloadErrors, eventFormFieldOf) });
      }

      // Before the confirmation: a page for an event the person cannot send now would ask in vain.
      const solution = await getSolution(db, principal, id);
      const blocked = solution.blockedEvents.find((b) => b.type === type);
      if (blocked) return fail(409, { reason: blocked.reason, errors: [] });
      const participants = Object.values(solution.participantsByStage).reduce((sum, n) => sum + n, 0);
      const confirmation = confirmationOf(type, event, participants);
      if (confirmation && formText(form, 'bestaetigt') !== 'ja') {
        return sendHtml(
          reply,
          200,
          renderEventConfirmation(frame(request, reply, confirmation.question, eventPath(id)), {
            solution,
            type,
            values: form,
            csrf: reply.generateCsrf(),
            idempotencyKey: key,
            ...confirmation,
          }),
        );
      }

      const result = await sendSolutionEvent(engine, { solutionId: id, event, ...staffEventSender(principal) }, { idempotencyKey: `web:${id}:${key}` });
      const outcome = pageOutcomeOf(result, eventFormFieldOf);
      if (outcome.done) return reply.redirect(`${solutionPath(id)}?${SUCCESS_PARAM}=${encodeURIComponent(type)}`, 303);
      // the solution's page names the stage that holds its events back
      const reason = result.kind === 'solution-inactive' ? `${result.reason} (Stadium: ${stageWords(result.solutionStage)})` : outcome.reason;
      return fail(outcome.status, { reason, errors: outcome.errors });
    },
  );
}
