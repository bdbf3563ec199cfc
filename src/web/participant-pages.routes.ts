import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { actorOf } from '../auth/api-token.service.ts';
import { ACCESS, mayRoleSendParticipantEvent, type Role } from '../auth/roles.ts';
import type { EngineDeps } from '../engine/workflow.engine.ts';
import { validateEventPayload } from '../engine/event-payload.validate.ts';
import { DomainError, InvalidInputError, NotFoundError, type FieldError } from '../errors/domain.errors.ts';
import type { MailingSettings } from '../mailings/mailing.service.ts';
import { renewParticipantLinks } from '../responses/link-renewal.service.ts';
import { BULK_MAX_PARTICIPANTS, sendBulkParticipantEvent } from '../solutions/bulk-events.service.ts';
import { getParticipant, listHistory, listParticipantKreise, listParticipants, participantNames } from '../solutions/participant.queries.ts';
import { sendParticipantEvent } from '../solutions/participant.target.ts';
import { getSolution } from '../solutions/solution.service.ts';
import { listWaves } from '../waves/wave.service.ts';
import { PARTICIPANT_EVENT_TYPES, PARTICIPANT_SYSTEM_EVENTS } from '../../workflows/index.ts';
import type { FormFields } from '../responses/response.service.ts';
import { damagedFieldErrors } from './form-body.ts';
import { sendHtml } from './layout.ts';
import { renderBulkConfirmation, renderBulkResult } from './participant-bulk.page.ts';
import { bulkEventsFor, participantAction, participantEventFromForm } from './participant-events.ts';
import { participantPath, participantsPath, renderParticipantList } from './participant-list.page.ts';
import { EMPTY_QUERY, filterOf, parseListQuery } from './participant-list.query.ts';
import { renderParticipantPage, type ParticipantFailure } from './participant.page.ts';
import { eventName, type FormValues } from './solution-events.ts';
import type { StaffFrame } from './staff.layout.ts';
import { eventFormFieldOf, formText, HIDDEN, isArs, isUuid, onePerField, pageOutcomeOf, pathUuid, staffEventSender } from './staff-route.kit.ts';

/**
 * The participant pages of a solution: the table (GET …/teilnehmende, the same query and
 * filter as GET /api/v1/solutions/:id/participants), its bulk action (POST
 * …/teilnehmende/sammelaktion: asks first, then sendBulkParticipantEvent as the API's
 * POST …/participants/events), one authority's page (GET …/teilnehmende/:ars) with its
 * events (POST …/:ars/ereignis: sendParticipantEvent as the API) and the renewal of its
 * links (POST …/:ars/links-erneuern: renewParticipantLinks as the API).
 */

export interface ParticipantPagesDeps {
  db: Kysely<Database>;
  engine: EngineDeps;
  /** The mail settings a link renewal's mail is made with (as the API's link-renewal route). */
  mailSettings: MailingSettings;
  frame: (request: FastifyRequest, reply: FastifyReply, title: string, path: string) => StaffFrame;
  formGuards: NonNullable<RouteShorthandOptions['preHandler']>;
}

const HISTORY_LENGTH = 50;
const MAIL_KINDS: Readonly<Record<string, string>> = {
  erstinformation: 'Erstinformation',
  pilotaufruf: 'Pilotaufruf',
  'pilot-einladung': 'Einladung als Pilotbehörde',
  'rollout-einladung': 'Einladung zum Rollout',
};

type Params = { id: string; ars: string };

function checkIds(params: Partial<Params>): void {
  pathUuid(params.id ?? '', 'EfA-Lösung');
  if (params.ars !== undefined && !isArs(params.ars)) throw new NotFoundError(`Behörde ${params.ars} ist nicht Teilnehmerin dieser Lösung`);
}

const list = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : typeof value === 'string' ? [value] : []);

/** One message per form field: the first the schema names. */
const fieldErrors = (errors: readonly FieldError[]) => onePerField(errors, eventFormFieldOf);

