// Property-based tests of the API (issue 18, point 7): fast-check sends random requests –
// valid ones drawn from the schemas of the app's own OpenAPI document and the examples of
// test/helpers/operation-samples.ts, and ones with one place spoilt (a wrong JSON type, a
// missing or unknown property, a number out of range or fractional or huge, a NUL byte, a
// lone surrogate, a megabyte string, deep nesting, a hostile path segment or query value) –
// through the real app, with the token of a role that may call the operation and now and
// then one that may not. After every request: (1) no 5xx; (2) every 4xx is
// application/problem+json whose `status` is the HTTP status, a request the document calls
// invalid is refused, and a 422 for one spoilt place names it; (3) a refused request leaves
// every table of the database as it was (a hash of each table's content); (4) after an
// accepted change the history is consistent with the instances. Default 300 requests per
// database kind; TEST_FULL=1 sends 3,000 and runs on PostgreSQL too. A failure prints
// fast-check's seed and the shrunk request (`TEST_SEED=<seed>` repeats a run).
import t from 'tap';
import fc from 'fast-check';
import AjvCompiler from '@fastify/ajv-compiler';
import { sql, type RawBuilder } from 'kysely';
import { wideProbeKinds } from '../helpers/databases.ts';
import { bearer } from '../helpers/app.ts';
import {
  BARNIM,
  bodySamples,
  buildWorld,
  COTTBUS,
  databaseSnapshot,
  NOT_JSON_OPERATIONS,
  ODER_SPREE,
  operationsOf,
  pathParamSample,
  POTSDAM,
  type Json,
  type OpenApiDocument,
  type Operation,
  type World,
} from '../helpers/operation-samples.ts';
import { MEGABYTE, mutatedBody, mutationArbitrary, readable, resolveSchema, valueArbitrary, type Mutation, type Schema, type SchemaContext } from '../helpers/request-arbitraries.ts';
import { hashToken } from '../../src/auth/api-token.service.ts';
import { MATRIX, type RouteAccess } from './authorisation.matrix.ts';

const FULL = process.env.TEST_FULL === '1';
const RUNS = FULL ? 3000 : 300;
const SEED = process.env.TEST_SEED ? Number(process.env.TEST_SEED) : undefined;

type Caller = 'admin' | 'ministry' | 'foreign ministry' | 'kaz' | 'landesredaktion' | 'no token' | 'unknown token';
const ROLE_OF: Partial<Record<Caller, keyof RouteAccess>> = { admin: 'admin', ministry: 'ministry', 'foreign ministry': 'ministry', kaz: 'kaz', landesredaktion: 'landesredaktion' };

/** A path parameter: the n-th existing thing of its kind (looked up when sent), a fresh value its schema allows, or a spoilt segment. */
type PathValue = { existing: number } | { fresh: string } | { spoilt: string; what: string };

interface Model {
  operation: Operation;
  label: string;
  access: RouteAccess;
  body?: { schema: Schema; samples: Json[]; valid: (body: unknown) => boolean };
  validParams: (params: Record<string, unknown>) => boolean;
  validQuery: (query: Record<string, unknown>) => boolean;
}

interface Planned {
  model: Model;
  caller: Caller;
  path: Record<string, PathValue>;
  /** Name and already encoded value; a spoilt one is marked. */
  query: { name: string; value: string; spoilt?: string }[];
  body?: { base: Json; mutation?: Mutation };
}

function describeRequest(request: Planned): string {
  const path = request.model.operation.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = request.path[name]!;
    return 'existing' in value ? `{${name}: existing #${value.existing}}` : 'fresh' in value ? value.fresh : `{${name}: ${value.what}}`;
  });
  const query = request.query.map((entry) => `${entry.name}=${entry.spoilt ? `{${entry.spoilt}}` : entry.value}`).join('&');
  const mutation = request.body?.mutation ? ` spoilt: ${readable(request.body.mutation)}` : '';
  return `${request.caller}: ${request.model.operation.method.toUpperCase()} ${path}${query ? `?${query}` : ''}${request.body ? ` body ${readable(request.body.base)}${mutation}` : ''}`;
}

