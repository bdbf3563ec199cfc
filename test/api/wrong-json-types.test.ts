import t from 'tap';
import AjvCompiler from '@fastify/ajv-compiler';
import { databaseKinds, wideProbeKinds } from '../helpers/databases.ts';
import { bearer } from '../helpers/app.ts';
import {
  bodySamples,
  buildWorld,
  databaseSnapshot,
  mayCall,
  operationsOf,
  POTSDAM,
  replaced,
  sampleUrlOf,
  type Json,
  type OpenApiDocument,
  type Operation,
  type World,
} from '../helpers/operation-samples.ts';

/**
 * Issue 14, point 2: a JSON body is taken exactly as the OpenAPI document declares it.
 * For every operation with a JSON body, every field of a valid example (nested objects,
 * list items, the `type` of every event) is replaced by each JSON type the document does
 * not allow there – in the form a converting validator would have accepted: `null` for a
 * boolean, `"14"` for a number, `120540000000` for an ARS, `["…"]` for a string. Each must
 * be a 422 problem naming the field, with no table of the database changed. The document
 * itself is the judge of what is allowed: a strict ajv over its schemas, not the app's.
 */

type JsonType = 'null' | 'number' | 'string' | 'boolean' | 'array' | 'object';
const JSON_TYPES: readonly JsonType[] = ['null', 'number', 'string', 'boolean', 'array', 'object'];

type Schema = Record<string, unknown> & {
  $ref?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  oneOf?: Schema[];
  discriminator?: { propertyName: string };
  additionalProperties?: unknown;
};

function jsonTypeOf(value: Json): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value as 'number' | 'string' | 'boolean' | 'object';
}

/** The value of `type` that a converting validator would most likely have turned into `original`. */
function wrongValue(type: JsonType, original: Json): Json {
  switch (type) {
    case 'null':
      return null;
    case 'number':
      if (typeof original === 'boolean') return original ? 1 : 0;
      if (typeof original === 'string' && /^-?[0-9]{1,15}$/.test(original)) return Number(original);
      return 1;
    case 'string':
      if (typeof original === 'number' || typeof original === 'boolean') return String(original);
      if (Array.isArray(original) && typeof original[0] === 'string') return original[0];
      return 'x';
    case 'boolean':
      return original === 0 ? false : true;
    case 'array':
      return [original];
    case 'object':
      return {};
  }
}

/** Every property and list item of a body, nested ones too (not the body itself). */
function fieldsOf(value: Json, pointer = ''): { pointer: string; value: Json }[] {
  const children: [string, Json][] = Array.isArray(value)
    ? value.map((item, index) => [String(index), item])
    : value !== null && typeof value === 'object'
      ? Object.entries(value)
      : [];
  return children.flatMap(([key, item]) => [{ pointer: `${pointer}/${key}`, value: item }, ...fieldsOf(item, `${pointer}/${key}`)]);
}

function requestSchemaOf(document: OpenApiDocument, operation: Operation): Schema {
  return document.paths[operation.path]![operation.method]!.requestBody!.content!['application/json']!.schema as Schema;
}

/** A strict validator of the operation's body as the document declares it (references into its components included). */
function documentValidator(document: OpenApiDocument, operation: Operation): (body: Json) => boolean {
  const compile = AjvCompiler()({}, { customOptions: { strict: false, coerceTypes: false, discriminator: true, allErrors: false } });
  const validate = compile({ schema: { ...requestSchemaOf(document, operation), components: document.components } });
  return (body) => Boolean(validate(body));
}

const resolve = (document: OpenApiDocument, schema: Schema): Schema =>
  schema.$ref ? (document.components!.schemas![schema.$ref.replace('#/components/schemas/', '')] as Schema) : schema;

/**
 * The event types a client may send in each discriminated union of a body, by pointer
 * (`''` for an event route, `/event` for the bulk route). The system's events are one
 * open branch a client gets a 403 for, before any field matters: not listed.
 */
function discriminatedUnions(document: OpenApiDocument, schema: Schema, pointer = ''): Map<string, string[]> {
  const unions = new Map<string, string[]>();
  const resolved = resolve(document, schema);
  if (resolved.discriminator && resolved.oneOf) {
    const tag = resolved.discriminator.propertyName;
    const types = resolved.oneOf
      .map((branch) => resolve(document, branch))
      .filter((branch) => branch.additionalProperties === false)
      .flatMap((branch) => (branch.properties?.[tag]?.enum as string[] | undefined) ?? [branch.properties?.[tag]?.const as string]);
    unions.set(pointer, types);
  }
  for (const [name, property] of Object.entries(resolved.properties ?? {})) {
    for (const [inner, types] of discriminatedUnions(document, property, `${pointer}/${name}`)) unions.set(inner, types);
  }
  return unions;
}

