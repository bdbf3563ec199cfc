import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { actorOf } from '../auth/api-token.service.ts';
import { ACCESS } from '../auth/roles.ts';
import { ConflictError, InvalidInputError, NotFoundError, type FieldError } from '../errors/domain.errors.ts';
import type { FormFields } from '../responses/response.service.ts';
import { html, type Html } from '../markup/html.ts';
import { linkSecretOnce } from '../links/link.service.ts';
import { getSolution } from '../solutions/solution.service.ts';
import { MailingBody } from '../mailings/mailing.routes.ts';
import { createMailing, getMailingProgress, listMailingMessages, listMailings, planMailing, type MailingInput } from '../mailings/mailing.service.ts';
import { previewMailing } from '../mailings/mailing-preview.service.ts';
import { damagedFieldErrors } from './form-body.ts';
import { sendHtml } from './layout.ts';
import { kindsInStage, mailingBodyOf, mailingFieldOf, MAILING_KIND_WORDS } from './mailing-form.ts';
import { renderMailingConfirmation, renderMailingsPage } from './mailings.page.ts';
import { mailingPath, MESSAGES_PER_PAGE, renderMailingPage } from './mailing.page.ts';
import { MAILING_PROGRESS_SCRIPT, MAILING_PROGRESS_SCRIPT_PATH, PROGRESS_PAGE_CSP } from './mailing-progress.script.ts';
import { schemaErrors } from './schema-form.ts';
import { DAMAGED_MESSAGE, LARGE_FORM, type SolutionFormPagesDeps } from './solution-form.deps.ts';
import { formText, HIDDEN, isUuid, onePerField, pathUuid } from './staff-route.kit.ts';
import { settingsPath } from './solution-settings.page.ts';
import { solutionPagePath, solutionBase } from './solution-tabs.ts';

/**
 * The mailing pages: the list with the form (GET/POST …/mailings), a first POST that
 * plans the mailing and shows its preview and recipient count (planMailing and
 * previewMailing: exactly what POST /solutions/:id/mailings would send, nothing sent),
 * the confirmed second POST that sends it (createMailing, the form's key makes a double
 * submit send once), and one mailing's delivery progress.
 */

const MESSAGE_PAGES_MAX = 10_000;

