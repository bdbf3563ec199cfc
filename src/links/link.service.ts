import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { sql, type Insertable, type Kysely, type Transaction } from 'kysely';
import type { Database, LinkPurpose, ResponseLink, ResponseLinkTable } from '../db/schema.ts';

/**
 * Signed response links: authorities have no accounts, so a link in their mail is
 * the authorisation for exactly one (authority, solution, purpose). The token is an
 * HMAC over that triple under a key only the database holds, so a reminder or a
 * re-send after a crash carries the same link, and nobody without the key can
 * derive or guess one. Only the token's SHA-256 hash is stored.
 */

type Executor = Kysely<Database> | Transaction<Database>;

export const LINK_SECRET_NAME = 'response-link-key';
export const LINK_PURPOSES = ['interesse', 'pilot', 'bereitschaft', 'bus-bb', 'pilotbetrieb'] as const satisfies readonly LinkPurpose[];

const SECRET_BYTES = 32;
/** 32 bytes of HMAC-SHA256 in base64url without padding. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** The link key shared by all instances of one database; created on first use. */
export async function getLinkSecret(db: Executor): Promise<Buffer> {
  let row = await db.selectFrom('app_secret').select('value').where('name', '=', LINK_SECRET_NAME).executeTakeFirst();
  if (!row) {
    // Two instances may start at once: the first insert wins, both read the winner.
    await db
      .insertInto('app_secret')
      .values({ name: LINK_SECRET_NAME, value: randomBytes(SECRET_BYTES).toString('base64') })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    row = await db.selectFrom('app_secret').select('value').where('name', '=', LINK_SECRET_NAME).executeTakeFirstOrThrow();
  }
  const secret = Buffer.from(row.value, 'base64');
  if (secret.length !== SECRET_BYTES) throw new Error(`app_secret ${LINK_SECRET_NAME}: erwartet ${SECRET_BYTES} Bytes`);
  return secret;
}

/** The link key, read once per process and kept (it never changes once created); a failed read is tried again next time. */
export function linkSecretOnce(db: Kysely<Database>): () => Promise<Buffer> {
  let secret: Promise<Buffer> | null = null;
  return () =>
    (secret ??= getLinkSecret(db).catch((error: unknown) => {
      secret = null;
      throw error;
    }));
}

export interface LinkSubject {
  solutionId: string;
  ars: string;
  purpose: LinkPurpose;
}

/**
 * Generation 0 is the link as first issued (the HMAC input as before migration 0008, so
 * links already in mailboxes keep working); a renewal issues generation n + 1, whose
 * token differs, and supersedes the row of generation n.
 */
export function deriveLinkToken(secret: Buffer, { solutionId, ars, purpose, generation = 0 }: LinkSubject & { generation?: number }): string {
  const subject = generation === 0 ? `${solutionId}:${ars}:${purpose}` : `${solutionId}:${ars}:${purpose}:g${generation}`;
  return createHmac('sha256', secret).update(subject).digest('base64url');
}

export function hashLinkToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function isWellFormedLinkToken(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}

/**
 * The anti-CSRF value of a link's form. Bound to the link (not to a session: there
 * is none), so a page of one link cannot be used to post to another one.
 */
export function deriveCsrfToken(secret: Buffer, tokenHash: string): string {
  return createHmac('sha256', secret).update(`csrf:${tokenHash}`).digest('base64url');
}

