import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { actorOf, type Principal } from '../auth/api-token.service.ts';
import { ACCESS } from '../auth/roles.ts';
import { ConflictError, InvalidInputError, type FieldError } from '../errors/domain.errors.ts';
import type { FormFields } from '../responses/response.service.ts';
import { SolutionBody, SolutionPatchBody } from '../solutions/solution.routes.ts';
import { createSolution, getSolution, updateDraftSolution, type SolutionInput } from '../solutions/solution.service.ts';
import { MailDetailsBody } from '../mailings/template.routes.ts';
import { listTemplates, loadMailDetails, saveMailDetails } from '../mailings/template.service.ts';
import { damagedFieldErrors } from './form-body.ts';
import { sendHtml } from './layout.ts';
import { schemaErrors } from './schema-form.ts';
import { NEW_SOLUTION_PATH, renderNewSolutionPage, solutionBodyOf, solutionFieldOf, valuesOfSolution } from './solution-form.page.ts';
import { renderSettingsPage, settingsPath, type FormState } from './solution-settings.page.ts';
import { solutionBase } from './solution-tabs.ts';
import { DAMAGED_MESSAGE, LARGE_FORM, type SolutionFormPagesDeps } from './solution-form.deps.ts';
import { formText, HIDDEN, onePerField, pathUuid } from './staff-route.kit.ts';
import { registerMailTemplatePageRoutes } from './mail-template.routes.ts';
import { registerMailingPageRoutes } from './mailing-pages.routes.ts';

/**
 * Creating a solution and editing what it says: `/verwaltung/loesungen/neu` (POST
 * /solutions), `…/:id/bearbeiten` with the draft (PATCH /solutions/:id) and the mail
 * details (PUT …/mail-details) – through the API's services and checked against its
 * schemas – and, registered from here, the mail texts' editor and the mailing pages.
 */

const chooses = (principal: Principal) => principal.role !== 'ministry';
const ownMinistry = (principal: Principal) => (principal.role === 'ministry' ? principal.ministry : null);

/** The form's characters that could not be stored, then the schema: one error per field. */
function solutionFormErrors(form: FormFields, body: Record<string, unknown>, patch: boolean): FieldError[] {
  const damaged = damagedFieldErrors(form).map((e) => ({ field: e.field, message: DAMAGED_MESSAGE }));
  return onePerField([...damaged, ...schemaErrors(patch ? SolutionPatchBody : SolutionBody, body, solutionFieldOf)], (field) => ({ field }));
}

/** A service's InvalidInputError as the form's field errors. */
function serviceErrors(error: InvalidInputError): FieldError[] {
  return onePerField(error.errors, solutionFieldOf);
}