function valueAt(body: Json, pointer: string): Json | undefined {
  let value: Json | undefined = body;
  for (const key of pointer.split('/').slice(1)) value = value !== null && typeof value === 'object' ? (value as Record<string, Json>)[key] : undefined;
  return value;
}

/** The world's token that may call the operation (the admin for most, the ministry for its own). */
async function callerOf(world: World, operation: Operation): Promise<string | null> {
  for (const token of Object.values(world.tokens)) if (await mayCall(world, operation, token)) return token;
  return null;
}

const changedTables = (before: Record<string, string>, after: Record<string, string>) => Object.keys(after).filter((name) => before[name] !== after[name]);

for (const kind of wideProbeKinds()) {
  t.test(`${kind}: every field of every JSON body refuses every JSON type the document does not declare`, async (t) => {
    const world = await buildWorld(t, kind);
    const document = (await world.env.app.inject({ url: '/openapi.json' })).json() as OpenApiDocument;
    const operations = operationsOf(document).filter((operation) => operation.hasJsonBody);
    t.ok(operations.length >= 20, `${operations.length} operations take a JSON body`);
    let requests = 0;
    let allowed = 0;
    for (const operation of operations) {
      const label = `${operation.method.toUpperCase()} ${operation.path}`;
      const samples = bodySamples(world, operation.path, operation.method, { eventsInBulk: 'every' });
      if (!samples?.length) {
        t.fail(`${label}: no valid example body – add one to test/helpers/operation-samples.ts`);
        continue;
      }
      const token = await callerOf(world, operation);
      if (!token) {
        t.fail(`${label}: no role of the world may call it`);
        continue;
      }
      const valid = documentValidator(document, operation);
      for (const [pointer, types] of discriminatedUnions(document, requestSchemaOf(document, operation))) {
        const sampled = new Set(samples.map((sample) => valueAt(sample, `${pointer}/type`)));
        t.same(types.filter((type) => !sampled.has(type)), [], `${label}: an example of every event type at ${pointer || '/'}`);
      }
      const url = sampleUrlOf(world, operation);
      const findings: string[] = [];
      for (const sample of samples) {
        const tag = `${label} ${JSON.stringify(sample).slice(0, 80)}`;
        if (!valid(sample)) {
          findings.push(`${tag}: the example itself does not match the document`);
          continue;
        }
        for (const field of fieldsOf(sample)) {
          const before = await databaseSnapshot(world.env);
          for (const type of JSON_TYPES) {
            if (type === jsonTypeOf(field.value)) continue;
            const wrong = wrongValue(type, field.value);
            const body = replaced(sample, field.pointer, wrong);
            if (valid(body)) {
              allowed++;
              continue;
            }
            const response = await world.env.app.inject({
              method: operation.method.toUpperCase() as 'POST',
              url,
              headers: { ...bearer(token), 'content-type': 'application/json' },
              payload: JSON.stringify(body),
            });
            requests++;
            const what = `${tag}: ${field.pointer} = ${JSON.stringify(wrong)}`;
            if (response.statusCode !== 422) {
              findings.push(`${what}: ${response.statusCode} ${response.body.slice(0, 200)}`);
              continue;
            }
            if (!String(response.headers['content-type']).startsWith('application/problem+json')) findings.push(`${what}: content-type ${response.headers['content-type']}`);
            const named: string[] = (response.json().errors ?? []).map((error: { field: string }) => error.field);
            if (!named.includes(`/body${field.pointer}`)) findings.push(`${what}: names ${JSON.stringify(named.slice(0, 4))}`);
          }
          const changed = changedTables(before, await databaseSnapshot(world.env));
          if (changed.length) findings.push(`${tag}: wrong types in ${field.pointer} changed ${changed.join(', ')}`);
        }
      }
      t.same(findings, [], label);
    }
    t.comment(`${requests} requests with a wrong type; ${allowed} replacements the document allows were not sent`);
  });
}