const HOSTILE_SEGMENTS: { spoilt: string; what: string }[] = [
  { spoilt: 'a%00b', what: 'NUL byte' },
  { spoilt: '%ED%A0%80', what: 'lone surrogate' },
  { spoilt: '%FF', what: 'invalid UTF-8' },
  { spoilt: 'a'.repeat(10_000), what: '10,000 characters' },
  { spoilt: '0', what: '0' },
  { spoilt: '-1', what: '-1' },
  { spoilt: '1.5', what: '1.5' },
  { spoilt: '1e20', what: '1e20' },
  { spoilt: '9223372036854775808', what: '2^63' },
  { spoilt: '%20', what: 'a space' },
  { spoilt: '%2E%2E', what: '..' },
  { spoilt: 'x%2Fy', what: 'an encoded slash' },
  { spoilt: '%C3%A4', what: 'ä' },
  { spoilt: encodeURIComponent("' or 1=1 --"), what: 'SQL' },
];

const HOSTILE_QUERY_VALUES: { value: string; what: string }[] = [
  { value: 'a%00b', what: 'NUL byte' },
  { value: '%ED%A0%80', what: 'lone surrogate' },
  { value: 'x'.repeat(MEGABYTE), what: 'a megabyte' },
  { value: '', what: 'empty' },
  { value: '-1', what: '-1' },
  { value: '0', what: '0' },
  { value: '1.5', what: '1.5' },
  { value: '1e20', what: '1e20' },
  { value: '9223372036854775808', what: '2^63' },
  { value: 'Infinity', what: 'Infinity' },
  { value: 'NaN', what: 'NaN' },
  { value: 'true', what: 'true' },
  { value: '2025-02-30', what: 'an impossible date' },
  { value: encodeURIComponent("' or 1=1 --"), what: 'SQL' },
];

/** Query values as text: what a client would write for a value of the schema. */
function queryText(value: Json): string {
  return encodeURIComponent(typeof value === 'string' ? value : JSON.stringify(value));
}

function plannedArbitrary(context: SchemaContext, model: Model): fc.Arbitrary<Planned> {
  const { operation, access } = model;
  const allowed = (Object.keys(ROLE_OF) as Caller[]).filter((caller) => access[ROLE_OF[caller]!] !== 'no');
  const refused = [...(Object.keys(ROLE_OF) as Caller[]).filter((caller) => !allowed.includes(caller)), 'no token' as const, 'unknown token' as const];
  const caller = fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...allowed) }, { weight: 1, arbitrary: fc.constantFrom(...refused) });
  const pathParams = operation.parameters.filter((parameter) => parameter.in === 'path');
  const queryParams = operation.parameters.filter((parameter) => parameter.in === 'query');
  const validPath = fc.record(
    Object.fromEntries(
      pathParams.map((parameter) => [
        parameter.name,
        fc.oneof(
          { weight: 8, arbitrary: fc.nat(20).map((existing): PathValue => ({ existing })) },
          { weight: 1, arbitrary: valueArbitrary(context, parameter.schema as Schema, parameter.name).map((value): PathValue => ({ fresh: encodeURIComponent(String(value)) })) },
        ),
      ]),
    ),
  ) as fc.Arbitrary<Record<string, PathValue>>;
  const validQuery = fc
    .tuple(...queryParams.map((parameter) => fc.option(valueArbitrary(context, parameter.schema as Schema, parameter.name), { freq: 2, nil: undefined })))
    .map((values) => values.flatMap((value, index) => (value === undefined ? [] : [{ name: queryParams[index]!.name, value: queryText(value) }])));
  const validBody = model.body
    ? fc.oneof(
        { weight: 2, arbitrary: fc.constantFrom(...model.body.samples) },
        { weight: 3, arbitrary: valueArbitrary(context, model.body.schema) },
      )
    : fc.constant(undefined);
  const base = fc.record({ caller, path: validPath, query: validQuery, body: validBody });
  const spoils: fc.Arbitrary<(request: Omit<Planned, 'model'>) => fc.Arbitrary<Omit<Planned, 'model'>>>[] = [fc.constant((request) => fc.constant(request))];
  if (pathParams.length) {
    spoils.push(
      fc.constantFrom(...pathParams).map((parameter) => (request) =>
        fc.oneof(fc.constantFrom(...HOSTILE_SEGMENTS), fc.string({ maxLength: 20, unit: 'grapheme' }).map((text) => ({ spoilt: encodeURIComponent(text), what: JSON.stringify(text) }))).map((segment) => ({
          ...request,
          path: { ...request.path, [parameter.name]: segment },
        })),
      ),
    );
  }
  if (queryParams.length) {
    spoils.push(
      fc.constantFrom(...queryParams).map((parameter) => (request) =>
        fc.oneof(fc.constantFrom(...HOSTILE_QUERY_VALUES), fc.constant({ value: 'a', what: 'twice' })).map(({ value, what }) => ({
          ...request,
          query: [
            ...request.query.filter((entry) => entry.name !== parameter.name),
            ...(what === 'twice' ? [{ name: parameter.name, value: '1' }] : []),
            { name: parameter.name, value, spoilt: what },
          ],
        })),
      ),
    );
  }
  if (model.body) {
    const spoilBody = fc.constant((request: Omit<Planned, 'model'>) =>
      mutationArbitrary(request.body!.base).map((mutation) => ({ ...request, body: { base: request.body!.base, mutation } })),
    );
    spoils.push(spoilBody, spoilBody, spoilBody);
  }
  return fc
    .tuple(base, fc.oneof({ weight: 2, arbitrary: spoils[0]! }, { weight: 3, arbitrary: spoils.length > 1 ? fc.oneof(...spoils.slice(1)) : spoils[0]! }))
    .chain(([request, spoil]) => spoil({ ...request, body: request.body === undefined ? undefined : { base: request.body } }))
    .map((request) => {
      const planned: Planned = { model, ...request };
      Object.defineProperty(planned, fc.toStringMethod, { value: () => describeRequest(planned) });
      return planned;
    });
}