export function registerSolutionFormPageRoutes(app: FastifyInstance, deps: SolutionFormPagesDeps): void {
  const { db, frame, formGuards } = deps;
  const steer = { staffRoles: ACCESS.steer };

  const newPage = (request: FastifyRequest, reply: FastifyReply, status: number, values: FormFields, errors: FieldError[], refusal?: string) => {
    const principal = request.principal!;
    return sendHtml(
      reply,
      status,
      renderNewSolutionPage(frame(request, reply, errors.length || refusal ? 'Fehler: Neue EfA-Lösung' : 'Neue EfA-Lösung anlegen', NEW_SOLUTION_PATH), {
        values,
        errors,
        chooseMinistry: chooses(principal),
        ownMinistry: ownMinistry(principal),
        csrf: reply.generateCsrf(),
        role: principal.role,
        ...(refusal ? { refusal } : {}),
      }),
    );
  };

  app.get(NEW_SOLUTION_PATH, { ...HIDDEN, config: steer }, async (request, reply) => newPage(request, reply, 200, { level: 'gemeinde' }, []));

  app.post(NEW_SOLUTION_PATH, { ...HIDDEN, ...LARGE_FORM, config: steer, preHandler: formGuards }, async (request, reply) => {
    const principal = request.principal!;
    const form = (request.body ?? {}) as FormFields;
    const body = solutionBodyOf(form, chooses(principal));
    if (formText(form, 'description') === '') delete body.description;
    if ((body.overrides as unknown[]).length === 0) delete body.overrides;
    const errors = solutionFormErrors(form, body, false);
    if (errors.length) return newPage(request, reply, 422, form, errors);
    try {
      const created = await createSolution(db, principal, body as unknown as SolutionInput, actorOf(principal));
      return reply.redirect(solutionBase(created.id), 303);
    } catch (error) {
      if (error instanceof InvalidInputError) return newPage(request, reply, 422, form, error.errors.length ? serviceErrors(error) : [], error.errors.length ? undefined : error.detail);
      throw error;
    }
  });

  async function settingsPage(request: FastifyRequest, reply: FastifyReply, id: string, status: number, extra: { notice?: string; draft?: FormState; details?: FormState }) {
    const principal = request.principal!;
    const solution = await getSolution(db, principal, id);
    const [mailDetails, templates] = await Promise.all([loadMailDetails(db, id), listTemplates(db, id)]);
    const failed = Boolean(extra.draft?.errors.length || extra.draft?.refusal || extra.details?.errors.length || extra.details?.refusal);
    return sendHtml(
      reply,
      status,
      renderSettingsPage(frame(request, reply, `${failed ? 'Fehler: ' : ''}Angaben und Mailtexte: ${solution.title}`, settingsPath(id)), {
        solution,
        mailDetails,
        templates,
        csrf: reply.generateCsrf(),
        chooseMinistry: chooses(principal),
        ownMinistry: ownMinistry(principal),
        ...extra,
        draft: extra.draft ?? { values: valuesOfSolution(solution), errors: [] },
      }),
    );
  }

  const NOTICES: Record<string, string> = {
    entwurf: 'Der Entwurf ist gespeichert.',
    angaben: 'Die Angaben für die Mails sind gespeichert.',
  };

  app.get<{ Params: { id: string }; Querystring: Record<string, string | undefined> }>(
    `${solutionBase(':id')}/bearbeiten`,
    { ...HIDDEN, config: steer },
    async (request, reply) => {
      const id = pathUuid(request.params.id, 'EfA-Lösung');
      const notice = NOTICES[request.query.gespeichert ?? ''];
      return settingsPage(request, reply, id, 200, notice ? { notice } : {});
    },
  );

  app.post<{ Params: { id: string } }>(`${solutionBase(':id')}/bearbeiten/entwurf`, { ...HIDDEN, ...LARGE_FORM, config: steer, preHandler: formGuards }, async (request, reply) => {
    const id = pathUuid(request.params.id, 'EfA-Lösung');
    const principal = request.principal!;
    const form = (request.body ?? {}) as FormFields;
    const body = solutionBodyOf(form, chooses(principal));
    const errors = solutionFormErrors(form, body, true);
    if (errors.length) return settingsPage(request, reply, id, 422, { draft: { values: form, errors } });
    try {
      await updateDraftSolution(db, principal, id, body as unknown as SolutionInput, actorOf(principal));
    } catch (error) {
      if (error instanceof InvalidInputError) return settingsPage(request, reply, id, 422, { draft: { values: form, errors: serviceErrors(error), ...(error.errors.length ? {} : { refusal: error.detail }) } });
      if (error instanceof ConflictError) return settingsPage(request, reply, id, 409, { draft: { values: form, errors: [], refusal: error.detail } });
      throw error;
    }
    return reply.redirect(`${settingsPath(id)}?gespeichert=entwurf`, 303);
  });

  app.post<{ Params: { id: string } }>(`${solutionBase(':id')}/bearbeiten/mail-angaben`, { ...HIDDEN, config: steer, preHandler: formGuards }, async (request, reply) => {
    const id = pathUuid(request.params.id, 'EfA-Lösung');
    await getSolution(db, request.principal!, id); // access: another ministry's solution is not found
    const form = (request.body ?? {}) as FormFields;
    const body = Object.fromEntries(Object.keys(MailDetailsBody.properties).map((key) => [key, formText(form, key)]));
    const fieldOf = (pointer: string) => ({ field: pointer.replace(/^\//, '').split('/')[0] || 'kontaktName' });
    const damaged = damagedFieldErrors(form).map((e) => ({ field: e.field, message: DAMAGED_MESSAGE }));
    const errors = onePerField([...damaged, ...schemaErrors(MailDetailsBody, body, fieldOf)], fieldOf);
    if (errors.length) return settingsPage(request, reply, id, 422, { details: { values: form, errors } });
    try {
      await saveMailDetails(db, id, body);
    } catch (error) {
      if (error instanceof InvalidInputError) return settingsPage(request, reply, id, 422, { details: { values: form, errors: onePerField(error.errors, fieldOf) } });
      throw error;
    }
    return reply.redirect(`${settingsPath(id)}?gespeichert=angaben`, 303);
  });

  registerMailTemplatePageRoutes(app, deps);
  registerMailingPageRoutes(app, deps);
}

