import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { SessionStore } from '@fastify/session';
import { toJson, type Database } from '../db/schema.ts';

/**
 * The sessions of the staff's web interface in the database (table staff_session): every
 * instance on one PostgreSQL – and PGlite alike – knows every session. Shaped as the
 * store @fastify/session expects (set/get/destroy with callbacks); the plugin hands it the
 * plain session id, and only that id's SHA-256 is stored, so a copy of the table takes
 * over no session. The store decides when a session has ended, by the service's clock
 * (tests move it): after `idleMs` without a request, and `absoluteMs` after sign-in at
 * the latest. The cookie itself carries no expiry: it ends with the browser.
 */

export interface StaffSessionStoreOptions {
  now: () => Date;
  idleMs: number;
  absoluteMs: number;
}

/** Signed-in staff stay at most twelve hours in one session, however busy. */
export const SESSION_ABSOLUTE_MS = 12 * 60 * 60 * 1000;

/**
 * A request moves the idle time on, but the row is written at most once a minute: a page
 * view reads its session without a write (the plugin runs with `rolling: false` and saves
 * only a changed session). The idle timeout is therefore exact to a minute.
 */
export const SESSION_TOUCH_INTERVAL_MS = 60_000;

export function hashSessionId(sessionId: string): string {
  return createHash('sha256').update(sessionId, 'utf8').digest('hex');
}

/** The session's values as stored: everything but the cookie (whose attributes the plugin sets anew). */
function storedValues(session: object): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(JSON.parse(JSON.stringify(session)) as Record<string, unknown>)) {
    if (key !== 'cookie') values[key] = value;
  }
  return values;
}

export function createStaffSessionStore(db: Kysely<Database>, options: StaffSessionStoreOptions): SessionStore {
  const { now, idleMs, absoluteMs } = options;

  async function load(sessionId: string): Promise<Record<string, unknown> | null> {
    const at = now();
    const row = await db
      .selectFrom('staff_session')
      .select(['data', 'expires_at'])
      .where('id_hash', '=', hashSessionId(sessionId))
      .where('expires_at', '>', at)
      .where('created_at', '>', new Date(at.getTime() - absoluteMs))
      .executeTakeFirst();
    if (!row) return null;
    const expiresAt = new Date(at.getTime() + idleMs);
    if (expiresAt.getTime() - row.expires_at.getTime() >= SESSION_TOUCH_INTERVAL_MS) {
      await db.updateTable('staff_session').set({ expires_at: expiresAt }).where('id_hash', '=', hashSessionId(sessionId)).execute();
    }
    return row.data;
  }

  async function save(sessionId: string, session: object): Promise<void> {
    const at = now();
    const values = storedValues(session);
    const tokenId = typeof values.tokenId === 'string' ? values.tokenId : null;
    const expiresAt = new Date(at.getTime() + idleMs);
    await db
      .insertInto('staff_session')
      .values({ id_hash: hashSessionId(sessionId), token_id: tokenId, data: toJson(values), created_at: at, expires_at: expiresAt })
      // created_at stays: the absolute lifetime counts from the first save (the sign-in regenerates the id)
      .onConflict((oc) => oc.column('id_hash').doUpdateSet({ token_id: tokenId, data: toJson(values), expires_at: expiresAt }))
      .execute();
  }

  return {
    get(sessionId, callback) {
      // the stored values; the plugin builds its Session (and the cookie) around them
      load(sessionId).then((data) => callback(null, data as never), (error: unknown) => callback(error));
    },
    set(sessionId, session, callback) {
      save(sessionId, session).then(() => callback(), (error: unknown) => callback(error));
    },
    destroy(sessionId, callback) {
      db.deleteFrom('staff_session')
        .where('id_hash', '=', hashSessionId(sessionId))
        .execute()
        .then(() => callback(), (error: unknown) => callback(error));
    },
  };
}

/** Sessions that ended (idle or too old) are deleted at each sign-in: the table holds only live ones and fresh sign-in forms. */
export async function deleteEndedSessions(db: Kysely<Database>, at: Date, absoluteMs = SESSION_ABSOLUTE_MS): Promise<void> {
  await db
    .deleteFrom('staff_session')
    .where((eb) => eb.or([eb('expires_at', '<=', at), eb('created_at', '<=', new Date(at.getTime() - absoluteMs))]))
    .execute();
}

/** Ends every session of a token: at revocation, so a revoked person is signed out everywhere at once. */
export async function deleteSessionsOfToken(db: Kysely<Database>, tokenId: string): Promise<void> {
  await db.deleteFrom('staff_session').where('token_id', '=', tokenId).execute();
}

const SESSION_SECRET_NAME = 'staff-session-key';

/**
 * The key that signs the session cookie, shared by all instances of one database: made
 * on first use and kept in app_secret like the answer-link key, never a default in code.
 */
export async function getStaffSessionSecret(db: Kysely<Database>): Promise<string> {
  const read = () => db.selectFrom('app_secret').select('value').where('name', '=', SESSION_SECRET_NAME).executeTakeFirst();
  let row = await read();
  if (!row) {
    // Two instances may start at once: the first insert wins, both read the winner.
    await db
      .insertInto('app_secret')
      .values({ name: SESSION_SECRET_NAME, value: randomBytes(32).toString('base64url') })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    row = await read();
  }
  if (!row || row.value.length < 32) throw new Error(`app_secret ${SESSION_SECRET_NAME}: fehlt oder ist zu kurz`);
  return row.value;
}