// ---------------------------------------------------------------------------------------

/** The world's tokens by caller; the world's own tokens are never revoked by a probe. */
async function callerTokens(world: World): Promise<Record<Caller, string | null>> {
  return {
    admin: world.tokens.admin,
    ministry: world.tokens.ministry,
    'foreign ministry': await world.env.ministryToken('MIK'),
    kaz: await world.env.roleToken('kaz'),
    landesredaktion: await world.env.roleToken('landesredaktion'),
    'no token': null,
    'unknown token': `efa_${'A'.repeat(43)}`,
  };
}

/** The existing things a path parameter may name, in a stable order. */
async function existingValues(world: World, operation: Operation, name: string, resolved: Record<string, string>, ownTokens: Set<string>): Promise<string[]> {
  const db = world.env.handle.db;
  // a spoilt solution id names no solution: its sub-resources are the world's
  const solutionId = resolved.id && /^[0-9a-f-]{36}$/.test(resolved.id) ? resolved.id : world.solutionId;
  const column = async (query: RawBuilder<{ value: string }>) => (await query.execute(db)).rows.map((row) => String(row.value));
  if (name === 'id' && operation.path.startsWith('/api/v1/admin/tokens')) {
    const ids = await column(sql`select id as value from api_token order by created_at, id`);
    const mine = await column(sql`select id as value from api_token where token_hash = any(${[...ownTokens]}) order by id`);
    return ids.filter((id) => !mine.includes(id));
  }
  if (name === 'id' && operation.path.startsWith('/api/v1/admin/directory/imports')) return column(sql`select id::text as value from directory_import order by id`);
  if (name === 'id') return column(sql`select id as value from solution order by created_at, id`);
  if (name === 'ars') return column(sql`select ars as value from participant where solution_id::text = ${solutionId} order by ars`);
  if (name === 'mailingId') return column(sql`select id as value from mailing where solution_id::text = ${solutionId} order by created_at, id`);
  if (name === 'waveId') return column(sql`select id as value from wave where solution_id::text = ${solutionId} order by created_at, id`);
  if (name === 'reconciliationId') return column(sql`select id as value from bus_bb_reconciliation where solution_id::text = ${solutionId} order by seq`);
  if (name === 'ticketId') return column(sql`select id as value from ticket order by created_at, id`);
  if (name === 'quarter') return column(sql`select quarter as value from progress_snapshot where solution_id::text = ${solutionId} order by quarter`);
  if (name === 'key') return ['produktionstest', ...(await column(sql`select key as value from pilot_checklist_custom_item where solution_id::text = ${solutionId} order by key`))];
  return [];
}

