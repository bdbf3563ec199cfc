import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { actorOf } from '../auth/api-token.service.ts';
import { ACCESS, mayRoleSendParticipantEvent, participantEventForbidden, type Role } from '../auth/roles.ts';
import { NotFoundError, type FieldError } from '../errors/domain.errors.ts';
import { addCustomChecklistItem, getChecklist, listChecklistDefinitions, setChecklistItem } from '../pilots/pilot-checklist.service.ts';
import { createMeeting, getItSupport, listMeetings, setItSupport } from '../pilots/pilot-support.service.ts';
import { listCandidates, listLessonsLearned } from '../pilots/pilot.queries.ts';
import { ChecklistItemBody, CustomItemBody, ItSupportBody, MeetingBody } from '../pilots/pilot.routes.ts';
import { getParticipant, getParticipants } from '../solutions/participant.queries.ts';
import { sendParticipantEvent } from '../solutions/participant.target.ts';
import { getSolution } from '../solutions/solution.service.ts';
import type { Readiness } from '../../workflows/index.ts';
import type { ChecklistStatus } from '../db/schema.ts';
import { sendHtml } from './layout.ts';
import { pilotPath, pilotsPath, renderPilotCandidates, type PilotCandidatesView } from './pilot-candidates.page.ts';
import { renderPilotDetail, type PilotDetailView } from './pilot-detail.page.ts';
import { PILOT_EVENT_DONE, PILOT_EVENT_FIELDS, PILOT_PAGE_EVENTS, pilotEventFromForm, type PilotEventFailure } from './pilot-event.forms.ts';
import { damaged, failureOf, lines, pathArs, pathId, ROLLOUT_FORM_BODY_LIMIT, schemaErrors, type Form, type RolloutPagesDeps } from './rollout-pages.kit.ts';
import { formFieldOf, formText, HIDDEN, isUuid, onePerField, pageOutcomeOf, staffEventSender } from './staff-route.kit.ts';

/**
 * The pilot pages of a solution: the same service functions with the same arguments as the
 * pilot API (src/pilots/pilot.routes.ts) and, for the decisions and the go-live, the
 * participant event route's path through the engine (sendParticipantEvent, the person as
 * sender, an idempotency key from the form). Each POST answers 303 back with a notice, or
 * the page again: 422 naming the fields (judged by the API's body schemas), 409 with the
 * machine's or the service's reason.
 */

const CANDIDATES_SHOWN = 100;
const NOTICES: Readonly<Record<string, string>> = {
  ...PILOT_EVENT_DONE,
  punkt: 'Der Checklistenpunkt ist ergänzt.',
  checkliste: 'Der Punkt der Checkliste ist gespeichert.',
  termin: 'Der Termin ist erfasst.',
  it: 'Die Einbindung von ZIT-BB und DIKOM ist gespeichert.',
};
const noticeOf = (request: FastifyRequest) => NOTICES[String((request.query as Record<string, unknown>).erfolg ?? '')];
const may = (group: readonly Role[], role: Role) => group.includes(role);
const formKey = (form: Form) => (isUuid(formText(form, 'schluessel')) ? formText(form, 'schluessel') : randomUUID());
const params = (request: FastifyRequest) => request.params as { id: string; ars?: string; key?: string };

