import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { actorOf } from '../auth/api-token.service.ts';
import { ACCESS } from '../auth/roles.ts';
import type { EngineDeps } from '../engine/workflow.engine.ts';
import { validateEventPayload } from '../engine/event-payload.validate.ts';
import { NotFoundError } from '../errors/domain.errors.ts';
import { getSolution } from '../solutions/solution.service.ts';
import { listHistory } from '../solutions/participant.queries.ts';
import { sendSolutionEvent } from '../solutions/solution.target.ts';
import { sendHtml } from './layout.ts';
import { confirmationOf, eventFromForm, eventName, formFieldOf, type FormValues } from './solution-events.ts';
import { eventPath, renderEventConfirmation, renderSolutionPage, solutionPath, type EventFailure } from './solution.page.ts';
import type { StaffFrame } from './staff.layout.ts';
import { stageWords } from './dashboard.page.ts';

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

const HIDDEN = { schema: { hide: true } } as const;
const TIMELINE_LENGTH = 50;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SUCCESS_PARAM = 'erfolg';

function checkId(id: string): string {
  // the API's Uuid schema refuses other ids with 422; a page for a path that cannot exist is simply not found
  if (!UUID.test(id)) throw new NotFoundError(`EfA-Lösung ${id} gibt es nicht`);
  return id;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : Array.isArray(value) && typeof value[0] === 'string' ? value[0] : '');

export function solutionPageRoutes(app: FastifyInstance, deps: SolutionPagesDeps): void {
  const { db, engine, frame } = deps;

  async function showPage(request: FastifyRequest, reply: FastifyReply, id: string, status: number, extra: { notice?: string; failure?: EventFailure }) {
    const principal = request.principal!;
    const [solution, history] = await Promise.all([
      getSolution(db, principal, id),
      listHistory(db, id, { limit: TIMELINE_LENGTH, newestFirst: true }),
    ]);
    return sendHtml(
      reply,
      status,
      renderSolutionPage(frame(request, reply, extra.failure ? `Fehler: ${solution.title}` : solution.title, solutionPath(id)), {
        solution,
        timeline: history.items,
        csrf: reply.generateCsrf(),
        // a form sent back keeps its key: nothing of it was applied
        idempotencyKey: extra.failure ? text((request.body as Record<string, unknown>).schluessel) || randomUUID() : randomUUID(),
        ...extra,
      }),
    );
  }

  app.get<{ Params: { id: string }; Querystring: Record<string, string | undefined> }>(
    '/verwaltung/loesungen/:id',
    { ...HIDDEN, config: { staffRoles: ACCESS.read } },
    async (request, reply) => {
      const id = checkId(request.params.id);
      const done = request.query[SUCCESS_PARAM];
      const notice = done && /^[A-Z_]{1,60}$/.test(done) ? `„${eventName(done)}“ wurde ausgeführt.` : undefined;
      return showPage(request, reply, id, 200, notice ? { notice } : {});
    },
  );

  app.post<{ Params: { id: string } }>(
    '/verwaltung/loesungen/:id/ereignis',
    { ...HIDDEN, config: { staffRoles: ACCESS.steer }, preHandler: deps.formGuards },
    async (request, reply) => {
      const id = checkId(request.params.id);
      const principal = request.principal!;
      const form = (request.body ?? {}) as FormValues;
      const type = text(form.ereignis);
      const key = text(form.schluessel);
      const fail = (status: number, failure: Omit<EventFailure, 'type' | 'values'>) =>
        showPage(request, reply, id, status, { failure: { type, values: form, ...failure } });
      if (!UUID.test(key)) return fail(422, { reason: 'Das Formular ist unvollständig. Bitte laden Sie die Seite neu.', errors: [] });

      const event = eventFromForm(type, form);
      // one message per field: the first the schema names
      const fieldErrors = (errors: readonly { field: string; message: string }[]) => {
        const byField = new Map<string, string>();
        for (const error of errors) if (!byField.has(formFieldOf(error))) byField.set(formFieldOf(error), error.message);
        return [...byField].map(([field, message]) => ({ field, message }));
      };
      const payloadErrors = validateEventPayload(engine.workflows, event, engine.now());
      if (payloadErrors.length) {
        return fail(422, { reason: 'Angaben fehlen oder sind ungültig', errors: fieldErrors(payloadErrors) });
      }

      // Before the confirmation: a page for an event the person cannot send now would ask in vain.
      const solution = await getSolution(db, principal, id);
      const blocked = solution.blockedEvents.find((b) => b.type === type);
      if (blocked) return fail(409, { reason: blocked.reason, errors: [] });
      const participants = Object.values(solution.participantsByStage).reduce((sum, n) => sum + n, 0);
      const confirmation = confirmationOf(type, event, participants);
      if (confirmation && text(form.bestaetigt) !== 'ja') {
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

      const result = await sendSolutionEvent(
        engine,
        {
          solutionId: id,
          event,
          actor: actorOf(principal),
          origin: 'client',
          ministryScope: principal.role === 'ministry' ? principal.ministry : null,
        },
        { idempotencyKey: `web:${id}:${key}` },
      );
      switch (result.kind) {
        case 'applied':
        case 'already-applied':
          return reply.redirect(`${solutionPath(id)}?${SUCCESS_PARAM}=${encodeURIComponent(type)}`, 303);
        case 'invalid':
          return fail(422, { reason: result.reason, errors: fieldErrors(result.errors) });
        case 'not-found':
          throw new NotFoundError(result.reason);
        case 'system-only':
          return fail(403, { reason: result.reason, errors: [] });
        case 'refused':
        case 'precondition-failed':
          return fail(409, { reason: result.reason, errors: [] });
        case 'solution-inactive':
          return fail(409, { reason: `${result.reason} (Stadium: ${stageWords(result.solutionStage)})`, errors: [] });
      }
    },
  );
}
