import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { databaseKinds } from '../helpers/databases.ts';
import { bearer, buildTestApp } from '../helpers/app.ts';
import { PARTICIPANT_EVENT_TYPES, PARTICIPANT_SYSTEM_EVENTS, SOLUTION_EVENT_TYPES, SOLUTION_SYSTEM_EVENTS } from '../../workflows/index.ts';

/**
 * The app's own OpenAPI document: the standard linter (Redocly CLI, recommended rules)
 * finds nothing, every operation says what it answers (success, the problem+json 4xx,
 * Location where it creates), names are camelCase, and every input is bounded.
 */

const REDOCLY = fileURLToPath(new URL('../../node_modules/@redocly/cli/bin/cli.js', import.meta.url));
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

type Schema = Record<string, unknown> & {
  type?: string | string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  oneOf?: Schema[];
  anyOf?: Schema[];
  $ref?: string;
};
interface Operation {
  operationId?: string;
  summary?: string;
  parameters?: { name: string; in: string; required?: boolean; schema: Schema }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { description?: string; headers?: Record<string, unknown>; content?: Record<string, { schema: Schema }> }>;
}
interface OpenApiDocument {
  servers?: { url: string }[];
  info: { license?: { name: string; identifier?: string; url?: string } };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

function operationsOf(document: OpenApiDocument) {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]) => ({ path, method, operation, label: `${method.toUpperCase()} ${path}` })),
  );
}

function resolve(document: OpenApiDocument, schema: Schema): Schema {
  return schema.$ref ? document.components.schemas[schema.$ref.replace('#/components/schemas/', '')]! : schema;
}

/** Every schema nested in `schema` (properties, items, unions, references), each once. */
function* schemasIn(document: OpenApiDocument, schema: Schema, pointer = '', seen = new Set<Schema>()): Generator<{ pointer: string; schema: Schema }> {
  const resolved = resolve(document, schema);
  if (seen.has(resolved)) return;
  seen.add(resolved);
  yield { pointer, schema: resolved };
  for (const [name, property] of Object.entries(resolved.properties ?? {})) yield* schemasIn(document, property, `${pointer}/${name}`, seen);
  if (resolved.items) yield* schemasIn(document, resolved.items, `${pointer}/0`, seen);
  for (const branch of [...(resolved.oneOf ?? []), ...(resolved.anyOf ?? [])]) yield* schemasIn(document, branch, pointer, seen);
}

/** Why a request value is unbounded, or null. */
function unbounded(schema: Schema): string | null {
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (schema.enum || schema.const !== undefined) return null;
  if (types.includes('string') && schema.maxLength === undefined) return 'string without maxLength';
  if ((types.includes('integer') || types.includes('number')) && (schema.minimum === undefined || schema.maximum === undefined)) return 'number without range';
  if (types.includes('array') && schema.maxItems === undefined) return 'array without maxItems';
  return null;
}

