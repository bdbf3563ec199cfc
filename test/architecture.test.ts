import t from 'tap';
import { readFileSync } from 'node:fs';
import {
  CHECKS,
  checkArchitecture,
  describeViolations,
  readSourceFile,
  readSourceGraph,
  README_PATH,
  renderArchitectureSection,
  withArchitectureSection,
  type CheckName,
  type SourceGraph,
} from '../scripts/architecture.ts';
import { RULES } from '../scripts/architecture.rules.ts';

/** A made-up graph: file → imported files (no trustedHtml unless listed). */
function graphOf(imports: Record<string, string[]>, usingTrustedHtml: string[] = []): SourceGraph {
  return new Map(Object.entries(imports).map(([file, targets]) => [file, { imports: targets, usesTrustedHtml: usingTrustedHtml.includes(file) }]));
}

/** The allowed files on the trustedHtml list, so that made-up graphs do not report them as stale. */
const allowedDoorUser = Object.keys(RULES.trustedHtml.allowedIn);
const ALLOWED_DOOR = Object.fromEntries(allowedDoorUser.map((file) => [file, ['src/markup/html.ts']]));

function only(check: CheckName, imports: Record<string, string[]>, usingTrustedHtml = allowedDoorUser) {
  const violations = checkArchitecture(graphOf({ ...ALLOWED_DOOR, 'src/markup/html.ts': [], ...imports }, usingTrustedHtml));
  const others = (Object.keys(CHECKS) as CheckName[]).filter((name) => name !== check && violations[name].length);
  return { found: violations[check], others };
}

t.test('the import graph of src/ and workflows/ keeps the rules', async (t) => {
  const violations = checkArchitecture(readSourceGraph());
  const report = describeViolations(violations);
  if (report) t.comment(`The import graph breaks the rules:\n\n${report}`);
  for (const check of Object.keys(CHECKS) as CheckName[]) {
    // All of them, one per line, so that a failing run names every offending import.
    t.equal(violations[check].join('\n'), '', `${check}: ${CHECKS[check]}`);
  }
});

t.test("README's architecture section is generated from the same rules and graph", async (t) => {
  const readme = readFileSync(README_PATH, 'utf8');
  const expected = withArchitectureSection(readme, renderArchitectureSection(readSourceGraph()));
  t.equal(readme, expected, 'README.md differs from the rules and the current graph: run npm run architecture');
});

t.test('a graph that keeps the rules passes every check', async (t) => {
  const violations = checkArchitecture(
    graphOf(
      {
        'src/app.ts': ['src/web/page.ts', 'src/tickets/ticket.service.ts', 'src/db/database.ts'],
        'src/web/page.ts': ['src/tickets/ticket.views.ts', 'src/markup/html.ts'],
        'src/tickets/ticket.service.ts': ['src/mailings/mailing.service.ts', 'src/engine/workflow.engine.ts', 'src/errors/domain.errors.ts'],
        'src/tickets/ticket.views.ts': [],
        'src/tickets/ticket.routes.ts': ['src/tickets/ticket.service.ts', 'src/http/problem.ts', 'src/auth/roles.ts'],
        'src/mailings/mailing.service.ts': ['src/mail/mail.transport.ts', 'src/links/link.service.ts'],
        'src/mailings/template.render.ts': ['src/markup/html.ts'],
        'src/mail/mail.transport.ts': ['src/engine/job.queue.ts'],
        'src/engine/workflow.engine.ts': ['src/engine/job.queue.ts', 'workflows/ticket.machine.ts', 'src/db/database.ts'],
        'src/engine/job.queue.ts': ['src/db/database.ts'],
        'src/links/link.service.ts': ['src/db/database.ts'],
        'src/http/problem.ts': ['src/errors/domain.errors.ts', 'src/auth/roles.ts'],
        'src/auth/roles.ts': [],
        'src/markup/html.ts': [],
        'src/errors/domain.errors.ts': [],
        'src/db/database.ts': [],
        'workflows/ticket.machine.ts': [],
        ...ALLOWED_DOOR,
      },
      allowedDoorUser,
    ),
  );
  t.strictSame(violations, Object.fromEntries(Object.keys(CHECKS).map((check) => [check, []])));
});

