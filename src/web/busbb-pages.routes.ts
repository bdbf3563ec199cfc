import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { actorOf } from '../auth/api-token.service.ts';
import { ACCESS, mayRoleSendParticipantEvent, participantEventForbidden, type Role } from '../auth/roles.ts';
import { RECONCILIATION_BODY_LIMIT_BYTES } from '../busbb/busbb.routes.ts';
import { confirmLeistungsbeschreibung, listLeistungsbeschreibungen } from '../busbb/leistungsbeschreibung.service.ts';
import { applyReconciliation, getReconciliation, importReconciliation, listReconciliations } from '../busbb/reconciliation.service.ts';
import type { EngineDeps } from '../engine/workflow.engine.ts';
import { validateEventPayload } from '../engine/event-payload.validate.ts';
import { ConflictError, InvalidInputError, NotFoundError, type FieldError } from '../errors/domain.errors.ts';
import { getParticipants, listParticipants } from '../solutions/participant.queries.ts';
import { sendParticipantEvent } from '../solutions/participant.target.ts';
import { getSolution } from '../solutions/solution.service.ts';
import { busBbSchritteOf } from '../../workflows/index.ts';
import { damagedFieldErrors } from './form-body.ts';
import { sendHtml } from './layout.ts';
import { BUS_BB_EVENTS, busBbPath, NOTE_MAX, renderBusBbPage, type BusBbPageView } from './busbb.page.ts';
import { readExportFile } from './reconciliation-file.ts';
import { APPLICABLE_STAGES, reconciliationPath, renderApplyConfirmation, renderReconciliationPage } from './reconciliation.page.ts';
import { registerUploadContext, uploadConfig, uploadedFile, type UploadGuard } from './upload.form.ts';
import { registerDirectoryPageRoutes } from './directory-pages.routes.ts';
import type { StaffFrame } from './staff.layout.ts';
import { formText, formTextTrimmed, HIDDEN, isArs, isUuid, pageOutcomeOf, staffEventSender } from './staff-route.kit.ts';

/**
 * The Landesredaktion's pages of a solution (BUS-BB and reconciliations) and – through
 * registerDirectoryPageRoutes – the admin's Kommunalverzeichnis upload. Every action goes
 * through the service function its API route calls, with the same arguments; a
 * participant's confirmation through the engine like POST …/participants/:ars/events,
 * with an idempotency key from the form. The two file uploads alone take multipart.
 */

export interface BusBbPagesDeps {
  db: Kysely<Database>;
  engine: EngineDeps;
  frame: (request: FastifyRequest, reply: FastifyReply, title: string, path: string) => StaffFrame;
  formGuards: NonNullable<RouteShorthandOptions['preHandler']>;
  /** The same-origin check, run on the uploads before their body is read. */
  sameOrigin: UploadGuard;
  /** BODY_LIMIT_BYTES: the largest directory file, as for the API. */
  directoryUploadLimitBytes?: number;
}

const LEIKA = /^\d{14}$/;
const PAGE = 50;
/** More participants than a solution has (BULK_MAX_PARTICIPANTS is the bound of a bulk action). */
const MOVABLE_MAX = 100_000;
const NOTICES: Record<string, string> = {
  lb: 'Die Leistungsbeschreibung ist als im BUS-BB hinterlegt bestätigt.',
  BUS_BB_SCHRITT_BESTAETIGEN: 'Der BUS-BB-Schritt ist bestätigt.',
  LIVE_BESTAETIGEN: 'Die Behörde ist als live bestätigt.',
  angewandt: 'Der Abgleich ist angewandt.',
  eingelesen: 'Der Export ist eingelesen und abgeglichen.',
};

type Params = { id: string; ars?: string; reconciliationId?: string };
const may = (group: readonly Role[], role: Role) => group.includes(role);

function checkIds(params: Params): void {
  if (!isUuid(params.id) || (params.reconciliationId !== undefined && !isUuid(params.reconciliationId)) || (params.ars !== undefined && !isArs(params.ars))) {
    throw new NotFoundError('Diese Seite gibt es nicht');
  }
}