t.test('the OpenAPI document passes the standard linter and describes every answer', async (t) => {
  const env = await buildTestApp(t, databaseKinds()[0]!, { withDirectory: false });
  const response = await env.app.inject({ url: '/openapi.json' });
  t.equal(response.statusCode, 200);
  const document = response.json() as OpenApiDocument;

  t.test('Redocly CLI lint, recommended rules: no errors, no warnings', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'efa-openapi-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(document, null, 2));
    const lint = spawnSync(process.execPath, [REDOCLY, 'lint', '--format=json', '--extends=recommended', file], {
      encoding: 'utf8',
      cwd: dir,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
      timeout: 120_000,
    });
    const report = JSON.parse(lint.stdout.slice(lint.stdout.indexOf('{'))) as {
      totals: { errors: number; warnings: number };
      problems: { ruleId: string; message: string; location: { pointer: string }[] }[];
    };
    const problems = report.problems.map((p) => `${p.ruleId}: ${p.message} (${p.location[0]?.pointer})`);
    t.comment(`redocly lint: ${report.totals.errors} errors, ${report.totals.warnings} warnings`);
    t.equal(report.totals.errors, 0, 'no errors');
    t.equal(report.totals.warnings, 0, 'no warnings');
    t.same(problems, [], 'nothing to report');
  });

  t.test('servers, licence, operations', async (t) => {
    t.ok(document.servers?.length, 'servers');
    t.ok(document.info.license?.name && (document.info.license.identifier || document.info.license.url), 'info.license with identifier');
    const operations = operationsOf(document);
    const ids = operations.map(({ operation }) => operation.operationId);
    t.equal(new Set(ids).size, ids.length, 'operationIds are unique');
    for (const { path, label, method, operation } of operations) {
      t.match(operation.operationId, /^[a-z][A-Za-z0-9]*$/, `${label}: camelCase operationId`);
      t.ok(operation.summary, `${label}: summary`);
      const statuses = Object.keys(operation.responses);
      t.ok(statuses.some((status) => status.startsWith('2')), `${label}: a success answer`);
      const problems = statuses.filter((status) => /^4\d\d$/.test(status));
      t.ok(problems.length > 0, `${label}: its 4xx answers`);
      for (const status of problems) {
        const schema = operation.responses[status]!.content?.['application/problem+json']?.schema;
        t.equal(schema?.$ref, '#/components/schemas/Problem', `${label} ${status}: the shared Problem as application/problem+json`);
      }
      if (operation.responses['201']) t.ok(operation.responses['201'].headers?.location, `${label}: 201 with Location`);
      if (operation.responses['204']) t.notOk(operation.responses['204'].content, `${label}: 204 without content`);
      for (const parameter of operation.parameters ?? []) {
        if (parameter.name === 'limit' || parameter.name === 'offset') t.notOk(parameter.required, `${label}: ${parameter.name} is optional`);
      }
      if (method === 'post' && operation.requestBody?.content['application/json']) t.ok(operation.responses['400'] && operation.responses['413'], `${label}: 400/413 of the body`);
    }
  });

  t.test('events: one schema per type, a union on `type`, system events answered by the engine', async (t) => {
    const body = (path: string) => document.paths[path]!.post!.requestBody!.content['application/json']!.schema;
    for (const [path, types, system] of [
      ['/api/v1/solutions/{id}/events', SOLUTION_EVENT_TYPES, SOLUTION_SYSTEM_EVENTS],
      ['/api/v1/solutions/{id}/participants/{ars}/events', PARTICIPANT_EVENT_TYPES, PARTICIPANT_SYSTEM_EVENTS],
    ] as const) {
      const union = body(path);
      t.same(union.discriminator, { propertyName: 'type' }, `${path}: discriminated by type`);
      const branches = union.oneOf!.map((branch) => resolve(document, branch));
      // the generator writes a `const` as a one-value `enum`
      const typesOf = (branch: Schema) => (branch.properties!.type!.enum as string[] | undefined) ?? [branch.properties!.type!.const as string];
      const [systemBranches, clientBranches] = [branches.filter((b) => b.title === 'Systemereignis'), branches.filter((b) => b.title !== 'Systemereignis')];
      const isSystem = (type: string) => Boolean((system as Record<string, unknown>)[type]);
      t.same(clientBranches.flatMap(typesOf).sort(), types.filter((type) => !isSystem(type)).sort(), `${path}: one schema per client event`);
      t.same(systemBranches.flatMap(typesOf).sort(), types.filter(isSystem).sort(), `${path}: the system's events in one branch (the engine answers 403)`);
      for (const branch of clientBranches) t.equal(branch.additionalProperties, false, `${String(branch.title)}: closed`);
    }
  });

  t.test('camelCase everywhere, and every input bounded', async (t) => {
    for (const { label, operation } of operationsOf(document)) {
      const snake: string[] = [];
      for (const answer of Object.values(operation.responses)) {
        for (const { schema } of Object.values(answer.content ?? {})) {
          for (const { pointer, schema: nested } of schemasIn(document, schema)) {
            for (const name of Object.keys(nested.properties ?? {})) if (!/^[a-z][A-Za-z0-9]*$/.test(name)) snake.push(`${pointer}/${name}`);
          }
        }
      }
      t.same(snake, [], `${label}: answers in camelCase`);
      const loose: string[] = [];
      const inputs = [
        ...(operation.parameters ?? []).map((p) => ({ where: `${p.in}/${p.name}`, schema: p.schema })),
        ...Object.values(operation.requestBody?.content ?? {})
          .filter((content) => content.schema.type !== undefined || content.schema.$ref || content.schema.oneOf)
          .map((content) => ({ where: 'body', schema: content.schema })),
      ];
      for (const { where, schema } of inputs) {
        for (const { pointer, schema: nested } of schemasIn(document, schema)) {
          const why = unbounded(nested);
          if (why) loose.push(`${where}${pointer}: ${why}`);
        }
      }
      t.same(loose, [], `${label}: inputs bounded`);
    }
  });

  t.test('a response schema drops nothing a client reads', async (t) => {
    const admin = bearer(env.adminToken);
    const tokens = await env.app.inject({ url: '/api/v1/admin/tokens', headers: admin });
    t.match(tokens.json()[0], { id: String, role: 'admin', ministry: null, label: 'test-admin', createdAt: String, revokedAt: null }, 'tokens as views');
    t.notOk('created_at' in tokens.json()[0], 'no database rows');
  });
});
