import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

import type { Role } from './roles.ts';
import { deleteSessionsOfToken } from './staff-session.store.ts';

export type { Role } from './roles.ts';

/** Who is calling: resolved from the bearer token on every request. */
export interface Principal {
  tokenId: string;
  role: Role;
  /** The ministry a `ministry` token acts for (e.g. "MSGIV"); null for admins. */
  ministry: string | null;
  label: string;
}

const TOKEN_PREFIX = 'efa_';

/** Tokens carry 256 random bits, so a plain SHA-256 is a sufficient one-way hash. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** The history's record of who acted: `admin:Betrieb`, `ministerium:MSGIV:Referat 32`, `kaz:…`, `landesredaktion:…`. */
export function actorOf(principal: Principal): string {
  return principal.role === 'ministry' ? `ministerium:${principal.ministry}:${principal.label}` : `${principal.role}:${principal.label}`;
}

export async function createApiToken(
  db: Kysely<Database>,
  input: { role: Role; ministry: string | null; label: string; token?: string; createdBy?: string },
): Promise<{ id: string; token: string }> {
  const token = input.token ?? generateToken();
  const id = randomUUID();
  await db
    .insertInto('api_token')
    .values({
      id,
      token_hash: hashToken(token),
      role: input.role,
      ministry: input.role === 'ministry' ? input.ministry : null,
      label: input.label,
      created_by: input.createdBy ?? null,
    })
    .execute();
  return { id, token };
}

export async function findPrincipalByToken(db: Kysely<Database>, token: string): Promise<Principal | null> {
  const row = await db
    .selectFrom('api_token')
    .select(['id', 'role', 'ministry', 'label'])
    .where('token_hash', '=', hashToken(token))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row ? { tokenId: row.id, role: row.role, ministry: row.ministry, label: row.label } : null;
}

/** The principal of a staff session: its token, as long as that is not revoked (checked on every request). */
export async function findPrincipalByTokenId(db: Kysely<Database>, tokenId: string): Promise<Principal | null> {
  const row = await db
    .selectFrom('api_token')
    .select(['id', 'role', 'ministry', 'label'])
    .where('id', '=', tokenId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row ? { tokenId: row.id, role: row.role, ministry: row.ministry, label: row.label } : null;
}

/** The tokens a principal manages: an admin all, a ministry its own ministry's. */
export async function listApiTokens(db: Kysely<Database>, scope: { ministry: string | null }) {
  let query = db.selectFrom('api_token').select(['id', 'role', 'ministry', 'label', 'created_at', 'created_by', 'revoked_at', 'revoked_by']);
  if (scope.ministry !== null) query = query.where('ministry', '=', scope.ministry);
  return query.orderBy('created_at').orderBy('id').execute();
}

/**
 * Revokes an active token within the scope; false when there is none (or it belongs to another ministry).
 * `forget`: this instance's token cache (principal.cache.ts) drops it at once; other instances within their TTL.
 */
export async function revokeApiToken(
  db: Kysely<Database>,
  id: string,
  scope: { ministry: string | null; revokedBy: string; forget?: (tokenId: string) => void },
): Promise<boolean> {
  let update = db.updateTable('api_token').set({ revoked_at: new Date(), revoked_by: scope.revokedBy }).where('id', '=', id).where('revoked_at', 'is', null);
  if (scope.ministry !== null) update = update.where('ministry', '=', scope.ministry);
  const result = await update.executeTakeFirst();
  const revoked = Number(result.numUpdatedRows) > 0;
  if (revoked) scope.forget?.(id);
  // the person is signed out of the web interface everywhere (each request checks the token too)
  if (revoked) await deleteSessionsOfToken(db, id);
  return revoked;
}

/**
 * On a database without any admin token, installs one: the configured token, or a
 * generated one that is returned so the caller can print it once.
 * Safe when several instances start at once: the first insert wins, the others see it.
 */
export async function ensureAdminToken(
  db: Kysely<Database>,
  configuredToken: string | null,
): Promise<{ generatedToken: string | null; installed: boolean }> {
  return db.transaction().execute(async (trx) => {
    // Serialise concurrent first starts of several instances on one server.
    await sql`select pg_advisory_xact_lock(hashtext('efa-rollout:bootstrap'))`.execute(trx);
    const existing = await trx.selectFrom('api_token').select('id').where('role', '=', 'admin').executeTakeFirst();
    if (existing) return { generatedToken: null, installed: false };
    const token = configuredToken ?? generateToken();
    await createApiToken(trx, { role: 'admin', ministry: null, label: 'bootstrap', token });
    return { generatedToken: configuredToken ? null : token, installed: true };
  });
}
