import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { actorOf } from '../auth/api-token.service.ts';
import { ACCESS, type Role } from '../auth/roles.ts';
import { changeWithKey } from '../engine/change.record.ts';
import { ConflictError, NotFoundError, type FieldError } from '../errors/domain.errors.ts';
import { getSolution } from '../solutions/solution.service.ts';
import { getWaveProgress } from '../waves/wave-progress.queries.ts';
import { CreateWaveBody, MembersBody, StartBody } from '../waves/wave.routes.ts';
import { addWaveMembers, createWave, getWave, INVITABLE_STAGES, listUnplannedParticipants, listWaves, removeWaveMember, startWave, type CreateWaveInput, type WaveActor } from '../waves/wave.service.ts';
import { sendHtml } from './layout.ts';
import { damaged, failureOf, fieldList, pathArs, pathId, ROLLOUT_FORM_BODY_LIMIT, schemaErrors, type Form, type RolloutPagesDeps } from './rollout-pages.kit.ts';
import { formText, HIDDEN, isUuid } from './staff-route.kit.ts';
import { renderStartConfirmation, renderWaveDetail, type WaveDetailView } from './wave-detail.page.ts';
import { renderWaveList, wavePath, wavesPath, type WaveListView } from './wave-list.page.ts';

/**
 * The wave pages of a solution: the wave API's service functions with the same arguments
 * (src/waves/wave.routes.ts), the signed-in person as actor. Planning takes a filter or
 * the ticked "ungeplant" authorities exactly as the API's body does; the start asks first
 * how many authorities it invites and mails, then reports what it queued.
 */

const UNPLANNED_PAGE = 100;
/** The form's names for the API's fields (`/authorities/3` → behoerden). */
const RENAME = { authorities: 'behoerden', 'filter/kreisArs': 'kreisArs', 'filter/stages': 'stages', 'filter/readiness': 'readiness', filter: 'filter' } as const;
const may = (group: readonly Role[], role: Role) => group.includes(role);
const formKey = (form: Form) => (isUuid(formText(form, 'schluessel')) ? formText(form, 'schluessel') : randomUUID());
const params = (request: FastifyRequest) => request.params as { id: string; waveId?: string; ars?: string };
const offsetOf = (request: FastifyRequest) => Math.min(1_000_000, Math.max(0, Number.parseInt(String((request.query as Record<string, unknown>).ab ?? '0'), 10) || 0));
const count = (value: unknown) => (typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : null);

function noticeOf(request: FastifyRequest): string | undefined {
  const query = request.query as Record<string, unknown>;
  switch (query.erfolg) {
    case 'geplant':
      return 'Die Welle ist geplant.';
    case 'aufgenommen':
      return `Aufgenommen: ${count(query.neu) ?? 0} ${count(query.neu) === 1 ? 'Behörde' : 'Behörden'}.`;
    case 'entfernt':
      return 'Die Behörde ist nicht mehr in der Welle.';
    case 'gestartet': {
      const invited = count(query.eingeladen);
      const mails = count(query.mails);
      const without = count(query.ohne);
      if (invited === null) return 'Die Welle ist gestartet.';
      return `Die Welle ist gestartet: ${invited} ${invited === 1 ? 'Behörde wird' : 'Behörden werden'} eingeladen; ${mails === null ? 'keine Rollout-Einladung per E-Mail' : `${mails} ${mails === 1 ? 'Mail steht' : 'Mails stehen'} zum Versand bereit`}${without ? `, ${without} ohne E-Mail-Adresse` : ''}.`;
    }
    default:
      return undefined;
  }
}

/** The body the wave API takes for members: ticked authorities, or the filter's fields – as sent, for its schema to judge. */
function membersOf(form: Form): Pick<CreateWaveInput, 'authorities' | 'filter'> {
  const authorities = fieldList(form, 'behoerden');
  const kreisArs = formText(form, 'kreisArs').trim();
  const stages = fieldList(form, 'stages');
  const readiness = fieldList(form, 'readiness') as NonNullable<CreateWaveInput['filter']>['readiness'] & string[];
  const filter = { ...(kreisArs ? { kreisArs } : {}), ...(stages.length ? { stages } : {}), ...(readiness.length ? { readiness } : {}) };
  return { ...(authorities.length ? { authorities } : {}), ...(Object.keys(filter).length ? { filter } : {}) };
}

const fristOf = (value: string) => (value.trim() === '' ? undefined : /^\d{1,6}$/.test(value.trim()) ? Number(value.trim()) : value);

