import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TemplateKind } from '../db/schema.ts';
import { ACCESS } from '../auth/roles.ts';
import { InvalidInputError, NotFoundError, type FieldError } from '../errors/domain.errors.ts';
import type { FormFields } from '../responses/response.service.ts';
import { linkSecretOnce } from '../links/link.service.ts';
import { getSolution } from '../solutions/solution.service.ts';
import { TemplateBody } from '../mailings/template.routes.ts';
import { placeholdersFor, TEMPLATE_KINDS, validateTemplate, MULTIPLIER_TEMPLATE, type MailTemplate } from '../mailings/template.render.ts';
import { loadTemplate, resetTemplate, saveTemplate } from '../mailings/template.service.ts';
import { previewMailing } from '../mailings/mailing-preview.service.ts';
import { actorOf } from '../auth/api-token.service.ts';
import { damagedFieldErrors } from './form-body.ts';
import { sendHtml } from './layout.ts';
import { renderTemplatePage } from './mail-template.page.ts';
import { schemaErrors } from './schema-form.ts';
import { templatePath, TEMPLATE_KIND_WORDS } from './solution-settings.page.ts';
import { DAMAGED_MESSAGE, LARGE_FORM, type SolutionFormPagesDeps } from './solution-form.deps.ts';
import { formText, HIDDEN, onePerField, pathUuid } from './staff-route.kit.ts';
import { solutionBase } from './solution-tabs.ts';

/**
 * The editor of one mail text: GET shows the solution's text (or the default) with a
 * preview for its first authority; POST with „vorschau“ renders the text sent without
 * saving it, with „speichern“ saves it (PUT …/templates/:kind, the same checks), and
 * …/zuruecksetzen goes back to the default (DELETE …/templates/:kind).
 */

type Params = { Params: { id: string; kind: string } };

function checkKind(kind: string): TemplateKind {
  if (!(TEMPLATE_KINDS as readonly string[]).includes(kind)) throw new NotFoundError(`Eine Mail „${kind}“ gibt es nicht`);
  return kind as TemplateKind;
}

const fieldOf = (pointer: string) => ({ field: pointer.replace(/^\//, '').split('/')[0] || 'subject' });

export function registerMailTemplatePageRoutes(app: FastifyInstance, deps: SolutionFormPagesDeps): void {
  const { db, frame, formGuards } = deps;
  const steer = { staffRoles: ACCESS.steer };
  const linkSecret = linkSecretOnce(db);
  const path = `${solutionBase(':id')}/bearbeiten/vorlagen/:kind`;

  async function page(request: FastifyRequest, reply: FastifyReply, status: number, view: { values?: FormFields; errors?: FieldError[]; notice?: string; unsaved?: MailTemplate }) {
    const { id, kind: rawKind } = (request.params as { id: string; kind: string });
    pathUuid(id, 'EfA-Lösung');
    const kind = checkKind(rawKind);
    const principal = request.principal!;
    const solution = await getSolution(db, principal, id);
    const saved = await loadTemplate(db, id, kind);
    const first = await db.selectFrom('participant as p').innerJoin('authority as a', 'a.ars', 'p.ars').select(['p.ars', 'a.name']).where('p.solution_id', '=', id).orderBy('p.ars').limit(1).executeTakeFirst();
    const multiplier = kind === MULTIPLIER_TEMPLATE;
    // the preview's own refusals (a kind that cannot be previewed for an authority) leave the page without one
    const mail =
      first || multiplier
        ? await previewMailing(db, { publicBaseUrl: deps.mail.publicBaseUrl, linkSecret }, principal, id, {
            kind: multiplier ? 'erstinformation' : (kind as Exclude<TemplateKind, typeof MULTIPLIER_TEMPLATE>),
            ...(multiplier ? { empfaenger: 'multiplikator' as const } : { ars: first!.ars }),
            ...(view.unsaved ? { template: view.unsaved } : {}),
          }).catch((error: unknown) => {
            if (error instanceof InvalidInputError || error instanceof NotFoundError) return null;
            throw error;
          })
        : null;
    const recipient = multiplier ? 'jeder Multiplikator' : `${first?.name ?? ''} (${first?.ars ?? ''})`;
    return sendHtml(
      reply,
      status,
      renderTemplatePage(frame(request, reply, `${view.errors?.length ? 'Fehler: ' : ''}Mailtext „${TEMPLATE_KIND_WORDS[kind]}“`, templatePath(id, kind)), {
        solution,
        kind,
        values: view.values ?? { subject: saved.subject, textBody: saved.textBody, htmlBody: saved.htmlBody },
        custom: saved.custom,
        placeholders: placeholdersFor(kind),
        csrf: reply.generateCsrf(),
        errors: view.errors ?? [],
        ...(view.notice ? { notice: view.notice } : {}),
        preview: mail ? { recipient, mail, unsaved: Boolean(view.unsaved) } : null,
      }),
    );
  }

  const NOTICES: Record<string, string> = { gespeichert: 'Der Text ist gespeichert.', zurueckgesetzt: 'Die Lösung verwendet wieder den Standardtext.' };

  app.get<Params & { Querystring: Record<string, string | undefined> }>(path, { ...HIDDEN, config: steer }, async (request, reply) => {
    const notice = Object.keys(NOTICES).find((key) => request.query[key] !== undefined);
    return page(request, reply, 200, notice ? { notice: NOTICES[notice] } : {});
  });

  app.post<Params>(path, { ...HIDDEN, ...LARGE_FORM, config: steer, preHandler: formGuards }, async (request, reply) => {
    const id = pathUuid(request.params.id, 'EfA-Lösung');
    const kind = checkKind(request.params.kind);
    const principal = request.principal!;
    await getSolution(db, principal, id); // access
    const form = (request.body ?? {}) as FormFields;
    const template: MailTemplate = { subject: formText(form, 'subject'), textBody: formText(form, 'textBody'), htmlBody: formText(form, 'htmlBody') };
    const damaged = damagedFieldErrors(form).map((e) => ({ field: e.field, message: DAMAGED_MESSAGE }));
    const errors = onePerField([...damaged, ...schemaErrors(TemplateBody, template, fieldOf), ...validateTemplate(template, kind)], fieldOf);
    if (errors.length) return page(request, reply, 422, { values: form, errors });
    if (formText(form, 'aktion') === 'vorschau') return page(request, reply, 200, { values: form, unsaved: template });
    await saveTemplate(db, id, kind, template, actorOf(principal));
    return reply.redirect(`${templatePath(id, kind)}?gespeichert`, 303);
  });

  app.post<Params>(`${path}/zuruecksetzen`, { ...HIDDEN, config: steer, preHandler: formGuards }, async (request, reply) => {
    const id = pathUuid(request.params.id, 'EfA-Lösung');
    const kind = checkKind(request.params.kind);
    await getSolution(db, request.principal!, id); // access
    await resetTemplate(db, id, kind);
    return reply.redirect(`${templatePath(id, kind)}?zurueckgesetzt`, 303);
  });
}
