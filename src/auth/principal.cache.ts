import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { findPrincipalByToken, hashToken, type Principal } from './api-token.service.ts';

/** How long a looked-up token is trusted without asking the database again: a revocation takes effect on every instance within this time. */
export const TOKEN_CACHE_TTL_MS = 5_000;
/** At most this many tokens are remembered; the oldest entry makes room for a new one. */
export const TOKEN_CACHE_MAX_ENTRIES = 1_000;

interface Entry {
  principal: Principal;
  expiresAt: number;
}

/**
 * The principals of recently seen API tokens, per process. Every /api request needs its
 * caller; asking the database each time cost 2–4 ms of a request. Only valid tokens are
 * remembered (an unknown token is asked again: a token issued a moment ago works at
 * once); a revocation through this instance forgets the token at once, one through
 * another instance (or the database) is seen here within TOKEN_CACHE_TTL_MS.
 */
export class PrincipalCache {
  private readonly entries = new Map<string, Entry>();
  private readonly db: Kysely<Database>;
  private readonly now: () => Date;
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(db: Kysely<Database>, options: { now?: () => Date; ttlMs?: number; maxEntries?: number } = {}) {
    this.db = db;
    this.now = options.now ?? (() => new Date());
    this.ttlMs = options.ttlMs ?? TOKEN_CACHE_TTL_MS;
    this.maxEntries = options.maxEntries ?? TOKEN_CACHE_MAX_ENTRIES;
  }

  async principalOf(token: string): Promise<Principal | null> {
    const key = hashToken(token);
    const at = this.now().getTime();
    const cached = this.entries.get(key);
    // a clock set back (tests) makes an entry no younger: it is asked again
    if (cached && cached.expiresAt > at && cached.expiresAt - this.ttlMs <= at) return cached.principal;
    this.entries.delete(key);
    const principal = await findPrincipalByToken(this.db, token);
    if (!principal) return null;
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { principal, expiresAt: at + this.ttlMs });
    return principal;
  }

  /** A token revoked through this instance: refused from the next request on. */
  forget(tokenId: string): void {
    for (const [key, entry] of this.entries) if (entry.principal.tokenId === tokenId) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