t.test('a file-level cycle fails, with its path', async (t) => {
  const { found } = only('file-cycle', { 'src/db/a.ts': ['src/db/b.ts'], 'src/db/b.ts': ['src/db/c.ts'], 'src/db/c.ts': ['src/db/a.ts'] });
  t.strictSame(found, ['src/db/a.ts → src/db/b.ts → src/db/c.ts → src/db/a.ts (3 files in the cycle)']);
  t.strictSame(only('file-cycle', { 'src/db/a.ts': ['src/db/a.ts'] }).found, ['src/db/a.ts → src/db/a.ts'], 'a file importing itself');
});

t.test('an import into a higher layer fails', async (t) => {
  t.strictSame(only('upward-import', { 'src/validation/v.ts': ['src/http/problem.ts'], 'src/http/problem.ts': [] }).found, [
    'src/validation/v.ts → src/http/problem.ts (base imports the higher layer http)',
  ]);
  t.strictSame(only('upward-import', { 'src/tickets/a.ts': ['src/web/page.ts'], 'src/web/page.ts': [] }).found, ['src/tickets/a.ts → src/web/page.ts (features imports the higher layer web)'], 'a feature importing web/');
  t.strictSame(only('upward-import', { 'workflows/a.machine.ts': ['src/time/berlin.clock.ts'], 'src/time/berlin.clock.ts': [] }).found, [
    'workflows/a.machine.ts → src/time/berlin.clock.ts (machines imports the higher layer base)',
  ]);
  t.strictSame(only('upward-import', { 'src/logging/logger.ts': ['src/config.ts'], 'src/config.ts': [] }).found, ['src/logging/logger.ts → src/config.ts (base imports the higher layer composition)']);
});

t.test('the engine importing a feature, http, web or auth fails with its own message', async (t) => {
  const violations = checkArchitecture(
    graphOf({ ...ALLOWED_DOOR, 'src/markup/html.ts': [], 'src/engine/workflow.engine.ts': ['src/tickets/ticket.sla.ts', 'src/http/problem.ts'], 'src/tickets/ticket.sla.ts': [], 'src/http/problem.ts': [] }, allowedDoorUser),
  );
  t.strictSame(violations['engine-imports-above'], [
    'src/engine/workflow.engine.ts → src/tickets/ticket.sla.ts (the engine imports tickets, layer features)',
    'src/engine/workflow.engine.ts → src/http/problem.ts (the engine imports http, layer http)',
  ]);
  t.strictSame(violations['upward-import'], [], 'not listed twice');
});

t.test('two feature folders importing each other fail, though no file cycle exists', async (t) => {
  const { found, others } = only('module-cycle', {
    'src/tickets/ticket-mail.activities.ts': ['src/mailings/mailing.service.ts'],
    'src/mailings/mailing.service.ts': [],
    'src/mailings/mail.module.ts': ['src/tickets/ticket.sla.ts'],
    'src/tickets/ticket.sla.ts': [],
  });
  t.strictSame(found, [
    'mailings ⇄ tickets\n    mailings → tickets: src/mailings/mail.module.ts → src/tickets/ticket.sla.ts\n    tickets → mailings: src/tickets/ticket-mail.activities.ts → src/mailings/mailing.service.ts',
  ]);
  t.strictSame(others, [], 'only the module cycle');
  const ring = only('module-cycle', { 'src/waves/a.ts': ['src/pilots/b.ts'], 'src/pilots/b.ts': ['src/busbb/c.ts'], 'src/busbb/c.ts': ['src/waves/d.ts'], 'src/waves/d.ts': [] });
  t.match(ring.found, [/^3 modules in one cycle: busbb, pilots, waves, e\.g\. busbb → waves → pilots → busbb\n/], 'a ring of three features, named with one path');
});