export function registerParticipantPageRoutes(app: FastifyInstance, deps: ParticipantPagesDeps): void {
  const { db, engine, frame } = deps;

  async function showList(request: FastifyRequest<{ Params: Params }>, reply: FastifyReply, status: number, extra: { refusal?: string; errors?: FieldError[] } = {}) {
    const { id } = request.params;
    const principal = request.principal!;
    const parsed = parseListQuery(request.query as Record<string, unknown>);
    const query = parsed.errors.length ? EMPTY_QUERY : parsed.query;
    const solution = await getSolution(db, principal, id);
    const [page, kreise, waves] = await Promise.all([listParticipants(db, id, { ...filterOf(query, engine.now()), withTotal: true }), listParticipantKreise(db, id), listWaves(db, principal, id)]);
    const form = (request.body ?? {}) as FormValues;
    const errors = [...parsed.errors, ...(extra.errors ?? [])];
    return sendHtml(
      reply,
      parsed.errors.length ? 422 : status,
      renderParticipantList(frame(request, reply, `${errors.length || extra.refusal ? 'Fehler: ' : ''}Behörden: ${solution.title}`, participantsPath(id)), {
        solution,
        query: parsed.errors.length ? { ...EMPTY_QUERY } : query,
        total: page.total,
        items: page.items,
        kreise,
        waves: waves.items,
        bulkEvents: bulkEventsFor(principal.role),
        csrf: reply.generateCsrf(),
        idempotencyKey: randomUUID(),
        errors,
        ...(extra.refusal ? { refusal: extra.refusal } : {}),
        values: { ereignis: formText(form, 'ereignis'), reason: formText(form, 'reason') },
      }),
    );
  }

  app.get<{ Params: Params }>('/verwaltung/loesungen/:id/teilnehmende', { ...HIDDEN, config: { staffRoles: ACCESS.read } }, async (request, reply) => {
    checkIds(request.params);
    return showList(request, reply, 200);
  });

  app.post<{ Params: Params }>(
    '/verwaltung/loesungen/:id/teilnehmende/sammelaktion',
    { ...HIDDEN, config: { staffRoles: ACCESS.steer }, preHandler: deps.formGuards },
    async (request, reply) => {
      checkIds(request.params);
      const { id } = request.params;
      const principal = request.principal!;
      const form = (request.body ?? {}) as FormValues;
      const type = formText(form, 'ereignis');
      const key = formText(form, 'schluessel');
      const ars = [...new Set(list(form.ars))];
      const errors: FieldError[] = [];
      if (!isUuid(key)) return showList(request, reply, 422, { refusal: 'Das Formular ist unvollständig. Bitte laden Sie die Seite neu.' });
      errors.push(...damagedFieldErrors(form as FormFields));
      if (!bulkEventsFor(principal.role).includes(type)) errors.push({ field: 'ereignis', message: 'Bitte ein Ereignis aus der Liste wählen.' });
      if (ars.length === 0) errors.push({ field: 'ars', message: 'Bitte mindestens eine Behörde in der Tabelle auswählen.' });
      if (ars.length > BULK_MAX_PARTICIPANTS || ars.some((a) => !isArs(a))) errors.push({ field: 'ars', message: 'Die Auswahl enthält ungültige Regionalschlüssel.' });
      if (errors.length) return showList(request, reply, 422, { errors });
      const reason = formText(form, 'reason').trim();
      const event = participantEventFromForm(type, reason ? { reason } : {});
      const payloadErrors = validateEventPayload(engine.workflows, event, engine.now());
      if (payloadErrors.length) return showList(request, reply, 422, { errors: fieldErrors(payloadErrors) });

      const solution = await getSolution(db, principal, id);
      const names = await participantNames(db, id, ars);
      if (formText(form, 'bestaetigt') !== 'ja') {
        const authorities = ars.map((a) => ({ ars: a, name: names.get(a) ?? `unbekannte Behörde ${a}` }));
        return sendHtml(
          reply,
          200,
          renderBulkConfirmation(frame(request, reply, `„${participantAction(type)}“ für ${ars.length} Behörden?`, participantsPath(id)), {
            solution,
            type,
            reason,
            authorities,
            csrf: reply.generateCsrf(),
            idempotencyKey: key,
          }),
        );
      }
      try {
        const result = await sendBulkParticipantEvent(engine, principal, id, { event, authorities: ars, idempotencyKey: `web:${id}:${key}` });
        return sendHtml(reply, 200, renderBulkResult(frame(request, reply, `Ergebnis: ${eventName(type)}`, participantsPath(id)), { solution, result, names }));
      } catch (error) {
        if (error instanceof InvalidInputError) return showList(request, reply, 422, { errors: fieldErrors(error.errors), refusal: error.detail });
        if (error instanceof DomainError && error.kind === 'conflict') return showList(request, reply, 409, { refusal: error.detail });
        throw error;
      }
    },
  );

  async function showParticipant(request: FastifyRequest<{ Params: Params }>, reply: FastifyReply, status: number, extra: { notice?: string; failure?: ParticipantFailure } = {}) {
    const { id, ars } = request.params;
    const principal = request.principal!;
    const solution = await getSolution(db, principal, id);
    const [participant, history] = await Promise.all([
      getParticipant(db, engine.workflows, id, ars, principal.role),
      listHistory(db, id, { ars, limit: HISTORY_LENGTH, newestFirst: true }),
    ]);
    const body = (request.body ?? {}) as FormValues;
    return sendHtml(
      reply,
      status,
      renderParticipantPage(frame(request, reply, `${extra.failure ? 'Fehler: ' : ''}${participant.name}`, participantPath(id, ars)), {
        solution,
        participant,
        history: history.items,
        mayRenewLinks: (ACCESS.steer as readonly Role[]).includes(principal.role),
        maySendEvents: (ACCESS.participantEvents as readonly Role[]).includes(principal.role),
        csrf: reply.generateCsrf(),
        // a form sent back keeps its key: nothing of it was applied
        idempotencyKey: extra.failure && isUuid(formText(body, 'schluessel')) ? formText(body, 'schluessel') : randomUUID(),
        ...extra,
      }),
    );
  }

  app.get<{ Params: Params; Querystring: Record<string, string | undefined> }>(
    '/verwaltung/loesungen/:id/teilnehmende/:ars',
    { ...HIDDEN, config: { staffRoles: ACCESS.read } },
    async (request, reply) => {
      checkIds(request.params);
      const done = request.query.erfolg;
      const renewed = request.query.erneuert;
      const notice =
        done && /^[A-Z_]{1,60}$/.test(done)
          ? `„${eventName(done)}“ wurde ausgeführt.`
          : renewed && renewed in MAIL_KINDS
            ? `Neue Links erteilt: Die Mail „${MAIL_KINDS[renewed]}“ mit den neuen Links ist zum Versand an die Behörde eingereiht; die bisherigen Links gelten nicht mehr.`
            : undefined;
      return showParticipant(request, reply, 200, notice ? { notice } : {});
    },
  );

  app.post<{ Params: Params }>(
    '/verwaltung/loesungen/:id/teilnehmende/:ars/ereignis',
    { ...HIDDEN, config: { staffRoles: ACCESS.participantEvents }, preHandler: deps.formGuards },
    async (request, reply) => {
      checkIds(request.params);
      const { id, ars } = request.params;
      const principal = request.principal!;
      const form = (request.body ?? {}) as FormValues;
      const type = formText(form, 'ereignis');
      const fail = (status: number, failure: Omit<ParticipantFailure, 'type' | 'values'>) => showParticipant(request, reply, status, { failure: { type, values: form, ...failure } });
      if (!isUuid(formText(form, 'schluessel'))) return fail(422, { reason: 'Das Formular ist unvollständig. Bitte laden Sie die Seite neu.', errors: [] });
      if (!(PARTICIPANT_EVENT_TYPES as readonly string[]).includes(type) || type in PARTICIPANT_SYSTEM_EVENTS) {
        return fail(422, { reason: 'Dieses Ereignis gibt es hier nicht.', errors: [] });
      }
      if (!mayRoleSendParticipantEvent(principal.role, type)) return fail(403, { reason: 'Dieses Ereignis steht Ihrer Rolle nicht zur Verfügung.', errors: [] });
      // characters the form parser had to take out: the text comes back to be checked (422)
      const damaged = damagedFieldErrors(form as FormFields);
      if (damaged.length) return fail(422, { reason: 'Angaben enthielten Steuerzeichen', errors: damaged });
      const event = participantEventFromForm(type, form);
      const payloadErrors = validateEventPayload(engine.workflows, event, engine.now());
      if (payloadErrors.length) return fail(422, { reason: 'Angaben fehlen oder sind ungültig', errors: fieldErrors(payloadErrors) });
      const result = await sendParticipantEvent(engine, { solutionId: id, ars, event, ...staffEventSender(principal) }, { idempotencyKey: `web:${id}:${ars}:${formText(form, 'schluessel')}` });
      const outcome = pageOutcomeOf(result, eventFormFieldOf);
      if (outcome.done) return reply.redirect(`${participantPath(id, ars)}?erfolg=${encodeURIComponent(type)}`, 303);
      return fail(outcome.status, { reason: outcome.reason, errors: outcome.errors });
    },
  );

  app.post<{ Params: Params }>(
    '/verwaltung/loesungen/:id/teilnehmende/:ars/links-erneuern',
    { ...HIDDEN, config: { staffRoles: ACCESS.steer }, preHandler: deps.formGuards },
    async (request, reply) => {
      checkIds(request.params);
      const { id, ars } = request.params;
      const principal = request.principal!;
      try {
        const renewal = await renewParticipantLinks({ engine, settings: deps.mailSettings }, { principal, actor: actorOf(principal), solutionId: id, ars });
        return reply.redirect(`${participantPath(id, ars)}?erneuert=${encodeURIComponent(renewal.kind)}`, 303);
      } catch (error) {
        if (error instanceof DomainError && (error.kind === 'conflict' || error.kind === 'invalid-input')) {
          return showParticipant(request, reply, error.kind === 'conflict' ? 409 : 422, { failure: { type: 'links', values: {}, errors: [], reason: error.detail } });
        }
        throw error;
      }
    },
  );
}