export function verifyCsrfToken(secret: Buffer, tokenHash: string, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const expected = Buffer.from(deriveCsrfToken(secret, tokenHash));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** The generation each purpose's current (not superseded) link of the authority is in; absent: none issued yet (0). */
export async function currentLinkGenerations(
  db: Executor,
  subject: { solutionId: string; ars: string; purposes: readonly LinkPurpose[] },
): Promise<Map<LinkPurpose, number>> {
  if (subject.purposes.length === 0) return new Map();
  const rows = await db
    .selectFrom('response_link')
    .select(['purpose', 'generation'])
    .where('solution_id', '=', subject.solutionId)
    .where('ars', '=', subject.ars)
    .where('purpose', 'in', [...subject.purposes])
    .where('superseded_at', 'is', null)
    .execute();
  return new Map(rows.map((row) => [row.purpose, row.generation]));
}

/**
 * The authority's current link of each purpose – token and URL in the generation it is in
 * (a renewed link is issued anew in its new generation) – without writing anything: what
 * a mail carries, and what the preview shows.
 */
export async function currentLinks(
  db: Executor,
  input: { secret: Buffer; solutionId: string; ars: string; purposes: readonly LinkPurpose[]; baseUrl: string },
): Promise<{ purpose: LinkPurpose; generation: number; token: string; url: string }[]> {
  const base = input.baseUrl.replace(/\/+$/, '');
  const purposes = [...new Set(input.purposes)];
  if (purposes.length === 0) return [];
  const generationOf = await currentLinkGenerations(db, { solutionId: input.solutionId, ars: input.ars, purposes });
  return purposes.map((purpose) => {
    const generation = generationOf.get(purpose) ?? 0;
    const token = deriveLinkToken(input.secret, { solutionId: input.solutionId, ars: input.ars, purpose, generation });
    return { purpose, generation, token, url: `${base}/antwort/${token}` };
  });
}

export interface IssueLinksInput {
  secret: Buffer;
  solutionId: string;
  ars: string;
  /** Null for the ticket link, which no mailing issues. */
  mailingId: string | null;
  purposes: LinkPurpose[];
  expiresAt: Date;
  /** Public origin (and path prefix) of the service, e.g. https://efa.brandenburg.example */
  baseUrl: string;
}

/**
 * Stores the links of one authority for one mailing and returns their URLs. Issuing
 * again (reminder, re-send) keeps an answer already given and only ever extends the
 * expiry. The hash is refreshed too, so that links derived under a replaced key work
 * and the old ones stop working.
 */
export async function issueResponseLinks(db: Executor, input: IssueLinksInput): Promise<Partial<Record<LinkPurpose, string>>> {
  const current = await currentLinks(db, input);
  const urls: Partial<Record<LinkPurpose, string>> = Object.fromEntries(current.map((link) => [link.purpose, link.url]));
  if (current.length === 0) return urls;
  const rows = current.map(({ purpose, generation, token }) => ({
    token_hash: hashLinkToken(token),
    solution_id: input.solutionId,
    ars: input.ars,
    purpose,
    mailing_id: input.mailingId,
    expires_at: input.expiresAt,
    generation,
  }));
  // One statement for all purposes of a mail: this runs once per message sent.
  await storeLinkRows(db, rows);
  return urls;
}

/**
 * Stores current links: a new row per (solution, authority, purpose), or – the current
 * (not superseded) row being unique (migration 0008) – keeps the answer given, refreshes
 * the hash and only ever extends the expiry.
 */
async function storeLinkRows(db: Executor, rows: Insertable<ResponseLinkTable>[]): Promise<void> {
  await db
    .insertInto('response_link')
    .values(rows)
    .onConflict((oc) =>
      oc
        .columns(['solution_id', 'ars', 'purpose'])
        .where('superseded_at', 'is', null)
        .doUpdateSet({
          token_hash: (eb) => eb.ref('excluded.token_hash'),
          expires_at: sql<Date>`greatest(response_link.expires_at, excluded.expires_at)`,
        }),
    )
    .execute();
}

/**
 * `issueResponseLinks` for many authorities at once (a batch of a mailing's messages): one
 * statement reads the current generations, one stores every link – not two per message.
 * Answers each input's URLs in input order. The same (solution, authority, purpose) twice
 * is stored once, with the later expiry.
 */
export async function issueResponseLinksMany(
  db: Executor,
  common: { secret: Buffer; baseUrl: string },
  inputs: readonly Omit<IssueLinksInput, 'secret' | 'baseUrl'>[],
): Promise<Partial<Record<LinkPurpose, string>>[]> {
  const base = common.baseUrl.replace(/\/+$/, '');
  const wanted = inputs.filter((input) => input.purposes.length > 0);
  const generationOf = new Map<string, number>();
  if (wanted.length) {
    const arsBySolution = new Map<string, Set<string>>();
    for (const input of wanted) {
      const set = arsBySolution.get(input.solutionId) ?? new Set<string>();
      set.add(input.ars);
      arsBySolution.set(input.solutionId, set);
    }
    const rows = await db
      .selectFrom('response_link')
      .select(['solution_id', 'ars', 'purpose', 'generation'])
      .where((eb) => eb.or([...arsBySolution].map(([solutionId, ars]) => eb.and([eb('solution_id', '=', solutionId), eb('ars', 'in', [...ars])]))))
      .where('purpose', 'in', [...new Set(wanted.flatMap((input) => input.purposes))])
      .where('superseded_at', 'is', null)
      .execute();
    for (const row of rows) generationOf.set(`${row.solution_id}:${row.ars}:${row.purpose}`, row.generation);
  }
  const stored = new Map<string, Insertable<ResponseLinkTable>>();
  const answers = inputs.map((input) => {
    const urls: Partial<Record<LinkPurpose, string>> = {};
    for (const purpose of new Set(input.purposes)) {
      const key = `${input.solutionId}:${input.ars}:${purpose}`;
      const generation = generationOf.get(key) ?? 0;
      const token = deriveLinkToken(common.secret, { solutionId: input.solutionId, ars: input.ars, purpose, generation });
      urls[purpose] = `${base}/antwort/${token}`;
      const earlier = stored.get(key);
      if (earlier && (earlier.expires_at as Date) >= input.expiresAt) continue;
      stored.set(key, {
        token_hash: hashLinkToken(token),
        solution_id: input.solutionId,
        ars: input.ars,
        purpose,
        mailing_id: earlier ? (earlier.mailing_id ?? null) : input.mailingId,
        expires_at: input.expiresAt,
        generation,
      });
    }
    return urls;
  });
  if (stored.size) await storeLinkRows(db, [...stored.values()]);
  return answers;
}

/** The link a token stands for; null for malformed, tampered or unknown tokens. */
export async function findLinkByToken(db: Executor, token: string): Promise<ResponseLink | null> {
  if (!isWellFormedLinkToken(token)) return null;
  const row = await db.selectFrom('response_link').selectAll().where('token_hash', '=', hashLinkToken(token)).executeTakeFirst();
  return row ?? null;
}

/**
 * The authority's ticket link for one solution (purpose `ticket`): its tickets' pages,
 * answers to the Kaz, new problem reports. Issued with every ticket mail and every report
 * from a link page; each issue extends its expiry, so an authority in touch with the Kaz
 * keeps a working link. Answers the link's URL and token; a ticket's page is `ticketPageUrl`.
 */
export async function issueTicketLink(
  db: Executor,
  input: { secret: Buffer; solutionId: string; ars: string; expiresAt: Date; baseUrl: string },
): Promise<{ url: string; token: string }> {
  const urls = await issueResponseLinks(db, { ...input, mailingId: null, purposes: ['ticket'] });
  const url = urls.ticket!;
  return { url, token: url.slice(url.lastIndexOf('/') + 1) };
}

/** The page of one ticket (by its number) under the authority's ticket link. */
export function ticketPageUrl(ticketLinkUrl: string, ticketNumber: number): string {
  return `${ticketLinkUrl}/tickets/${ticketNumber}`;
}