t.test('a service, query, activity, repository or validator importing http fails', async (t) => {
  for (const file of ['src/waves/wave.service.ts', 'src/pilots/pilot.queries.ts', 'src/mailings/mailing.activities.ts', 'src/tickets/ticket.repository.ts', 'src/engine/event-payload.validate.ts']) {
    const violations = checkArchitecture(graphOf({ ...ALLOWED_DOOR, 'src/markup/html.ts': [], [file]: ['src/http/event-result.ts'], 'src/http/event-result.ts': [] }, allowedDoorUser));
    t.strictSame(violations['domain-imports-http'], [`${file} → src/http/event-result.ts`], file);
  }
  t.strictSame(only('domain-imports-http', { 'src/waves/wave.routes.ts': ['src/http/event-result.ts'], 'src/http/event-result.ts': [] }).found, [], 'a route may');
});

t.test('a folder or root file that no layer claims fails', async (t) => {
  t.strictSame(only('unassigned', { 'src/monitoring/funnel.ts': [], 'src/monitoring/coverage.ts': [] }).found, [
    'unassigned folder src/monitoring (2 files, e.g. src/monitoring/funnel.ts): give it a layer in scripts/architecture.rules.ts',
  ]);
  t.strictSame(only('unassigned', { 'src/helpers.ts': [] }).found, ['unassigned file src/helpers.ts (1 file, e.g. src/helpers.ts): give it a layer in scripts/architecture.rules.ts']);
});

t.test('trustedHtml only where the rules allow it, and every allowed file still uses it', async (t) => {
  t.strictSame(only('trusted-html', { 'src/web/page.ts': ['src/markup/html.ts'] }, [...allowedDoorUser, 'src/web/page.ts']).found, [
    'src/web/page.ts uses trustedHtml but is not on the allow-list in scripts/architecture.rules.ts',
  ]);
  t.strictSame(
    only('trusted-html', {}, []).found,
    allowedDoorUser.map((file) => `${file} is on the trustedHtml allow-list but does not use it: remove it from the list`),
  );
  t.strictSame(only('trusted-html', {}, ['src/markup/html.ts', ...allowedDoorUser]).found, [], 'the module that defines it');
});

t.test('type-only imports, re-exports and import() are arrows too; packages are not', async (t) => {
  const source = [
    "import type { Database } from '../db/schema.ts';",
    "export { html } from '../markup/html.ts';",
    "export * from './ticket.views.ts';",
    "type Engine = typeof import('../engine/workflow.engine.ts');",
    "const later = () => import('../links/link.service.ts');",
    "import { Type } from 'typebox';",
    "import { readFileSync } from 'node:fs';",
    '// trustedHtml in a comment is no use',
  ].join('\n');
  t.strictSame(readSourceFile('src/tickets/x.ts', source), {
    imports: ['src/db/schema.ts', 'src/markup/html.ts', 'src/tickets/ticket.views.ts', 'src/engine/workflow.engine.ts', 'src/links/link.service.ts'],
    usesTrustedHtml: false,
  });
  t.equal(readSourceFile('src/web/x.ts', "import { trustedHtml as raw } from '../markup/html.ts';").usesTrustedHtml, true, 'an aliased import counts');
});

t.test('the diagram groups modules by layer and marks an upward arrow', async (t) => {
  const section = renderArchitectureSection(
    graphOf({ 'src/app.ts': ['src/tickets/a.ts'], 'src/tickets/a.ts': ['src/mailings/b.ts', 'src/db/d.ts'], 'src/mailings/b.ts': [], 'src/engine/e.ts': ['src/tickets/a.ts'], 'src/db/d.ts': [] }),
  );
  t.match(section, /^```mermaid\nflowchart TB\n/);
  t.match(section, '  subgraph layer_features["3 features"]\n    m_mailings["mailings/"]\n    m_tickets["tickets/"]\n  end');
  t.notMatch(section, 'layer_web', 'a layer without files is left out');
  t.match(section, '  m_tickets --> m_mailings\n');
  t.match(section, '  m_engine -. upward .-> m_tickets\n');
  t.match(section, '  m_composition_root --> layer_features\n');
  t.match(section, '  layer_features --> layer_base\n');
  t.match(section, '| 3 features | `src/mailings/` | templates, mailings');
  t.equal(withArchitectureSection('a\n<!-- architecture:begin -->\nold\n<!-- architecture:end -->\nb\n', 'new\n'), 'a\n<!-- architecture:begin -->\nnew\n<!-- architecture:end -->\nb\n');
  t.throws(() => withArchitectureSection('no markers', 'new\n'), /needs the markers/);
});
