import t from 'tap';
import { readFile } from 'node:fs/promises';
import { roleTableMarkdown } from './authorisation.matrix.ts';

/**
 * The README's role table is the authorisation matrix (issue 14, point 9): one table,
 * route × role, that the authorisation test enforces against the app. Changing one without
 * the other fails here; `npx node test/api/authorisation.matrix.ts` prints the table.
 */
t.test('the README role table is the authorisation matrix', async (t) => {
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
  const match = /<!-- role-table: generated, do not edit by hand -->\n([\s\S]*?)\n<!-- \/role-table -->/.exec(readme);
  t.ok(match, 'README has the role table between its markers');
  t.equal(match?.[1], roleTableMarkdown(), 'the README table equals the matrix (print it with `npx node test/api/authorisation.matrix.ts`)');
  t.equal(readme.match(/<!-- role-table:/g)?.length, 1, 'one role table');
});