interface Sent {
  url: string;
  status: number;
  contentType: string;
  body: string;
  /** The place a refusal must name, when exactly one place was spoilt. */
  field?: string;
  /** What the document says of the request: false when a spoilt place breaks its schema. */
  validByDocument: boolean;
  /** The request's own URL is malformed (the router refuses it before any hook). */
  brokenUrl: boolean;
}

async function send(world: World, tokens: Record<Caller, string | null>, ownTokens: Set<string>, request: Planned): Promise<Sent> {
  const { operation } = request.model;
  const segments: Record<string, string> = {};
  let brokenUrl = false;
  let field: string | undefined;
  let validByDocument = true;
  for (const parameter of operation.parameters.filter((p) => p.in === 'path')) {
    const value = request.path[parameter.name]!;
    if ('existing' in value) {
      const values = await existingValues(world, operation, parameter.name, decodedSegments(segments), ownTokens);
      segments[parameter.name] = encodeURIComponent(values.length ? values[value.existing % values.length]! : pathParamSample(world, operation.path, parameter.name));
    } else if ('fresh' in value) segments[parameter.name] = value.fresh;
    else {
      segments[parameter.name] = value.spoilt;
      field = `/params/${parameter.name}`;
      const decoded = decodedSegments({ [parameter.name]: value.spoilt })[parameter.name];
      if (value.spoilt.length > 100 || decoded === undefined || !decoded.isWellFormed()) brokenUrl = true;
      else if (decoded === '' || decoded === '.' || decoded === '..' || decoded.includes('/')) {
        // another route, or none: the router answers before any hook
        brokenUrl = true;
        validByDocument = false;
      }
      else validByDocument = request.model.validParams(decodedSegments(segments)) && !decoded.includes('\u0000');
    }
  }
  const query = request.query.map((entry) => `${entry.name}=${entry.value}`).join('&');
  const url = operation.path.replace(/\{(\w+)\}/g, (_, name: string) => segments[name]!) + (query ? `?${query}` : '');
  const spoiltQuery = request.query.find((entry) => entry.spoilt);
  if (spoiltQuery) {
    field = `/querystring/${spoiltQuery.name}`;
    const parsed: Record<string, unknown> = {};
    for (const [name, value] of new URLSearchParams(query)) parsed[name] = name in parsed ? [parsed[name], value].flat() : value;
    const text = String(parsed[spoiltQuery.name] ?? '');
    validByDocument = request.model.validQuery(parsed) && !text.includes('\u0000') && !['Infinity', '-Infinity'].includes(text);
  }
  const headers: Record<string, string> = tokens[request.caller] ? bearer(tokens[request.caller]!) : {};
  let payload: string | undefined;
  if (request.body) {
    const { text, contentType, field: spoilt } = mutatedBody(request.body.base, request.body.mutation);
    payload = text;
    headers['content-type'] = contentType;
    if (request.body.mutation) {
      if (request.body.mutation.kind === 'whole body') {
        if (contentType === 'application/json') field = '/body';
        validByDocument = false;
        try {
          validByDocument = contentType === 'application/json' && request.model.body!.valid(JSON.parse(text));
        } catch {
          validByDocument = false;
        }
      } else {
        field = `/body${spoilt}`;
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined;
        }
        validByDocument = parsed !== undefined && request.model.body!.valid(parsed) && !hasUnsafeInput(text, parsed);
      }
    }
  }
  const response = await world.env.app.inject({ method: operation.method.toUpperCase() as 'GET', url, headers, ...(payload === undefined ? {} : { payload }) });
  return {
    url,
    status: response.statusCode,
    contentType: String(response.headers['content-type'] ?? ''),
    body: response.body,
    ...(field ? { field } : {}),
    validByDocument,
    brokenUrl,
  };
}

