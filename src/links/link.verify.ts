import type { Kysely, Transaction } from 'kysely';
import type { Database, ResponseLink } from '../db/schema.ts';
import { findLinkByToken } from './link.service.ts';
import type { LinkAnswerability, RecordedAnswer } from './link-answers.ts';

/**
 * Whether a token still opens its link: a known link, not superseded by a renewal, not
 * expired – and, for an answer, not yet used. The answer pages, the pilot page, problem
 * reports and the ticket pages all ask here, so that "valid" means the same everywhere;
 * what a page says about a link that fails is its own (web/link-page.kit.ts).
 */

type Executor = Kysely<Database> | Transaction<Database>;

/**
 * 'ersetzt': the ministry renewed the authority's links; this one no longer takes an answer.
 * 'nicht-offen': valid and unanswered, but no answer is possible any more, or not now
 * (`answerability` says why: the rollout ended or is paused, the authority moved on).
 */
export type LinkProblemKind = 'unbekannt' | 'ersetzt' | 'abgelaufen' | 'beantwortet' | 'unpassend' | 'nicht-offen';

export class LinkProblem extends Error {
  override name = 'LinkProblem';
  readonly link: ResponseLink | null;
  readonly recorded: RecordedAnswer | null;
  /** The participant's stage that the answer did not fit ('unpassend'). */
  readonly stage: string | null;
  /** Why the link takes no answer ('nicht-offen'). */
  readonly answerability: LinkAnswerability | null;

  readonly kind: LinkProblemKind;
  constructor(
    kind: LinkProblemKind,
    details: { link?: ResponseLink | null; recorded?: RecordedAnswer | null; stage?: string | null; answerability?: LinkAnswerability | null } = {},
  ) {
    super(`Antwort-Link: ${kind}`);
    this.kind = kind;
    this.link = details.link ?? null;
    this.recorded = details.recorded ?? null;
    this.stage = details.stage ?? null;
    this.answerability = details.answerability ?? null;
  }
}

/** Why a known link no longer counts – renewed first, then expired – or null while it is valid. */
function invalidityOf(link: ResponseLink, now: Date): 'ersetzt' | 'abgelaufen' | null {
  if (link.superseded_at) return 'ersetzt';
  if (link.expires_at.getTime() <= now.getTime()) return 'abgelaufen';
  return null;
}

/** Neither superseded nor expired – answered or not. */
export function isLinkValid(link: ResponseLink, now: Date): boolean {
  return invalidityOf(link, now) === null;
}

export function assertLinkValid(link: ResponseLink, now: Date): void {
  const invalidity = invalidityOf(link, now);
  if (invalidity) throw new LinkProblem(invalidity, { link });
}

/** Valid and not yet used: the link still takes its one answer. */
export function assertLinkOpen(link: ResponseLink, now: Date): void {
  assertLinkValid(link, now);
  if (link.used_at) throw new LinkProblem('beantwortet', { link, recorded: link.answer as RecordedAnswer | null });
}

/**
 * The link a token stands for if it is valid – answered or not: problem reports and the
 * ticket pages take any link that is neither superseded nor expired.
 */
export async function openValidLink(db: Executor, token: string, now: Date): Promise<ResponseLink> {
  const link = await findLinkByToken(db, token);
  if (!link) throw new LinkProblem('unbekannt');
  assertLinkValid(link, now);
  return link;
}

/** The link a token stands for, if it can still take an answer; otherwise the LinkProblem to show. */
export async function openResponseLink(db: Executor, token: string, now: Date): Promise<ResponseLink> {
  const link = await findLinkByToken(db, token);
  if (!link) throw new LinkProblem('unbekannt');
  assertLinkOpen(link, now);
  return link;
}

/**
 * Uses the link for its one answer, in the caller's transaction: used_at null → now, so
 * that of two simultaneous submits only one gets it. Throws LinkProblem when the link was
 * used, renewed or expired meanwhile (or is gone).
 */
export async function claimOpenLink(trx: Transaction<Database>, link: ResponseLink, now: Date): Promise<void> {
  const claimed = await trx
    .updateTable('response_link')
    .set({ used_at: now })
    .where('token_hash', '=', link.token_hash)
    .where('used_at', 'is', null)
    .where('superseded_at', 'is', null)
    .where('expires_at', '>', now)
    .returning('token_hash')
    .executeTakeFirst();
  if (claimed) return;
  // lost the race against another submit (or the link just expired or was renewed)
  const fresh = await trx.selectFrom('response_link').selectAll().where('token_hash', '=', link.token_hash).executeTakeFirst();
  if (!fresh) throw new LinkProblem('unbekannt');
  assertLinkOpen(fresh, now);
  throw new LinkProblem('beantwortet', { link: fresh });
}
