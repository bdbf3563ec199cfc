/** Escapes LIKE wildcards so user input matches literally. */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (char) => `\\${char}`);
}

/** Pattern for a case-insensitive "contains" on lower(column). */
export function containsPattern(value: string): string {
  return `%${escapeLike(value.toLowerCase())}%`;
}
