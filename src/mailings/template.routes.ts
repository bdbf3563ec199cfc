import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { ACCESS } from '../auth/roles.ts';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { actorOf } from '../auth/api-token.service.ts';
import { requirePrincipal } from '../auth/auth.hook.ts';
import { NotFoundError } from '../errors/domain.errors.ts';
import { LARGE_JSON_BODY_LIMIT_BYTES } from '../http/body-limits.ts';
import { NoContent } from '../http/response.schemas.ts';
import { Line, MailAddressOrEmpty, OneOf, Uuid } from '../validation/common.schemas.ts';
import { assertMayAccess } from '../solutions/solution.service.ts';
import { linkPurposesFor, placeholdersFor, PLACEHOLDERS, TEMPLATE_KINDS } from './template.render.ts';
import { listTemplates, loadMailDetails, loadTemplate, resetTemplate, saveMailDetails, saveTemplate } from './template.service.ts';

const Kind = OneOf(TEMPLATE_KINDS, 'Art des Mailings; erstinformation-multiplikator: die Kopie der Erstinformation an die Multiplikatoren');
const SolutionParams = Type.Object({ id: Uuid });
const TemplateParams = Type.Object({ id: Uuid, kind: Kind });
// Blank texts and unknown placeholders are refused by validateTemplate (422 naming
// /body/subject, /body/textBody, /body/htmlBody like the schema's own errors).
export const TemplateBody = Type.Object(
  {
    subject: Type.String({ maxLength: 300, description: 'Betreff; Platzhalter als {{name}}' }),
    textBody: Type.String({ maxLength: 50000, description: 'Textteil' }),
    htmlBody: Type.String({ maxLength: 100000, description: 'Inhalt des HTML-Teils (ohne <html>/<body>; das Layout kommt hinzu)' }),
  },
  { additionalProperties: false },
);
const Detail = (description: string) => Type.Optional(Type.String({ maxLength: 2000, description }));
const mailDetailFields = {
  // Name and address become the Reply-To header of every mail: one line, one address.
  kontaktName: Type.Optional(Line('Ansprechperson im Ministerium (Anzeigename im Reply-To); Pflicht vor dem Versand eines Mailings')),
  kontaktEmail: Type.Optional(MailAddressOrEmpty('E-Mail der Ansprechperson: Reply-To aller Mails; Pflicht vor dem Versand eines Mailings')),
  kontaktTelefon: Type.Optional(Line('Telefon der Ansprechperson', 100)),
  kosten: Detail('Voraussichtliche (Betriebs-)Kosten'),
  termine: Detail('Termine'),
  sachstand: Detail('Sachstand der Umsetzung'),
};
export const MailDetailsBody = Type.Object(mailDetailFields, { additionalProperties: false });
const MailDetailsView = Type.Object(mailDetailFields, { description: 'Angaben für die Mails (leere weggelassen)' });

const templateFields = {
  kind: Kind,
  subject: Type.String(),
  textBody: Type.String(),
  htmlBody: Type.String(),
  custom: Type.Boolean({ description: 'false: der Standardtext, für die Lösung nichts gespeichert' }),
  updatedBy: Type.Union([Type.String(), Type.Null()]),
  updatedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
};
const Placeholders = Type.Array(Type.String(), { description: 'Platzhalter als {{name}}' });
const TemplateView = Type.Object(templateFields, { description: 'Mail-Vorlage' });
const TemplateDetailView = Type.Object(
  {
    ...templateFields,
    links: Type.Array(Type.String(), { description: 'Antwort-Links, die Mails dieser Art tragen ({{link.…}})' }),
    placeholders: Placeholders,
  },
  { description: 'Mail-Vorlage mit den für die Art zulässigen Platzhaltern' },
);
const TemplateList = Type.Object({ placeholders: Placeholders, items: Type.Array(TemplateView) }, { description: 'Vorlagen aller Arten' });

export interface TemplateRoutesDeps {
  db: Kysely<Database>;
}

const ROLES = { roles: [...ACCESS.steer] };
/** Reading templates and mail details: every role that reads the solution (no answer link in them, roles.ts). */
const READ_MAIL = { roles: [...ACCESS.readMail] };

export const templateRoutes: FastifyPluginAsync<TemplateRoutesDeps> = async (fastify, { db }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['Mailings'];

  async function loadAccessible(request: FastifyRequest, id: string) {
    const row = await db.selectFrom('solution').select(['id', 'lead_ministry']).where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError(`EfA-Lösung ${id} gibt es nicht`);
    assertMayAccess(requirePrincipal(request), row);
  }

  app.get(
    '/solutions/:id/templates',
    {
      config: READ_MAIL,
      schema: { tags, operationId: 'listTemplates', summary: 'Mail-Vorlagen der Lösung (eigene oder Standard)', params: SolutionParams, response: { 200: TemplateList } },
    },
    async (request) => {
      await loadAccessible(request, request.params.id);
      return { placeholders: [...PLACEHOLDERS], items: await listTemplates(db, request.params.id) };
    },
  );

  app.get(
    '/solutions/:id/templates/:kind',
    { config: READ_MAIL, schema: { tags, operationId: 'getTemplate', summary: 'Eine Mail-Vorlage', params: TemplateParams, response: { 200: TemplateDetailView } } },
    async (request) => {
      await loadAccessible(request, request.params.id);
      const template = await loadTemplate(db, request.params.id, request.params.kind);
      return { ...template, links: linkPurposesFor(request.params.kind), placeholders: placeholdersFor(request.params.kind) };
    },
  );

  app.put(
    '/solutions/:id/templates/:kind',
    {
      config: ROLES,
      bodyLimit: LARGE_JSON_BODY_LIMIT_BYTES,
      schema: {
        tags,
        operationId: 'saveTemplate',
        summary: 'Eigene Mail-Vorlage speichern (unbekannte oder für die Art unzulässige Platzhalter: 422)',
        params: TemplateParams,
        body: TemplateBody,
        response: { 200: TemplateView },
      },
    },
    async (request) => {
      await loadAccessible(request, request.params.id);
      return saveTemplate(db, request.params.id, request.params.kind, request.body, actorOf(requirePrincipal(request)));
    },
  );

  app.delete(
    '/solutions/:id/templates/:kind',
    {
      config: ROLES,
      schema: { tags, operationId: 'resetTemplate', summary: 'Zur Standard-Vorlage zurückkehren', params: TemplateParams, response: { 204: NoContent('zurückgesetzt') } },
    },
    async (request, reply) => {
      await loadAccessible(request, request.params.id);
      await resetTemplate(db, request.params.id, request.params.kind);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/solutions/:id/mail-details',
    { config: READ_MAIL, schema: { tags, operationId: 'getMailDetails', summary: 'Angaben der Lösung für die Mails', params: SolutionParams, response: { 200: MailDetailsView } } },
    async (request) => {
      await loadAccessible(request, request.params.id);
      return loadMailDetails(db, request.params.id);
    },
  );

  app.put(
    '/solutions/:id/mail-details',
    {
      config: ROLES,
      schema: {
        tags,
        operationId: 'saveMailDetails',
        summary: 'Angaben der Lösung für die Mails ersetzen',
        params: SolutionParams,
        body: MailDetailsBody,
        response: { 200: MailDetailsView },
      },
    },
    async (request) => {
      await loadAccessible(request, request.params.id);
      return saveMailDetails(db, request.params.id, request.body);
    },
  );
};
