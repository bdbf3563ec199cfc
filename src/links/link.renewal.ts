import type { Kysely, Transaction } from 'kysely';
import type { Database, LinkPurpose } from '../db/schema.ts';
import { deriveLinkToken, getLinkSecret, hashLinkToken } from './link.service.ts';

/**
 * The token side of a link renewal (responses/link-renewal.service.ts decides whether and
 * which): tokens are an HMAC of (solution, authority, purpose, generation), so a renewal
 * marks the current row of each purpose superseded – its hash stays, so that the old link
 * shows "nicht mehr gültig" instead of "unbekannt" – and inserts the next generation. Still
 * stored only as hashes, still one purpose and one answer each. Both steps run in the
 * renewal's transaction: superseding before the new mail is recorded, issuing after it,
 * since the new rows name that mailing.
 */

type Executor = Kysely<Database> | Transaction<Database>;

/** One link row as a renewal needs it: which generation, answered, superseded. */
export interface IssuedLink {
  purpose: LinkPurpose;
  generation: number;
  used_at: Date | null;
  superseded_at: Date | null;
}

/** Every link ever issued to an authority of a solution for these purposes, all generations. */
export async function loadIssuedLinks(db: Executor, subject: { solutionId: string; ars: string; purposes: readonly LinkPurpose[] }): Promise<IssuedLink[]> {
  return db
    .selectFrom('response_link')
    .select(['purpose', 'generation', 'used_at', 'superseded_at'])
    .where('solution_id', '=', subject.solutionId)
    .where('ars', '=', subject.ars)
    .where('purpose', 'in', [...subject.purposes])
    .execute();
}

/** The generation each purpose's renewed link gets: one above every generation issued so far (the first renewal: 1). */
export function nextLinkGenerations(issued: readonly IssuedLink[], purposes: readonly LinkPurpose[]): Map<LinkPurpose, number> {
  const nextGeneration = (purpose: LinkPurpose) => Math.max(0, ...issued.filter((link) => link.purpose === purpose).map((link) => link.generation)) + 1;
  return new Map(purposes.map((purpose) => [purpose, nextGeneration(purpose)]));
}

/** The authority's current links of these purposes stop working ("ersetzt"). */
export async function supersedeCurrentLinks(
  trx: Transaction<Database>,
  input: { solutionId: string; ars: string; purposes: readonly LinkPurpose[]; now: Date },
): Promise<void> {
  await trx
    .updateTable('response_link')
    .set({ superseded_at: input.now })
    .where('solution_id', '=', input.solutionId)
    .where('ars', '=', input.ars)
    .where('purpose', 'in', [...input.purposes])
    .where('superseded_at', 'is', null)
    .execute();
}

/** Records the renewed links – one row per purpose in its new generation – issued by the renewal's mailing. */
export async function issueRenewedLinks(
  trx: Transaction<Database>,
  input: { solutionId: string; ars: string; generations: ReadonlyMap<LinkPurpose, number>; mailingId: string; expiresAt: Date },
): Promise<void> {
  const { solutionId, ars } = input;
  const secret = await getLinkSecret(trx);
  await trx
    .insertInto('response_link')
    .values(
      [...input.generations].map(([purpose, generation]) => ({
        token_hash: hashLinkToken(deriveLinkToken(secret, { solutionId, ars, purpose, generation })),
        solution_id: solutionId,
        ars,
        purpose,
        mailing_id: input.mailingId,
        expires_at: input.expiresAt,
        generation,
      })),
    )
    .execute();
}