export function registerPilotPageRoutes(app: FastifyInstance, deps: RolloutPagesDeps): void {
  const { db, engine, frame, formGuards } = deps;
  const post = { ...HIDDEN, preHandler: formGuards, bodyLimit: ROLLOUT_FORM_BODY_LIMIT };

  async function candidatesPage(request: FastifyRequest, reply: FastifyReply, status: number, extra: Partial<PilotCandidatesView>) {
    const principal = request.principal!;
    const id = pathId(params(request).id, 'EfA-Lösung');
    const solution = await getSolution(db, principal, id);
    const [page, lessons, items] = await Promise.all([
      listCandidates(db, id, { limit: CANDIDATES_SHOWN, offset: 0 }),
      listLessonsLearned(db, id, {}),
      may(ACCESS.pilots, principal.role) ? listChecklistDefinitions(db, id) : null,
    ]);
    // each candidate's events as this person may send them (the participant route's allowedEvents)
    const details = new Map((await getParticipants(db, engine.workflows, id, page.items.map((c) => c.ars), principal.role)).map((d) => [d.ars, d]));
    const candidates = page.items.flatMap((candidate) => {
      const detail = details.get(candidate.ars);
      if (!detail) return [];
      const readiness = (detail.context as { readiness?: Readiness | null } | null)?.readiness ?? null;
      return [{ ...candidate, readiness, allowedEvents: detail.allowedEvents, blockedEvents: detail.blockedEvents }];
    });
    const view: PilotCandidatesView = {
      solution: { id, title: solution.title },
      candidates,
      total: page.total,
      checklistItems: items?.items ?? null,
      lessons: lessons.items,
      csrf: reply.generateCsrf(),
      idempotencyKey: randomUUID(),
      mayOpenPilot: may(ACCESS.pilots, principal.role),
      mayAddItem: may(ACCESS.steer, principal.role),
      ...extra,
    };
    return sendHtml(reply, status, renderPilotCandidates(frame(request, reply, `${status >= 400 ? 'Fehler: ' : ''}Piloten: ${solution.title}`, pilotsPath(id)), view));
  }

  async function pilotPage(request: FastifyRequest, reply: FastifyReply, status: number, extra: Partial<PilotDetailView>) {
    const principal = request.principal!;
    const id = pathId(params(request).id, 'EfA-Lösung');
    const ars = pathArs(params(request).ars ?? '');
    const solution = await getSolution(db, principal, id);
    const [detail, checklist, meetings, itSupport] = await Promise.all([
      getParticipant(db, engine.workflows, id, ars, principal.role),
      getChecklist(db, id, ars),
      listMeetings(db, id, ars, { limit: 100, offset: 0 }),
      getItSupport(db, id, ars),
    ]);
    const view: PilotDetailView = {
      solution: { id, title: solution.title },
      pilot: {
        ars,
        name: detail.name,
        stage: detail.stage,
        readiness: (detail.context as { readiness?: Readiness | null } | null)?.readiness ?? null,
        allowedEvents: detail.allowedEvents,
        blockedEvents: detail.blockedEvents,
      },
      checklist,
      meetings,
      itSupport,
      csrf: reply.generateCsrf(),
      idempotencyKey: randomUUID(),
      ...extra,
    };
    return sendHtml(reply, status, renderPilotDetail(frame(request, reply, `${status >= 400 ? 'Fehler: ' : ''}Pilot ${detail.name}`, pilotsPath(id)), view));
  }

  app.get('/verwaltung/loesungen/:id/piloten', { ...HIDDEN, config: { staffRoles: ACCESS.read } }, async (request, reply) =>
    candidatesPage(request, reply, 200, { notice: noticeOf(request) }),
  );

  app.get('/verwaltung/loesungen/:id/piloten/:ars', { ...HIDDEN, config: { staffRoles: ACCESS.pilots } }, async (request, reply) =>
    pilotPage(request, reply, 200, { notice: noticeOf(request) }),
  );

  /** A decision on a candidate or the go-live: the participant event route's path. */
  app.post('/verwaltung/loesungen/:id/piloten/:ars/ereignis', { ...post, config: { staffRoles: ACCESS.participantEvents } }, async (request, reply) => {
    const principal = request.principal!;
    const id = pathId(params(request).id, 'EfA-Lösung');
    const ars = pathArs(params(request).ars ?? '');
    const form = (request.body ?? {}) as Form;
    const type = formText(form, 'ereignis');
    // the pilot's page only for those who may read it (the Landesredaktion sends events, but reads no checklists)
    const back = formText(form, 'zurueck') === 'pilot' && may(ACCESS.pilots, principal.role) ? 'pilot' : 'liste';
    const show = (status: number, failure: Omit<PilotEventFailure, 'ars' | 'type' | 'values'>) => {
      const eventFailure = { ars, type, values: form, ...failure };
      return back === 'pilot' ? pilotPage(request, reply, status, { eventFailure, idempotencyKey: formKey(form) }) : candidatesPage(request, reply, status, { eventFailure, idempotencyKey: formKey(form) });
    };
    const broken = damaged(form);
    if (broken.length) return show(422, { reason: 'Angaben ungültig', errors: broken });
    if (!PILOT_PAGE_EVENTS.includes(type)) return show(409, { reason: 'Dieses Ereignis gibt es auf dieser Seite nicht. Bitte wählen Sie eine der Schaltflächen.', errors: [] });
    if (!mayRoleSendParticipantEvent(principal.role, type)) return show(403, { reason: participantEventForbidden(principal.role, type), errors: [] });
    if (!isUuid(formText(form, 'schluessel'))) return show(422, { reason: 'Das Formular ist unvollständig. Bitte laden Sie die Seite neu.', errors: [] });
    const result = await sendParticipantEvent(
      engine,
      { solutionId: id, ars, event: pilotEventFromForm(type, form), ...staffEventSender(principal) },
      { idempotencyKey: `web:pilot:${id}:${ars}:${type}:${formText(form, 'schluessel')}` },
    );
    const outcome = pageOutcomeOf(result, (pointer) => formFieldOf(pointer, PILOT_EVENT_FIELDS));
    if (outcome.done) return reply.redirect(`${back === 'pilot' ? pilotPath(id, ars) : pilotsPath(id)}?erfolg=${type}`, 303);
    return show(outcome.status, { reason: outcome.reason, errors: outcome.errors });
  });

  app.post('/verwaltung/loesungen/:id/piloten/checkliste', { ...post, config: { staffRoles: ACCESS.steer } }, async (request, reply) => {
    const principal = request.principal!;
    const id = pathId(params(request).id, 'EfA-Lösung');
    const form = (request.body ?? {}) as Form;
    const body = { label: formText(form, 'label'), optional: formText(form, 'optional') === 'ja' };
    const values = { label: body.label, optional: body.optional ? 'ja' : '' };
    const again = (status: number, errors: FieldError[], reason?: string) =>
      candidatesPage(request, reply, status, { itemForm: { values, errors, ...(reason ? { reason } : {}) }, idempotencyKey: formKey(form) });
    const errors = [...damaged(form), ...schemaErrors(CustomItemBody, body)];
    if (errors.length) return again(422, onePerField(errors));
    await getSolution(db, principal, id);
    await addCustomChecklistItem(db, {
      solutionId: id,
      label: body.label,
      optional: body.optional,
      actor: actorOf(principal),
      at: engine.now(),
      idempotencyKey: `web:checkliste:${id}:${formKey(form)}`,
    });
    return reply.redirect(`${pilotsPath(id)}?erfolg=punkt`, 303);
  });

  /** Runs one change of the pilot's page: 303 back with a notice, or the page again with the service's 409 or 422. */
  async function pilotChange(request: FastifyRequest, reply: FastifyReply, failure: Omit<NonNullable<PilotDetailView['formFailure']>, 'errors' | 'reason'>, errors: FieldError[], change: () => Promise<unknown>, done: string) {
    const { id, ars } = { id: pathId(params(request).id, 'EfA-Lösung'), ars: pathArs(params(request).ars ?? '') };
    const form = failure.values;
    if (errors.length) return pilotPage(request, reply, 422, { formFailure: { ...failure, errors: onePerField(errors), reason: '' }, idempotencyKey: formKey(form) });
    await getSolution(db, request.principal!, id);
    try {
      await change();
    } catch (error) {
      const refused = failureOf(error);
      if (!refused) throw error;
      return pilotPage(request, reply, refused.status, { formFailure: { ...failure, errors: refused.errors, reason: refused.reason }, idempotencyKey: formKey(form) });
    }
    return reply.redirect(`${pilotPath(id, ars)}?erfolg=${done}`, 303);
  }

  app.post('/verwaltung/loesungen/:id/piloten/:ars/checkliste/:key', { ...post, config: { staffRoles: ACCESS.pilots } }, async (request, reply) => {
    const { id, ars, key = '' } = params(request);
    const form = (request.body ?? {}) as Form;
    const status = formText(form, 'status');
    const reason = formText(form, 'reason');
    const body = { status, ...(status === 'entfaellt' ? { reason } : {}) };
    const errors = [...damaged(form), ...schemaErrors(ChecklistItemBody, body)];
    if (!/^[a-z0-9-]{1,40}$/.test(key)) throw new NotFoundError(`Checklistenpunkt „${key}“ gibt es nicht`);
    return pilotChange(request, reply, { form: 'checkliste', key, values: form }, errors, () =>
      setChecklistItem(db, { solutionId: pathId(id, 'EfA-Lösung'), ars: pathArs(ars ?? ''), key, ...(body as { status: ChecklistStatus; reason?: string }), actor: actorOf(request.principal!), at: engine.now() }),
    'checkliste');
  });

  app.post('/verwaltung/loesungen/:id/piloten/:ars/termine', { ...post, config: { staffRoles: ACCESS.pilots } }, async (request, reply) => {
    const { id, ars } = params(request);
    const form = (request.body ?? {}) as Form;
    const notizen = formText(form, 'notizen');
    const folgeaufgaben = lines(formText(form, 'folgeaufgaben'));
    const meeting = {
      art: formText(form, 'art'),
      datum: formText(form, 'datum').trim(),
      teilnehmende: lines(formText(form, 'teilnehmende')),
      ...(notizen.trim() ? { notizen } : {}),
      ...(folgeaufgaben.length ? { folgeaufgaben } : {}),
      moderiertDurchKaz: formText(form, 'moderiertDurchKaz') === 'ja',
    };
    const errors = [...damaged(form), ...schemaErrors(MeetingBody, meeting)];
    return pilotChange(request, reply, { form: 'termin', values: form }, errors, () =>
      createMeeting(db, {
        solutionId: pathId(id, 'EfA-Lösung'),
        ars: pathArs(ars ?? ''),
        meeting: meeting as Parameters<typeof createMeeting>[1]['meeting'],
        actor: actorOf(request.principal!),
        at: engine.now(),
        idempotencyKey: `web:termin:${id}:${ars}:${formKey(form)}`,
      }),
    'termin');
  });

  app.post('/verwaltung/loesungen/:id/piloten/:ars/it-unterstuetzung', { ...post, config: { staffRoles: ACCESS.pilots } }, async (request, reply) => {
    const { id, ars } = params(request);
    const form = (request.body ?? {}) as Form;
    const seit = formText(form, 'seit').trim();
    const kontakt = formText(form, 'kontakt').trim();
    const support = { zitBb: formText(form, 'zitBb') === 'ja', dikom: formText(form, 'dikom') === 'ja', ...(seit ? { seit } : {}), ...(kontakt ? { kontakt } : {}) };
    const errors = [...damaged(form), ...schemaErrors(ItSupportBody, support)];
    return pilotChange(request, reply, { form: 'it', values: form }, errors, () =>
      setItSupport(db, { solutionId: pathId(id, 'EfA-Lösung'), ars: pathArs(ars ?? ''), support, actor: actorOf(request.principal!), at: engine.now() }),
    'it');
  });
}