/** Path segments as the router decodes them; one it cannot decode is left out. */
function decodedSegments(segments: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(segments).flatMap(([name, segment]) => {
      try {
        return [[name, decodeURIComponent(segment)]];
      } catch {
        return [];
      }
    }),
  );
}

/** What the input guard refuses before any schema: NUL, lone surrogates, more than 16 levels, numbers that are no finite number. */
function hasUnsafeInput(text: string, parsed: unknown): boolean {
  if (/\\u0000|\\ud[89a-f][0-9a-f]{2}/i.test(text)) return true;
  const stack: { value: unknown; depth: number }[] = [{ value: parsed, depth: 0 }];
  while (stack.length) {
    const { value, depth } = stack.pop()!;
    if (typeof value === 'number' && !Number.isFinite(value)) return true;
    if (value !== null && typeof value === 'object') {
      if (depth >= 16) return true;
      for (const [key, item] of Object.entries(value)) {
        if (key.includes('\u0000') || !key.isWellFormed()) return true;
        stack.push({ value: item, depth: depth + 1 });
      }
    }
  }
  return false;
}

/** Consistency of what accepted requests wrote, checked cheaply in one round trip: each count must be 0. */
async function inconsistencies(world: World): Promise<Record<string, number>> {
  const { rows } = await sql<Record<string, string>>`
    with instance_history as (
      select h.*, lag(h.to_stage) over (partition by h.solution_id, h.participant_ars, h.ticket_id order by h.id) as previous_to,
             row_number() over (partition by h.solution_id, h.participant_ars, h.ticket_id order by h.id desc) as newest
      from history h
    )
    select
      (select count(*) from history h where not exists (select 1 from solution s where s.id = h.solution_id)) as "history row without its solution",
      (select count(*) from history h where h.participant_ars is not null and h.ticket_id is null
         and not exists (select 1 from participant p where p.solution_id = h.solution_id and p.ars = h.participant_ars)) as "history row without its participant",
      (select count(*) from history h where h.ticket_id is not null and not exists (select 1 from ticket k where k.id = h.ticket_id)) as "history row without its ticket",
      (select count(*) from instance_history where previous_to is not null and from_stage is distinct from previous_to) as "history row not starting where the one before ended",
      (select count(*) from solution s join instance_history h on h.solution_id = s.id and h.participant_ars is null and h.ticket_id is null and h.newest = 1
         where h.to_stage <> s.stage) as "solution not in the stage its history ends in",
      (select count(*) from participant p join instance_history h on h.solution_id = p.solution_id and h.participant_ars = p.ars and h.ticket_id is null and h.newest = 1
         where h.to_stage <> p.stage) as "participant not in the stage its history ends in",
      (select count(*) from ticket k join instance_history h on h.ticket_id = k.id and h.newest = 1 where h.to_stage <> k.stage) as "ticket not in the stage its history ends in",
      (select count(*) from participant p where not exists (select 1 from authority a where a.ars = p.ars)) as "participant without its authority",
      (select count(*) from wave_member m where not exists (select 1 from participant p where p.solution_id = m.solution_id and p.ars = m.ars)) as "wave member without its participant",
      (select count(*) from (select solution_id, ars from wave_member where open group by solution_id, ars having count(*) > 1) twice) as "participant in two open waves",
      (select count(*) from mail_message m where not exists (select 1 from mailing g where g.id = m.mailing_id)) as "mail without its mailing",
      (select count(*) from job j where j.solution_id is not null and not exists (select 1 from solution s where s.id = j.solution_id)) as "job without its solution",
      (select count(*) from ticket k where not exists (select 1 from solution s where s.id = k.solution_id)) as "ticket without its solution"
  `.execute(world.env.handle.db);
  return Object.fromEntries(Object.entries(rows[0]!).map(([name, count]) => [name, Number(count)]));
}

