import { createHash, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Principal } from './api-token.service.ts';
import { ROLES, type Role } from './roles.ts';
import type { OidcSettings } from './oidc.settings.ts';
import { deleteSessionsOfToken } from './staff-session.store.ts';

/**
 * Who a person signed in through the Land's identity provider is in efa-rollout: the role
 * and ministry their claims map to, and the api_token row that stands for them. A staff
 * session names a token (staff_session.token_id) and every request checks it; a person of
 * the provider gets one such row per (issuer, subject), which no bearer token can ever
 * match – its token_hash is `oidc:<sha256>`, and a bearer token is looked up by its plain
 * hex SHA-256. So the session, the history (label = the person's name), the token list and
 * a revocation work for them exactly as for a personal token.
 */

export interface OidcIdentity {
  subject: string;
  role: Role;
  /** For `ministry`: its Kürzel; null otherwise. */
  ministry: string | null;
  /** The person's name (OIDC_NAME_CLAIM, else preferred_username, email, subject), one line of ≤ 100 characters. */
  label: string;
}

/** Why the claims give no role of efa-rollout: the 403 page says it in these words. */
export class OidcRoleRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OidcRoleRefusedError';
  }
}

/** The same rule as a token's or a solution's ministry (MinistryKey in validation/common.schemas.ts). */
const MINISTRY_KEY = /^[A-Za-zÄÖÜäöü-]{2,20}$/;
const LABEL_MAX = 100;

/** A claim by name; `a.b` reaches into an object (Keycloak's realm_access.roles). */
export function claimAt(claims: Record<string, unknown>, path: string): unknown {
  if (Object.hasOwn(claims, path)) return claims[path];
  let value: unknown = claims;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function oneLine(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const line = value.replace(/[\p{Cc}\p{Cs}\u2028\u2029]+/gu, ' ').replace(/\s+/g, ' ').trim();
  return line ? line.slice(0, LABEL_MAX) : null;
}

/**
 * The role, ministry and name the claims give; refused (OidcRoleRefusedError) when the role
 * claim maps to no role, to two different ones, or a ministry lacks its Kürzel.
 */
export function identityFromClaims(claims: Record<string, unknown>, settings: Pick<OidcSettings, 'roleClaim' | 'roleMap' | 'ministryClaim' | 'nameClaim'>): OidcIdentity {
  const subject = typeof claims.sub === 'string' ? claims.sub : '';
  if (!subject) throw new OidcRoleRefusedError('Der Identitätsanbieter hat keine Kennung (sub) übermittelt.');
  const raw = claimAt(claims, settings.roleClaim);
  const values = (Array.isArray(raw) ? raw : [raw]).filter((value): value is string => typeof value === 'string');
  const roles = [...new Set(values.filter((value) => Object.hasOwn(settings.roleMap, value)).map((value) => settings.roleMap[value]!))];
  if (roles.length === 0) {
    throw new OidcRoleRefusedError(
      values.length === 0
        ? `Ihr Landeskonto trägt keine Rolle für efa-rollout (Angabe „${settings.roleClaim}“ fehlt).`
        : `Ihr Landeskonto trägt keine Rolle, die efa-rollout kennt (Angabe „${settings.roleClaim}“).`,
    );
  }
  if (roles.length > 1) {
    const named = ROLES.filter((role) => roles.includes(role)).join(', ');
    throw new OidcRoleRefusedError(`Ihr Landeskonto trägt mehrere Rollen für efa-rollout (${named}); efa-rollout braucht genau eine.`);
  }
  const role = roles[0]!;
  let ministry: string | null = null;
  if (role === 'ministry') {
    const value = claimAt(claims, settings.ministryClaim);
    const key = typeof value === 'string' ? value.trim() : '';
    if (!MINISTRY_KEY.test(key)) {
      throw new OidcRoleRefusedError(`Ihr Landeskonto trägt die Rolle eines Ministeriums, aber kein gültiges Ministeriumskürzel (Angabe „${settings.ministryClaim}“).`);
    }
    ministry = key;
  }
  const label =
    oneLine(claimAt(claims, settings.nameClaim)) ?? oneLine(claims.preferred_username) ?? oneLine(claims.email) ?? oneLine(`Landeskonto ${subject}`)!;
  return { subject, role, ministry, label };
}

/** The token_hash of a provider's person: not a hex SHA-256, so no bearer token ever finds the row. */
export function landeskontoTokenHash(issuer: string, subject: string): string {
  return `oidc:${createHash('sha256').update(`${issuer}\n${subject}`, 'utf8').digest('hex')}`;
}

export const LANDESKONTO_CREATED_BY = 'Landeskonto (OpenID Connect)';

/**
 * The principal of a person signing in through the provider: their row, created on the
 * first sign-in and brought up to the role, ministry and name of this one. A row revoked
 * in efa-rollout (token list, DELETE /admin/tokens/:id) stays revoked: null, no session.
 */
export async function principalForLandeskonto(db: Kysely<Database>, issuer: string, identity: OidcIdentity): Promise<Principal | null> {
  const tokenHash = landeskontoTokenHash(issuer, identity.subject);
  return db.transaction().execute(async (trx) => {
    await trx
      .insertInto('api_token')
      .values({ id: randomUUID(), token_hash: tokenHash, role: identity.role, ministry: identity.ministry, label: identity.label, created_by: LANDESKONTO_CREATED_BY })
      .onConflict((oc) => oc.column('token_hash').doNothing())
      .execute();
    const row = await trx.selectFrom('api_token').select(['id', 'role', 'ministry', 'label', 'revoked_at']).where('token_hash', '=', tokenHash).forUpdate().executeTakeFirstOrThrow();
    if (row.revoked_at !== null) return null;
    if (row.role !== identity.role || row.ministry !== identity.ministry || row.label !== identity.label) {
      await trx.updateTable('api_token').set({ role: identity.role, ministry: identity.ministry, label: identity.label }).where('id', '=', row.id).execute();
    }
    return { tokenId: row.id, role: identity.role, ministry: identity.ministry, label: identity.label };
  });
}

/**
 * A person the provider no longer gives a role: their sessions on other devices end too
 * (the row stays, not revoked – with a role again they may sign in again).
 */
export async function endSessionsOfLandeskonto(db: Kysely<Database>, issuer: string, subject: string): Promise<void> {
  const row = await db.selectFrom('api_token').select('id').where('token_hash', '=', landeskontoTokenHash(issuer, subject)).executeTakeFirst();
  if (row) await deleteSessionsOfToken(db, row.id);
}
