import { sql, type SelectQueryBuilder } from 'kysely';

/** Escapes LIKE wildcards so user input matches literally. */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (char) => `\\${char}`);
}

/** Pattern for a case-insensitive "contains" on lower(column). */
export function containsPattern(value: string): string {
  return `%${escapeLike(value.toLowerCase())}%`;
}

/** One page of a filtered query, and how many rows the filter matches in all (run in parallel). */
export async function pageWithTotal<DB, TB extends keyof DB, O>(
  filtered: SelectQueryBuilder<DB, TB, {}>,
  page: (query: SelectQueryBuilder<DB, TB, {}>) => SelectQueryBuilder<DB, TB, O>,
  { limit, offset }: { limit: number; offset: number },
): Promise<{ rows: O[]; total: number }> {
  const [rows, count] = await Promise.all([
    page(filtered).limit(limit).offset(offset).execute(),
    filtered.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number((count as { n: number }).n) };
}