for (const kind of wideProbeKinds()) {
  t.test(`${kind}: random valid and spoilt requests – no 5xx, every refusal a problem naming its field, nothing written by a refusal`, async (t) => {
    const world = await buildWorld(t, kind);
    const tokens = await callerTokens(world);
    const ownTokens = new Set(Object.values(tokens).filter((token): token is string => token !== null).map(hashToken));
    const document = (await world.env.app.inject({ url: '/openapi.json' })).json() as OpenApiDocument & { components: { schemas: Record<string, Schema> } };
    const compileStrict = AjvCompiler()({}, { customOptions: { strict: false, coerceTypes: false, discriminator: true, allErrors: false } });
    const compileText = AjvCompiler()({}, { customOptions: { strict: false, coerceTypes: true, allErrors: false } });
    const components = document.components.schemas;
    const directory = (await sql<{ ars: string }>`select ars from authority order by ars limit 40`.execute(world.env.handle.db)).rows.map((row) => row.ars);
    const context: SchemaContext = {
      components,
      today: world.env.clock.now.toISOString().slice(0, 10),
      hints: (schema, name) => {
        if (schema.pattern === '^[0-9]{12}$') return [POTSDAM, COTTBUS, BARNIM, ODER_SPREE, ...directory];
        if (schema.pattern === '^[0-9]{14}$') return ['99036005000000', '99107001000000'];
        if (schema.format === 'uuid' && name === 'solutionId') return [world.solutionId];
        if (schema.format === 'uuid' && name === 'ticketId') return [world.ticketId];
        if (name === 'leadMinistry' || name === 'ministry') return ['MSGIV', 'MIK'];
        return undefined;
      },
    };
    const models: Model[] = [];
    for (const operation of operationsOf(document)) {
      const key = `${operation.method} ${operation.path}`;
      if (NOT_JSON_OPERATIONS.has(key)) continue; // raw file bytes: test/api/directory-import.test.ts
      const hasParameters = operation.parameters.some((parameter) => parameter.in === 'path' || parameter.in === 'query');
      if (!operation.hasJsonBody && !hasParameters) continue;
      const route = `${operation.method.toUpperCase()} ${operation.path.replace(/\{(\w+)\}/g, ':$1')}`;
      const access = MATRIX[route];
      if (!access) {
        t.fail(`${route}: not in the authorisation matrix`);
        continue;
      }
      const parameterSchema = (where: 'path' | 'query') => {
        const parameters = operation.parameters.filter((parameter) => parameter.in === where);
        const validate = compileText({ schema: { type: 'object', properties: Object.fromEntries(parameters.map((parameter) => [parameter.name, parameter.schema])) } });
        return (value: Record<string, unknown>) => Boolean(validate(structuredClone(value)));
      };
      const model: Model = { operation, label: route, access, validParams: parameterSchema('path'), validQuery: parameterSchema('query') };
      if (operation.hasJsonBody) {
        const schema = document.paths[operation.path]![operation.method]!.requestBody!.content!['application/json']!.schema as Schema;
        const samples = bodySamples(world, operation.path, operation.method, { eventsInBulk: 'every' });
        if (!samples?.length) {
          t.fail(`${route}: no valid example body – add one to test/helpers/operation-samples.ts`);
          continue;
        }
        const validate = compileStrict({ schema: { ...resolveSchema({ components }, schema), components: document.components } });
        model.body = { schema, samples, valid: (body) => Boolean(validate(body)) };
      }
      models.push(model);
    }
    t.ok(models.length >= 60, `${models.length} operations with a body, path or query parameters`);

    const statuses = new Map<string, Map<number, number>>();
    let accepted = 0;
    let refused = 0;
    let spoilt = 0;
    let checkedConsistency = 0;
    let before = await databaseSnapshot(world.env);
    const arbitrary = fc.oneof(...models.map((model) => ({ weight: model.body ? 3 : 1, arbitrary: plannedArbitrary(context, model) })));
    const property = fc.asyncProperty(arbitrary, async (request) => {
      const sent = await send(world, tokens, ownTokens, request);
      const { status } = sent;
      const perOperation = statuses.get(request.model.label) ?? new Map<number, number>();
      perOperation.set(status, (perOperation.get(status) ?? 0) + 1);
      statuses.set(request.model.label, perOperation);
      const problems: string[] = [];
      if (status >= 500) problems.push(`${status}: a server error`);
      const role = ROLE_OF[request.caller];
      const mayCall = role !== undefined && request.model.access[role] !== 'no';
      if (!mayCall && !sent.brokenUrl) {
        const expected = role === undefined ? 401 : 403;
        if (status !== expected) problems.push(`${status} for a caller that may not call it, expected ${expected}`);
      }
      if (!sent.validByDocument) {
        spoilt++;
        if (status < 400) problems.push(`${status}: accepted although the document does not allow the ${sent.field ?? 'request'}`);
        else if (mayCall && ![400, 404, 413, 414, 415, 422].includes(status)) problems.push(`${status} for input the document does not allow – its own checks ran before the validation`);
      }
      if (status >= 400) {
        refused++;
        let problem: { status?: unknown; title?: unknown; errors?: { field?: unknown }[] } | null = null;
        try {
          problem = JSON.parse(sent.body);
        } catch {
          problems.push('the body is no JSON');
        }
        if (!sent.contentType.startsWith('application/problem+json')) problems.push(`content-type ${sent.contentType}, not application/problem+json`);
        if (problem && problem.status !== status) problems.push(`problem status ${String(problem.status)} ≠ HTTP ${status}`);
        if (problem && typeof problem.title !== 'string') problems.push('problem without a title');
        if (problem && sent.field && !sent.validByDocument && (status === 422 || status === 400)) {
          const named = (problem.errors ?? []).map((error) => String(error.field));
          // a property name that is itself the culprit is named readably (src/http/input.guard.ts)
          const field = sent.field.replace(/\u0000/g, '\\u0000').toWellFormed();
          // a missing property may also leave its object too small (minProperties): then the object is named
          const parent = request.body?.mutation?.kind === 'missing' ? field.slice(0, field.lastIndexOf('/')) : null;
          const names =
            status === 400
              ? named.some((name) => name === '/body' || name === field || field.startsWith(`${name}/`))
              : named.some((name) => name === field || name.startsWith(`${field}/`) || name === parent);
          if (!names) problems.push(`names ${readable(named.slice(0, 4))}, not ${field}`);
        }
        const after = await databaseSnapshot(world.env);
        const changed = Object.keys(after).filter((table) => after[table] !== before[table]);
        if (changed.length) problems.push(`refused, yet changed ${changed.join(', ')}`);
        before = after;
      } else {
        accepted++;
        if (request.model.operation.method !== 'get') {
          checkedConsistency++;
          const found = Object.entries(await inconsistencies(world)).filter(([, count]) => count > 0);
          if (found.length) problems.push(`accepted, and now: ${found.map(([what, count]) => `${count} × ${what}`).join(', ')}`);
          before = await databaseSnapshot(world.env);
        }
      }
      if (problems.length) {
        throw new Error(`${problems.join('; ')}\n    sent: ${sent.url.length > 300 ? `${sent.url.slice(0, 300)}…` : sent.url}\n    answer: ${status} ${sent.body.slice(0, 400)}`);
      }
    });
    const started = Date.now();
    const details = await fc.check(property, { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) });
    if (details.failed) {
      const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      t.comment(`${fc.defaultReportMessage(details) ?? ''}\n${error}`);
      t.fail(`a request broke a property (seed ${details.seed}, shrunk counterexample above): ${error.split('\n')[0]}`);
    }
    else t.pass(`${details.numRuns} requests`);
    t.comment(
      `${kind}: ${details.numRuns} requests in ${((Date.now() - started) / 1000).toFixed(1)} s (seed ${details.seed}): ${accepted} accepted (${checkedConsistency} changes checked for consistency), ${refused} refused, ${spoilt} against the document`,
    );
    const acceptedOperations = [...statuses].filter(([, counts]) => [...counts.keys()].some((status) => status < 400)).length;
    t.comment(`${statuses.size} operations called, ${acceptedOperations} of them accepted a request at least once`);
  });
}

