import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { actorOf } from '../auth/api-token.service.ts';
import { requirePrincipal } from '../auth/auth.hook.ts';
import { ACCESS } from '../auth/roles.ts';
import type { EngineDeps } from '../engine/workflow.engine.ts';
import type { MailingSettings } from '../mailings/mailing.service.ts';
import { problemResponses } from '../http/response.schemas.ts';
import { Ars, Uuid } from '../validation/common.schemas.ts';
import { renewParticipantLinks } from './link-renewal.service.ts';

export interface LinkRenewalRoutesDeps {
  engine: EngineDeps;
  settings: MailingSettings;
}

const LinkRenewalView = Type.Object(
  {
    ars: Type.String(),
    stage: Type.String({ description: 'Stadium der Behörde' }),
    kind: Type.String({ description: 'Art der Mail mit den neuen Links' }),
    renewed: Type.Array(Type.String(), { description: 'erneuerte Link-Zwecke; die bisherigen Links dazu gelten nicht mehr' }),
    alreadyAnswered: Type.Array(Type.String(), { description: 'schon beantwortete Zwecke (nicht erneuert)' }),
    mailingId: Type.String({ format: 'uuid' }),
    historyId: Type.Integer({ description: 'LINKS_ERNEUERT im Verlauf' }),
  },
  { description: 'neue Links erteilt; die Mail ist zum Versand eingereiht' },
);

export const linkRenewalRoutes: FastifyPluginAsync<LinkRenewalRoutesDeps> = async (fastify, deps) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/solutions/:id/participants/:ars/link-renewals',
    {
      config: { roles: [...ACCESS.steer] },
      schema: {
        tags: ['Mailings'],
        operationId: 'renewParticipantLinks',
        summary: 'Antwort-Links einer Behörde erneuern (neue Mail; die alten Links gelten nicht mehr)',
        params: Type.Object({ id: Uuid, ars: Ars }),
        response: {
          201: { ...LinkRenewalView, headers: { location: Type.String({ description: 'URL des Mailings mit den neuen Links (Versandstand)' }) } },
          ...problemResponses({
            409: 'im Stadium ist keine Antwort über einen Link offen, alles schon beantwortet, oder keine E-Mail-Adresse',
            422: 'die Ansprechperson der Lösung fehlt (errors nennt /mailDetails/…)',
          }),
        },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const renewal = await renewParticipantLinks(deps, { principal, actor: actorOf(principal), solutionId: request.params.id, ars: request.params.ars });
      return reply.code(201).header('location', `/api/v1/solutions/${request.params.id}/mailings/${renewal.mailingId}`).send(renewal);
    },
  );
};
