import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { actorOf } from '../auth/api-token.service.ts';
import { requirePrincipal } from '../auth/auth.hook.ts';
import { NotFoundProblem } from '../http/problem.ts';
import { assertMayAccess } from '../solutions/solution.service.ts';
import { linkPurposesFor, placeholdersFor, PLACEHOLDERS, TEMPLATE_KINDS } from './template.render.ts';
import { listTemplates, loadMailDetails, loadTemplate, resetTemplate, saveMailDetails, saveTemplate } from './template.service.ts';

const Kind = Type.Union(
  TEMPLATE_KINDS.map((kind) => Type.Literal(kind)),
  { description: 'Art des Mailings; erstinformation-multiplikator: die Kopie der Erstinformation an die Multiplikatoren' },
);
const SolutionParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
const TemplateParams = Type.Object({ id: Type.String({ format: 'uuid' }), kind: Kind });
// Blank texts and unknown placeholders are refused by validateTemplate, so that the
// 422 names the field as /subject, /textBody, /htmlBody like the other template errors.
const TemplateBody = Type.Object(
  {
    subject: Type.String({ maxLength: 300, description: 'Betreff; Platzhalter als {{name}}' }),
    textBody: Type.String({ maxLength: 50000, description: 'Textteil' }),
    htmlBody: Type.String({ maxLength: 100000, description: 'Inhalt des HTML-Teils (ohne <html>/<body>; das Layout kommt hinzu)' }),
  },
  { additionalProperties: false },
);
const Detail = (description: string) => Type.Optional(Type.String({ maxLength: 2000, description }));
const MailDetailsBody = Type.Object(
  {
    kontaktName: Detail('Ansprechperson im Ministerium; Pflicht vor dem Versand eines Mailings'),
    kontaktEmail: Detail('E-Mail der Ansprechperson: Reply-To aller Mails; Pflicht vor dem Versand eines Mailings'),
    kontaktTelefon: Detail('Telefon der Ansprechperson'),
    kosten: Detail('Voraussichtliche (Betriebs-)Kosten'),
    termine: Detail('Termine'),
    sachstand: Detail('Sachstand der Umsetzung'),
  },
  { additionalProperties: false },
);

export interface TemplateRoutesDeps {
  db: Kysely<Database>;
}

const ROLES = { roles: ['admin', 'ministry'] as ('admin' | 'ministry')[] };

export const templateRoutes: FastifyPluginAsync<TemplateRoutesDeps> = async (fastify, { db }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['Mailings'];

  async function loadAccessible(request: FastifyRequest, id: string) {
    const row = await db.selectFrom('solution').select(['id', 'lead_ministry']).where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundProblem(`EfA-Lösung ${id} gibt es nicht`);
    assertMayAccess(requirePrincipal(request), row);
  }

  app.get(
    '/solutions/:id/templates',
    { config: ROLES, schema: { tags, summary: 'Mail-Vorlagen der Lösung (eigene oder Standard)', params: SolutionParams } },
    async (request) => {
      await loadAccessible(request, request.params.id);
      return { placeholders: PLACEHOLDERS, items: await listTemplates(db, request.params.id) };
    },
  );

  app.get(
    '/solutions/:id/templates/:kind',
    { config: ROLES, schema: { tags, summary: 'Eine Mail-Vorlage', params: TemplateParams } },
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
      schema: { tags, summary: 'Eigene Mail-Vorlage speichern (unbekannte oder für die Art unzulässige Platzhalter: 422)', params: TemplateParams, body: TemplateBody },
    },
    async (request) => {
      await loadAccessible(request, request.params.id);
      return saveTemplate(db, request.params.id, request.params.kind, request.body, actorOf(requirePrincipal(request)));
    },
  );

  app.delete(
    '/solutions/:id/templates/:kind',
    { config: ROLES, schema: { tags, summary: 'Zur Standard-Vorlage zurückkehren', params: TemplateParams } },
    async (request, reply) => {
      await loadAccessible(request, request.params.id);
      await resetTemplate(db, request.params.id, request.params.kind);
      return reply.code(204).send();
    },
  );

  app.get(
    '/solutions/:id/mail-details',
    { config: ROLES, schema: { tags, summary: 'Angaben der Lösung für die Mails', params: SolutionParams } },
    async (request) => {
      await loadAccessible(request, request.params.id);
      return loadMailDetails(db, request.params.id);
    },
  );

  app.put(
    '/solutions/:id/mail-details',
    { config: ROLES, schema: { tags, summary: 'Angaben der Lösung für die Mails ersetzen', params: SolutionParams, body: MailDetailsBody } },
    async (request) => {
      await loadAccessible(request, request.params.id);
      return saveMailDetails(db, request.params.id, request.body);
    },
  );
};