export function registerBusBbPageRoutes(app: FastifyInstance, deps: BusBbPagesDeps): void {
  const { db, engine, frame, formGuards } = deps;
  const notice = (request: FastifyRequest) => NOTICES[formText(request.query as Record<string, unknown>, 'erfolg')];

  async function showPage(request: FastifyRequest<{ Params: Params }>, reply: FastifyReply, status: number, extra: Partial<BusBbPageView> = {}) {
    const principal = request.principal!;
    const { id } = request.params;
    const solution = await getSolution(db, principal, id);
    const offset = Math.min(Math.max(Number.parseInt(formText(request.query as Record<string, unknown>, 'ab'), 10) || 0, 0), 1_000_000);
    const [leistungsbeschreibungen, reconciliations, participants] = await Promise.all([
      listLeistungsbeschreibungen(db, principal, id),
      listReconciliations(db, principal, id, { limit: 20, offset: 0 }),
      listParticipants(db, id, { stage: ['onboarding', 'bus-bb-verknuepft'], limit: PAGE, offset }),
    ]);
    const details = await getParticipants(db, engine.workflows, id, participants.items.map((p) => p.ars.trim()), principal.role);
    const items = details.map((detail) => ({
      ars: detail.ars.trim(),
      name: detail.name,
      stage: detail.stage,
      schritte: busBbSchritteOf((detail.context ?? {}) as object),
      allowedEvents: detail.allowedEvents,
      blockedEvents: detail.blockedEvents,
    }));
    const view: BusBbPageView = {
      solution: { id, title: solution.title },
      leistungsbeschreibungen,
      reconciliations,
      waiting: { total: participants.total, offset, limit: PAGE, items },
      csrf: reply.generateCsrf(),
      idempotencyKey: randomUUID(),
      mayConfirm: may(ACCESS.busBb, principal.role),
      mayReconcile: may(ACCESS.reconcile, principal.role),
      ...extra,
    };
    const title = `${status >= 400 ? 'Fehler: ' : ''}BUS-BB und Abgleich: ${solution.title}`;
    return sendHtml(reply, status, renderBusBbPage(frame(request, reply, title, busBbPath(id)), view, RECONCILIATION_BODY_LIMIT_BYTES / 1024 / 1024));
  }

  app.get<{ Params: Params }>('/verwaltung/loesungen/:id/bus-bb', { ...HIDDEN, config: { staffRoles: ACCESS.read } }, async (request, reply) => {
    checkIds(request.params);
    const done = notice(request);
    return showPage(request, reply, 200, done ? { notice: done } : {});
  });

  app.post<{ Params: Params }>(
    '/verwaltung/loesungen/:id/bus-bb/leistungsbeschreibungen',
    { ...HIDDEN, config: { staffRoles: ACCESS.busBb }, preHandler: formGuards },
    async (request, reply) => {
      checkIds(request.params);
      const form = (request.body ?? {}) as Record<string, unknown>;
      const values = { leikaKey: formTextTrimmed(form, 'leikaKey'), note: formTextTrimmed(form, 'note') };
      const errors: FieldError[] = damagedFieldErrors(form as never).map((e) => ({ field: e.field, message: 'Das Feld enthielt Zeichen, die nicht gespeichert werden können (Steuerzeichen oder eine fehlerhafte Kodierung); bitte prüfen Sie den Text.' }));
      if (!LEIKA.test(values.leikaKey)) errors.push({ field: 'leikaKey', message: 'Bitte wählen Sie einen LeiKa-Schlüssel der Lösung (14 Ziffern).' });
      if (values.note.length > NOTE_MAX) errors.push({ field: 'note', message: `Die Anmerkung darf höchstens ${NOTE_MAX} Zeichen lang sein.` });
      if (errors.length) return showPage(request, reply, 422, { errors, values });
      const principal = request.principal!;
      try {
        await confirmLeistungsbeschreibung(db, principal, actorOf(principal), request.params.id, { leikaKey: values.leikaKey, ...(values.note ? { note: values.note } : {}) }, engine.now());
      } catch (error) {
        if (error instanceof InvalidInputError) return showPage(request, reply, 422, { values, errors: error.errors.map((e) => ({ field: 'leikaKey', message: `LeiKa-Schlüssel: ${e.message}` })) });
        if (error instanceof ConflictError) return showPage(request, reply, 409, { values, refusal: error.detail });
        throw error;
      }
      return reply.redirect(`${busBbPath(request.params.id)}?erfolg=lb`, 303);
    },
  );

  app.post<{ Params: Params }>(
    '/verwaltung/loesungen/:id/bus-bb/teilnehmende/:ars/ereignis',
    { ...HIDDEN, config: { staffRoles: ACCESS.participantEvents }, preHandler: formGuards },
    async (request, reply) => {
      checkIds(request.params);
      const { id, ars } = request.params as Required<Params>;
      const principal = request.principal!;
      const form = (request.body ?? {}) as Record<string, unknown>;
      const type = formText(form, 'ereignis');
      const key = formText(form, 'schluessel');
      if (!isUuid(key)) return showPage(request, reply, 422, { refusal: 'Das Formular ist unvollständig. Bitte laden Sie die Seite neu.' });
      if (!(BUS_BB_EVENTS as readonly string[]).includes(type)) return showPage(request, reply, 422, { refusal: `Auf dieser Seite lässt sich „${type}“ nicht senden.` });
      if (!mayRoleSendParticipantEvent(principal.role, type)) return showPage(request, reply, 403, { refusal: participantEventForbidden(principal.role, type) });
      const event = type === 'BUS_BB_SCHRITT_BESTAETIGEN' ? { type, schritt: formText(form, 'schritt') } : { type };
      const payloadErrors = validateEventPayload(engine.workflows, event, engine.now());
      if (payloadErrors.length) return showPage(request, reply, 422, { refusal: `Angaben fehlen oder sind ungültig: ${payloadErrors.map((e) => e.message).join('; ')}` });
      const result = await sendParticipantEvent(
        engine,
        { solutionId: id, ars, event, ...staffEventSender(principal) },
        // one page's key serves every button on it: the event and its step make each form's own
        { idempotencyKey: `web:${id}:${ars}:${type}:${'schritt' in event ? event.schritt : ''}:${key}` },
      );
      // the page's buttons have no fields to mark: the reason says it all
      const outcome = pageOutcomeOf(result);
      if (outcome.done) return reply.redirect(`${busBbPath(id)}?erfolg=${type}`, 303);
      return showPage(request, reply, outcome.status, { refusal: outcome.status === 409 ? `Behörde ${ars}: ${outcome.reason}` : outcome.reason });
    },
  );

  registerUploadContext(app, deps.sameOrigin, (context) => {
    context.post<{ Params: Params }>(
      '/verwaltung/loesungen/:id/bus-bb/abgleiche',
      { ...HIDDEN, config: { staffRoles: ACCESS.reconcile, ...uploadConfig(RECONCILIATION_BODY_LIMIT_BYTES) }, preHandler: formGuards },
      async (request, reply) => {
        checkIds(request.params);
        const principal = request.principal!;
        const reading = readExportFile(uploadedFile(request.body, 'datei'), RECONCILIATION_BODY_LIMIT_BYTES);
        const refuse = (status: number, messages: string[]) => showPage(request, reply, status, { errors: messages.map((message) => ({ field: 'datei', message })) });
        if (!reading.ok) return refuse(reading.status, reading.messages);
        let view;
        try {
          view = await importReconciliation({ db, engine }, principal, actorOf(principal), request.params.id, reading.input);
        } catch (error) {
          if (error instanceof InvalidInputError) return refuse(422, error.errors.map((e) => `Exportdatei, ${e.field}: ${e.message}`));
          throw error;
        }
        return reply.redirect(`${reconciliationPath(request.params.id, view.id)}?erfolg=eingelesen`, 303);
      },
    );
  });
  registerDirectoryPageRoutes(app, { db, frame, formGuards, sameOrigin: deps.sameOrigin, uploadLimitBytes: deps.directoryUploadLimitBytes, now: engine.now });

  async function showReconciliation(request: FastifyRequest<{ Params: Params }>, reply: FastifyReply, status: number, extra: { notice?: string; refusal?: string }) {
    const principal = request.principal!;
    const { id, reconciliationId } = request.params as Required<Params>;
    const solution = await getSolution(db, principal, id);
    const view = await getReconciliation(db, principal, id, reconciliationId);
    const page = { csrf: reply.generateCsrf(), mayReconcile: may(ACCESS.reconcile, principal.role), title: solution.title, ...extra };
    return sendHtml(reply, status, renderReconciliationPage(frame(request, reply, `Abgleich: ${solution.title}`, busBbPath(id)), view, page));
  }

  app.get<{ Params: Params }>('/verwaltung/loesungen/:id/bus-bb/abgleiche/:reconciliationId', { ...HIDDEN, config: { staffRoles: ACCESS.read } }, async (request, reply) => {
    checkIds(request.params);
    const done = notice(request);
    return showReconciliation(request, reply, 200, done ? { notice: done } : {});
  });

  app.post<{ Params: Params }>(
    '/verwaltung/loesungen/:id/bus-bb/abgleiche/:reconciliationId/anwenden',
    { ...HIDDEN, config: { staffRoles: ACCESS.reconcile }, preHandler: formGuards },
    async (request, reply) => {
      checkIds(request.params);
      const principal = request.principal!;
      const { id, reconciliationId } = request.params as Required<Params>;
      if (formText(request.body as Record<string, unknown> | undefined, 'bestaetigt') !== 'ja') {
        const solution = await getSolution(db, principal, id);
        const view = await getReconciliation(db, principal, id, reconciliationId);
        if (view.appliedAt) return showReconciliation(request, reply, 409, { refusal: 'Dieser Abgleich ist bereits angewandt.' });
        // the stages as they are now, which decide whether applying moves an authority
        const movable = await listParticipants(db, id, { stage: [...APPLICABLE_STAGES], limit: MOVABLE_MAX, offset: 0 });
        const moving = new Set(movable.items.map((p) => p.ars.trim()));
        const count = view.participants.filter((p) => p.category === 'gefunden-nicht-gemeldet' && moving.has(p.ars)).length;
        return sendHtml(reply, 200, renderApplyConfirmation(frame(request, reply, 'Abgleich anwenden?', busBbPath(id)), view, { title: solution.title, moving: count, csrf: reply.generateCsrf() }));
      }
      try {
        await applyReconciliation({ db, engine }, principal, actorOf(principal), id, reconciliationId);
      } catch (error) {
        if (error instanceof ConflictError) return showReconciliation(request, reply, 409, { refusal: error.detail });
        throw error;
      }
      return reply.redirect(`${reconciliationPath(id, reconciliationId)}?erfolg=angewandt`, 303);
    },
  );
}
