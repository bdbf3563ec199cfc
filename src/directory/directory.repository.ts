import { sql, type Kysely } from 'kysely';
import type { Authority, Database } from '../db/schema.ts';
import { escapeLike } from '../db/query.helpers.ts';

export interface AuthoritySearch {
  /** Name substring (case-insensitive), or an ARS/AGS prefix when it is all digits. */
  q?: string;
  kind?: string[];
  parentArs?: string;
  kreisArs?: string;
  land?: string;
  active?: boolean;
  limit?: number;
  offset?: number;
}

export interface AuthorityPage {
  items: Authority[];
  total: number;
}

const MAX_LIMIT = 1000;


export async function searchAuthorities(db: Kysely<Database>, search: AuthoritySearch): Promise<AuthorityPage> {
  const limit = Math.min(Math.max(Math.trunc(search.limit ?? 50), 0), MAX_LIMIT);
  const offset = Math.max(Math.trunc(search.offset ?? 0), 0);

  let query = db.selectFrom('authority');
  const q = search.q?.trim();
  if (q) {
    if (/^\d+$/.test(q)) {
      const prefix = `${escapeLike(q)}%`;
      query = query.where((eb) => eb.or([eb('ars', 'like', prefix), eb('ags', 'like', prefix)]));
    } else {
      query = query.where(sql`lower(name)`, 'like', `%${escapeLike(q.toLowerCase())}%`);
    }
  }
  if (search.kind && search.kind.length > 0) query = query.where('kind', 'in', search.kind as Authority['kind'][]);
  if (search.parentArs) query = query.where('parent_ars', '=', search.parentArs);
  if (search.kreisArs) query = query.where('kreis_ars', '=', search.kreisArs);
  if (search.land) query = query.where('land', '=', search.land);
  if (search.active !== undefined) query = query.where('active', '=', search.active);

  const [items, count] = await Promise.all([
    query.selectAll().orderBy('name').orderBy('ars').limit(limit).offset(offset).execute(),
    query.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { items, total: Number(count.total) };
}

export async function getAuthorityByArs(db: Kysely<Database>, ars: string): Promise<Authority | undefined> {
  return db.selectFrom('authority').selectAll().where('ars', '=', ars).executeTakeFirst();
}

/** Authorities whose parent is the given one (an Amt's members, a Landkreis's Ämter and amtsfreie Gemeinden). */
export async function listChildren(db: Kysely<Database>, ars: string): Promise<Authority[]> {
  return db.selectFrom('authority').selectAll().where('parent_ars', '=', ars).orderBy('name').orderBy('ars').execute();
}

/** The directory imports, newest first. */
export async function listImports(db: Kysely<Database>, page: { limit?: number; offset?: number }) {
  return db
    .selectFrom('directory_import')
    .selectAll()
    .orderBy('id', 'desc')
    .limit(page.limit ?? 20)
    .offset(page.offset ?? 0)
    .execute();
}

export async function getImport(db: Kysely<Database>, id: number) {
  return db.selectFrom('directory_import').selectAll().where('id', '=', id).executeTakeFirst();
}
