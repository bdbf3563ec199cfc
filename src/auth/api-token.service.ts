import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

export type Role = 'admin' | 'ministry';

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

/** The history's record of who acted. */
export function actorOf(principal: Principal): string {
  return principal.role === 'admin' ? `admin:${principal.label}` : `ministerium:${principal.ministry}:${principal.label}`;
}

export async function createApiToken(
  db: Kysely<Database>,
  input: { role: Role; ministry: string | null; label: string; token?: string },
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

export async function listApiTokens(db: Kysely<Database>) {
  return db
    .selectFrom('api_token')
    .select(['id', 'role', 'ministry', 'label', 'created_at', 'revoked_at'])
    .orderBy('created_at')
    .execute();
}

export async function revokeApiToken(db: Kysely<Database>, id: string): Promise<boolean> {
  const result = await db
    .updateTable('api_token')
    .set({ revoked_at: new Date() })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
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