export function registerWavePageRoutes(app: FastifyInstance, deps: RolloutPagesDeps): void {
  const { db, engine, frame, formGuards } = deps;
  const post = { ...HIDDEN, preHandler: formGuards, bodyLimit: ROLLOUT_FORM_BODY_LIMIT, config: { staffRoles: ACCESS.steer } };
  const who = (request: FastifyRequest): WaveActor => ({ principal: request.principal!, actor: actorOf(request.principal!), now: engine.now() });

  async function listPage(request: FastifyRequest, reply: FastifyReply, status: number, extra: Partial<WaveListView>) {
    const principal = request.principal!;
    const id = pathId(params(request).id, 'EfA-Lösung');
    const offset = offsetOf(request);
    const solution = await getSolution(db, principal, id);
    const [waves, unplanned] = await Promise.all([listWaves(db, principal, id), listUnplannedParticipants(db, principal, id, { limit: UNPLANNED_PAGE, offset })]);
    const withProgress = [];
    for (const wave of waves.items) withProgress.push({ wave, progress: await getWaveProgress(db, principal, id, wave.id, engine.now()) });
    const view: WaveListView = {
      solution: { id, title: solution.title },
      waves: withProgress,
      unplanned,
      offset,
      limit: UNPLANNED_PAGE,
      mayPlan: may(ACCESS.steer, principal.role),
      csrf: reply.generateCsrf(),
      idempotencyKey: randomUUID(),
      notice: noticeOf(request),
      ...extra,
    };
    return sendHtml(reply, status, renderWaveList(frame(request, reply, `${status >= 400 ? 'Fehler: ' : ''}Wellen: ${solution.title}`, wavesPath(id)), view));
  }

  async function wavePage(request: FastifyRequest, reply: FastifyReply, status: number, extra: Partial<WaveDetailView>) {
    const principal = request.principal!;
    const id = pathId(params(request).id, 'EfA-Lösung');
    const waveId = pathId(params(request).waveId ?? '', 'Welle');
    const offset = offsetOf(request);
    const solution = await getSolution(db, principal, id);
    const [wave, progress, unplanned] = await Promise.all([
      getWave(db, principal, id, waveId),
      getWaveProgress(db, principal, id, waveId, engine.now()),
      listUnplannedParticipants(db, principal, id, { limit: UNPLANNED_PAGE, offset }),
    ]);
    const view: WaveDetailView = {
      solution: { id, title: solution.title },
      wave,
      progress,
      unplanned,
      offset,
      limit: UNPLANNED_PAGE,
      mayChange: may(ACCESS.steer, principal.role),
      csrf: reply.generateCsrf(),
      idempotencyKey: randomUUID(),
      notice: noticeOf(request),
      ...extra,
    };
    return sendHtml(reply, status, renderWaveDetail(frame(request, reply, `${status >= 400 ? 'Fehler: ' : ''}Welle „${wave.name}“`, wavesPath(id)), view));
  }

  app.get('/verwaltung/loesungen/:id/wellen', { ...HIDDEN, config: { staffRoles: ACCESS.read } }, async (request, reply) => listPage(request, reply, 200, {}));
  app.get('/verwaltung/loesungen/:id/wellen/:waveId', { ...HIDDEN, config: { staffRoles: ACCESS.read } }, async (request, reply) => wavePage(request, reply, 200, {}));

  app.post('/verwaltung/loesungen/:id/wellen', post, async (request, reply) => {
    const id = pathId(params(request).id, 'EfA-Lösung');
    const form = (request.body ?? {}) as Form;
    const targetDate = formText(form, 'targetDate').trim();
    const fristTage = fristOf(formText(form, 'fristTage'));
    const body = { name: formText(form, 'name'), ...(targetDate ? { targetDate } : {}), ...(fristTage === undefined ? {} : { fristTage }), ...membersOf(form) };
    const again = (status: number, errors: FieldError[], reason = '') => listPage(request, reply, status, { failure: { values: form, errors, reason }, idempotencyKey: formKey(form) });
    const errors = [...damaged(form), ...schemaErrors(CreateWaveBody, body, RENAME)];
    if (errors.length) return again(422, errors);
    const key = `web:welle:${id}:${formKey(form)}`;
    try {
      const wave = await createWave(db, id, body as CreateWaveInput, who(request), { idempotencyKey: key });
      return reply.redirect(`${wavePath(id, wave.id)}?erfolg=geplant`, 303);
    } catch (error) {
      // the same form sent twice at once: the first planned it
      const earlier = error instanceof ConflictError ? await changeWithKey(db, key) : null;
      if (earlier) return reply.redirect(`${wavePath(id, String(earlier.waveId))}?erfolg=geplant`, 303);
      const refused = failureOf(error, RENAME);
      if (!refused) throw error;
      return again(refused.status, refused.errors, refused.reason);
    }
  });

  app.post('/verwaltung/loesungen/:id/wellen/:waveId/mitglieder', post, async (request, reply) => {
    const id = pathId(params(request).id, 'EfA-Lösung');
    const waveId = pathId(params(request).waveId ?? '', 'Welle');
    const form = (request.body ?? {}) as Form;
    const body = membersOf(form);
    const again = (status: number, errors: FieldError[], reason = '') => wavePage(request, reply, status, { failure: { form: 'mitglieder', values: form, errors, reason }, idempotencyKey: formKey(form) });
    const errors = [...damaged(form), ...schemaErrors(MembersBody, body, RENAME)];
    if (!body.authorities) errors.push({ field: 'behoerden', message: 'Bitte kreuzen Sie mindestens eine Behörde an.' });
    if (errors.length) return again(422, errors);
    try {
      const changed = await addWaveMembers(db, id, waveId, body, who(request));
      return reply.redirect(`${wavePath(id, waveId)}?erfolg=aufgenommen&neu=${String(changed.added + changed.moved)}`, 303);
    } catch (error) {
      const refused = failureOf(error, RENAME);
      if (!refused) throw error;
      return again(refused.status, refused.errors, refused.reason);
    }
  });

  app.post('/verwaltung/loesungen/:id/wellen/:waveId/mitglieder/:ars/entfernen', post, async (request, reply) => {
    const id = pathId(params(request).id, 'EfA-Lösung');
    const waveId = pathId(params(request).waveId ?? '', 'Welle');
    const ars = pathArs(params(request).ars ?? '');
    const wave = await getWave(db, request.principal!, id, waveId);
    // sent twice: the first took it out
    if (!wave.members.some((m) => m.ars === ars) && wave.state === 'planned') return reply.redirect(`${wavePath(id, waveId)}?erfolg=entfernt`, 303);
    try {
      await removeWaveMember(db, id, waveId, ars, who(request));
    } catch (error) {
      const refused = error instanceof NotFoundError ? null : failureOf(error);
      if (!refused) throw error;
      return wavePage(request, reply, refused.status, { failure: { form: 'entfernen', values: {}, errors: [], reason: refused.reason } });
    }
    return reply.redirect(`${wavePath(id, waveId)}?erfolg=entfernt`, 303);
  });

  app.post('/verwaltung/loesungen/:id/wellen/:waveId/starten', post, async (request, reply) => {
    const principal = request.principal!;
    const id = pathId(params(request).id, 'EfA-Lösung');
    const waveId = pathId(params(request).waveId ?? '', 'Welle');
    const form = (request.body ?? {}) as Form;
    const fristTage = fristOf(formText(form, 'fristTage'));
    const mail = formText(form, 'einladungMailen') === 'ja';
    const body = { ...(fristTage === undefined ? {} : { fristTage }), einladungMailen: mail };
    const again = (status: number, errors: FieldError[], reason = '') => wavePage(request, reply, status, { failure: { form: 'start', values: form, errors, reason }, idempotencyKey: formKey(form) });
    const errors = [...damaged(form), ...schemaErrors(StartBody, body)];
    if (errors.length) return again(422, errors);
    const wave = await getWave(db, principal, id, waveId);
    if (wave.state === 'started') return reply.redirect(`${wavePath(id, waveId)}?erfolg=gestartet`, 303);
    if (formText(form, 'bestaetigt') !== 'ja') {
      const solution = await getSolution(db, principal, id);
      const invited = wave.members.filter((m) => INVITABLE_STAGES.includes(m.stage)).length;
      return sendHtml(
        reply,
        200,
        renderStartConfirmation(frame(request, reply, `Welle „${wave.name}“ starten?`, wavesPath(id)), {
          solution: { id, title: solution.title },
          wave,
          invited,
          notInvitable: wave.members.length - invited,
          mail,
          fristTage: formText(form, 'fristTage').trim(),
          csrf: reply.generateCsrf(),
          idempotencyKey: formKey(form),
        }),
      );
    }
    try {
      const started = await startWave({ engine, settings: deps.mailSettings }, id, waveId, body as { fristTage?: number; einladungMailen: boolean }, who(request));
      const invited = started.wave.memberCount - started.notInvited.length;
      const mailing = started.mailing ? `&mails=${String(started.mailing.messages)}&ohne=${String(started.mailing.withoutAddress.length)}` : '';
      return reply.redirect(`${wavePath(id, waveId)}?erfolg=gestartet&eingeladen=${String(invited)}${mailing}`, 303);
    } catch (error) {
      // sent twice: the first started it
      if (error instanceof ConflictError && (await getWave(db, principal, id, waveId)).state === 'started') return reply.redirect(`${wavePath(id, waveId)}?erfolg=gestartet`, 303);
      const refused = failureOf(error);
      if (!refused) throw error;
      return again(refused.status, refused.errors, refused.reason);
    }
  });
}