export function registerMailingPageRoutes(app: FastifyInstance, deps: SolutionFormPagesDeps): void {
  const { db, frame, formGuards } = deps;
  const linkSecret = linkSecretOnce(db);
  const mayMail = (request: FastifyRequest) => (ACCESS.steer as readonly string[]).includes(request.principal!.role);

  async function listPage(request: FastifyRequest, reply: FastifyReply, id: string, status: number, failed?: { values: FormFields; errors: FieldError[]; refusal?: Html | string; key: string }) {
    const principal = request.principal!;
    const solution = await getSolution(db, principal, id);
    const mailings = await listMailings(db, principal, id);
    const kinds = kindsInStage(solution.stage);
    const form = mayMail(request)
      ? {
          csrf: reply.generateCsrf(),
          idempotencyKey: failed?.key ?? randomUUID(),
          kinds,
          // the one kind this stage allows is chosen already (the Erstinformation)
          values: failed?.values ?? { wiederholung: 'keine', ...(kinds.length === 1 ? { art: kinds[0] } : {}) },
          errors: failed?.errors ?? [],
          ...(failed?.refusal ? { refusal: failed.refusal } : {}),
        }
      : null;
    const title = `${failed ? 'Fehler: ' : ''}Mailings: ${solution.title}`;
    return sendHtml(reply, status, renderMailingsPage(frame(request, reply, title, solutionPagePath(id, 'mailings')), { solution, mailings, form }));
  }

  app.get<{ Params: { id: string } }>(`${solutionBase(':id')}/mailings`, { ...HIDDEN, config: { staffRoles: ACCESS.readMail } }, async (request, reply) =>
    listPage(request, reply, pathUuid(request.params.id, 'EfA-Lösung'), 200),
  );

  app.post<{ Params: { id: string } }>(`${solutionBase(':id')}/mailings`, { ...HIDDEN, ...LARGE_FORM, config: { staffRoles: ACCESS.steer }, preHandler: formGuards }, async (request, reply) => {
    const id = pathUuid(request.params.id, 'EfA-Lösung');
    const principal = request.principal!;
    const form = (request.body ?? {}) as FormFields;
    const key = formText(form, 'schluessel');
    const fail = (status: number, errors: FieldError[], refusal?: Html | string) => listPage(request, reply, id, status, { values: form, errors, key: isUuid(key) ? key : randomUUID(), ...(refusal ? { refusal } : {}) });
    if (!isUuid(key)) return fail(422, [], 'Das Formular ist unvollständig. Bitte laden Sie die Seite neu.');
    const body = mailingBodyOf(form);
    const damaged = damagedFieldErrors(form).map((e) => ({ field: e.field, message: DAMAGED_MESSAGE }));
    const errors = onePerField([...damaged, ...schemaErrors(MailingBody, body, mailingFieldOf)], (field) => ({ field }));
    if (errors.length) return fail(422, errors);
    const input = body as unknown as MailingInput;
    const now = deps.engine.now();
    const refusalOf = (error: unknown) => {
      if (error instanceof InvalidInputError) {
        const contact = error.errors.some((e) => e.field.startsWith('/mailDetails/'));
        if (contact) {
          return fail(422, [], html`Vor dem Versand fehlt die Ansprechperson der Lösung: die Mails nennen sie, und Antworten der Behörden gehen an sie. Bitte ergänzen Sie Name und E-Mail-Adresse unter <a href="${settingsPath(id)}">Angaben und Mailtexte</a>.`);
        }
        return fail(422, onePerField(error.errors, mailingFieldOf), error.errors.length ? undefined : error.detail);
      }
      if (error instanceof ConflictError) return fail(409, [], error.detail);
      throw error;
    };

    if (formText(form, 'bestaetigt') === 'ja') {
      let result;
      try {
        result = await createMailing(db, deps.mail.settings, principal, id, { ...input, requestKey: `web:${key}` }, actorOf(principal), now);
      } catch (error) {
        return refusalOf(error);
      }
      if (!result.replayed) deps.mail.wake?.();
      return reply.redirect(`${mailingPath(id, result.mailingId)}?versandt`, 303);
    }

    let plan;
    try {
      plan = await planMailing(db, deps.mail.settings, principal, id, input, actorOf(principal), now);
    } catch (error) {
      return refusalOf(error);
    }
    const solution = await getSolution(db, principal, id);
    const first = plan.firstArs ? await db.selectFrom('authority').select(['ars', 'name']).where('ars', '=', plan.firstArs).executeTakeFirst() : undefined;
    const mail = first ? await previewMailing(db, { publicBaseUrl: deps.mail.publicBaseUrl, linkSecret }, principal, id, { kind: input.kind, ars: first.ars, ...(input.deadline ? { deadline: input.deadline } : {}) }) : null;
    const question = `Wirklich die ${MAILING_KIND_WORDS[input.kind] ?? input.kind} versenden?`;
    return sendHtml(
      reply,
      200,
      renderMailingConfirmation(frame(request, reply, question, solutionPagePath(id, 'mailings')), {
        solution,
        kind: input.kind,
        plan,
        preview: mail && first ? { recipient: `${first.name} (${first.ars})`, mail } : null,
        values: form,
        csrf: reply.generateCsrf(),
        idempotencyKey: key,
      }),
    );
  });

  app.get(MAILING_PROGRESS_SCRIPT_PATH, HIDDEN, async (_request, reply) => reply.type('text/javascript; charset=utf-8').send(MAILING_PROGRESS_SCRIPT));

  app.get<{ Params: { id: string; mailingId: string }; Querystring: Record<string, string | undefined> }>(
    `${solutionBase(':id')}/mailings/:mailingId`,
    {
      ...HIDDEN,
      config: { staffRoles: ACCESS.readMail },
      // after the staff pages' own onSend: this page alone may load the progress script
      onSend: async (_request, reply, payload) => {
        if (reply.statusCode === 200) reply.header('content-security-policy', PROGRESS_PAGE_CSP);
        return payload;
      },
    },
    async (request, reply) => {
      const id = pathUuid(request.params.id, 'EfA-Lösung');
      const { mailingId } = request.params;
      if (!isUuid(mailingId)) throw new NotFoundError(`Mailing ${mailingId} gibt es nicht`);
      const principal = request.principal!;
      const wanted = Number(request.query.seite ?? '1');
      const page = Number.isInteger(wanted) && wanted >= 1 && wanted <= MESSAGE_PAGES_MAX ? wanted : 1;
      const readAt = deps.engine.now();
      const [solution, mailing, messages] = await Promise.all([
        getSolution(db, principal, id),
        getMailingProgress(db, principal, id, mailingId),
        listMailingMessages(db, principal, id, mailingId, { limit: MESSAGES_PER_PAGE, offset: (page - 1) * MESSAGES_PER_PAGE }),
      ]);
      const notice = request.query.versandt !== undefined ? 'Das Mailing ist angelegt; die Mails gehen jetzt an die Zustellung.' : undefined;
      const title = `${MAILING_KIND_WORDS[mailing.kind] ?? mailing.kind}: ${solution.title}`;
      return sendHtml(
        reply,
        200,
        renderMailingPage(frame(request, reply, title, mailingPath(id, mailingId)), {
          solution,
          mailing,
          messages,
          page,
          readAt,
          ...(notice ? { notice } : {}),
        }),
      );
    },
  );
}
