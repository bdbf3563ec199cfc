import type { Kysely } from 'kysely';
import type { Database, MailingKind } from '../db/schema.ts';
import type { Principal } from '../auth/api-token.service.ts';
import { InvalidInputError, NotFoundError } from '../errors/domain.errors.ts';
import { getSolution } from '../solutions/solution.service.ts';
import { currentLinks } from '../links/link.service.ts';
import { linkPurposesFor, MULTIPLIER_TEMPLATE, type MailTemplate } from './template.render.ts';
import { renderForRecipient, type RenderedMessage } from './template.service.ts';
import { countAddressableParticipants } from './mailing.service.ts';

/**
 * The preview of a mail: one authority's mail (or the multipliers' copy of the
 * Erstinformation) exactly as it is sent, with the authority's live answer links – for
 * POST /solutions/:id/mailings/preview and the staff's mailing and template pages alike.
 */

export interface PreviewRequest {
  kind: MailingKind;
  ars?: string;
  empfaenger?: 'behoerde' | 'multiplikator';
  deadline?: string;
  erinnerungNummer?: number;
  /** A text not saved yet; absent: the solution's text for the kind. */
  template?: MailTemplate;
}

export interface PreviewDeps {
  publicBaseUrl: string;
  linkSecret: () => Promise<Buffer>;
}

export async function previewMailing(db: Kysely<Database>, deps: PreviewDeps, principal: Principal, solutionId: string, request: PreviewRequest): Promise<RenderedMessage> {
  const { kind, deadline, erinnerungNummer } = request;
  await getSolution(db, principal, solutionId); // access check
  const template = request.template ? { template: request.template } : {};
  if (request.empfaenger === 'multiplikator') {
    if (kind !== 'erstinformation') {
      throw new InvalidInputError('Kopien an die Multiplikatoren gibt es nur zur Erstinformation', [
        { field: '/body/kind', message: 'bei empfaenger „multiplikator“ nur „erstinformation“' },
      ]);
    }
    return renderForRecipient(db, {
      solutionId,
      kind: MULTIPLIER_TEMPLATE,
      ars: null,
      frist: deadline ?? null,
      links: {},
      empfaengerAnzahl: await countAddressableParticipants(db, solutionId),
      ...template,
    });
  }
  const ars = request.ars;
  if (!ars) throw new InvalidInputError('Für die Vorschau einer Behörden-Mail fehlt die Behörde', [{ field: '/body/ars', message: 'Pflichtangabe' }]);
  const participant = await db.selectFrom('participant').select('ars').where('solution_id', '=', solutionId).where('ars', '=', ars).executeTakeFirst();
  if (!participant) throw new NotFoundError(`Behörde ${ars} ist nicht Teilnehmerin dieser Lösung`);
  // Reminders carry the links of the mailing they remind of; preview them with the Erstinformation's.
  const purposes = linkPurposesFor(kind === 'erinnerung' ? 'erstinformation' : kind);
  const current = await currentLinks(db, { secret: await deps.linkSecret(), solutionId, ars, purposes, baseUrl: deps.publicBaseUrl });
  const links = Object.fromEntries(current.map((link) => [link.purpose, link.url]));
  return renderForRecipient(db, {
    solutionId,
    kind,
    ars,
    frist: deadline ?? null,
    links,
    ...(kind === 'erinnerung' ? { erinnerungNummer: erinnerungNummer ?? 1 } : {}),
    ...template,
  });
}