for (const kind of databaseKinds()) {
  t.test(`${kind}: the issue's examples – a go-live block stays, no PVOG import is stored`, async (t) => {
    const world = await buildWorld(t, kind);
    const token = world.tokens.ministry;
    const send = (method: 'POST' | 'PATCH', url: string, payload: Record<string, unknown>) =>
      world.env.app.inject({ method, url: `/api/v1${url}`, headers: bearer(token), payload });
    const refused = (response: Awaited<ReturnType<typeof send>>, field: string, what: string) => {
      t.equal(response.statusCode, 422, what);
      t.match(response.headers['content-type'], /^application\/problem\+json/);
      t.ok(
        (response.json().errors as { field: string }[]).some((error) => error.field === field),
        `${what}: names ${field}`,
      );
    };
    for (const patch of [{ blocking: null }, { blocking: 0 }, { blocking: 'true' }, { blocking: 'false' }, { blocking: [false] }, { assignee: ['kaz.vertretung@zit-bb.example'] }]) {
      const [field] = Object.keys(patch);
      refused(await send('PATCH', `/tickets/${world.ticketId}`, patch), `/body/${field}`, `PATCH ${JSON.stringify(patch)}`);
    }
    const ticket = (await world.env.app.inject({ url: `/api/v1/tickets/${world.ticketId}`, headers: bearer(token) })).json();
    t.match(ticket, { blocking: true, assignee: 'kaz.beispiel@zit-bb.example' }, 'the ticket still blocks the go-live and keeps its assignee');

    const ticketsBefore = await world.env.handle.db.selectFrom('ticket').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const create = { solutionId: world.solutionId, ars: POTSDAM, category: 'transport', title: 'OSCI', description: 'kommt nicht an' };
    refused(await send('POST', '/tickets', { ...create, blocking: [true] }), '/body/blocking', 'POST /tickets with blocking: [true]');
    refused(await send('POST', '/tickets', { ...create, blocking: 'true' }), '/body/blocking', 'POST /tickets with blocking: "true"');
    const ticketsAfter = await world.env.handle.db.selectFrom('ticket').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    t.equal(Number(ticketsAfter.n), Number(ticketsBefore.n), 'no ticket created');

    for (const zustaendigkeiten of ['keine', 42]) {
      refused(
        await send('POST', `/solutions/${world.solutionId}/reconciliations`, { leistungen: [], zustaendigkeiten }),
        '/body/zustaendigkeiten',
        `reconciliation with zustaendigkeiten ${JSON.stringify(zustaendigkeiten)}`,
      );
    }
    const reconciliations = await world.env.app.inject({ url: `/api/v1/solutions/${world.solutionId}/reconciliations`, headers: bearer(token) });
    t.equal(reconciliations.json().total, 0, 'no import stored');
  });

  t.test(`${kind}: query strings still read numbers and booleans from text, and nothing else`, async (t) => {
    const world = await buildWorld(t, kind);
    const document = (await world.env.app.inject({ url: '/openapi.json' })).json() as OpenApiDocument;
    const scalar = new Set(['string', 'integer', 'number', 'boolean']);
    const lists = operationsOf(document).flatMap((operation) =>
      operation.parameters
        .filter((parameter) => parameter.in !== 'path')
        .filter(({ schema }) => !(schema.type ? scalar.has(schema.type) : ((schema as { enum?: unknown[] }).enum ?? [null]).every((value) => typeof value === 'string')))
        .map((parameter) => `${operation.method} ${operation.path} ?${parameter.name}`),
    );
    t.same(lists, [], 'every query parameter is a single string, number or boolean (lists are comma-separated text)');
    const get = (query: string) => world.env.app.inject({ url: `/api/v1/authorities?${query}`, headers: bearer(world.tokens.admin) });
    const numbers = await get('limit=2&offset=1');
    t.equal(numbers.statusCode, 200);
    t.equal(numbers.json().items.length, 2, 'limit=2 is read as the number 2');
    const active = await get('active=true&limit=5');
    t.equal(active.statusCode, 200, 'active=true is read as a boolean');
    t.same((active.json().items as { active: boolean }[]).map((authority) => authority.active), [true, true, true, true, true]);
    for (const [query, field] of [
      ['limit=zwei', '/querystring/limit'],
      ['limit=2&limit=3', '/querystring/limit'],
      ['active=ja', '/querystring/active'],
    ] as const) {
      const response = await get(query);
      t.equal(response.statusCode, 422, query);
      t.ok((response.json().errors as { field: string }[]).some((error) => error.field === field), `${query}: names ${field}`);
    }
  });
}
