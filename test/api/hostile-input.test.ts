import { issueLinkPath } from '../helpers/links.ts';
import t, { type Test } from 'tap';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { databaseKinds } from '../helpers/databases.ts';
import { bearer, buildTestApp, type TestApp } from '../helpers/app.ts';
import { sendErstinformation } from '../helpers/rollout.ts';
import type { LinkPurpose } from '../../src/db/schema.ts';

/**
 * Probes every operation of the app's own OpenAPI document, with every role that may
 * call it, with malformed input: NUL bytes and lone surrogates in every string, numbers
 * out of range, deep nesting, megabyte strings, impossible dates, e-mail addresses with
 * line breaks, unknown properties. Every answer must be a 4xx problem+json naming the
 * field (an HTML page on the answer pages), never a 5xx, and nothing may be written.
 */

const POTSDAM = '120540000000';
const COTTBUS = '120520000000';
const BARNIM = '120600000000';
const ODER_SPREE = '120670000000';
const DAY = 24 * 60 * 60 * 1000;
/** A wave id that exists nowhere: the probes must be refused before it is looked up. */
const WAVE_ID = '7d0f4c1e-6a55-4c1f-9a43-3f7b1c2d9e10';
/** The directory upload takes raw file bytes (encodings, NUL bytes in files): probed by test/api/directory-import.test.ts. */
const NOT_PROBED_HERE = new Set(['post /api/v1/admin/directory/imports']);

const NUL = 'vor\u0000nach';
const MEGABYTE = 'x'.repeat(1024 * 1024);
const SURROGATE_MARK = '__lone_surrogate__';
const IMPOSSIBLE_DATE = '2025-02-30';
const HOSTILE_NUMBERS: unknown[] = [1e20, 1e9, 9223372036854775808, -1, 1.5];
const HOSTILE_QUERY_NUMBERS = ['1e20', '9223372036854775808', 'Infinity', '-1', '1.5', 'NaN'];
const MAIL_WITH_HEADER = 'ozg@msgiv.example\r\nBcc: alle@example.org';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  schema: { type?: string; format?: string };
}

interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  hasJsonBody: boolean;
}

interface Probe {
  label: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
  payload?: string;
  /** JSON pointer prefix the problem must name (errors[].field), if a field is to blame. */
  field?: string;
  /** Statuses that are a right answer; default any 4xx but 401/403. */
  statuses?: number[];
}

function operationsOf(document: { paths: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: { content?: Record<string, unknown> } }>> }): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      operations.push({
        method,
        path,
        parameters: operation.parameters ?? [],
        hasJsonBody: Boolean(operation.requestBody?.content?.['application/json']),
      });
    }
  }
  return operations;
}

/** A 10,000-level nested object, built without recursion. */
function deeplyNested(levels: number): string {
  return '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
}

/** Every leaf of a JSON value with its pointer. */
function leavesOf(value: Json, pointer = ''): { pointer: string; value: Json }[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => leavesOf(item, `${pointer}/${index}`));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => leavesOf(item, `${pointer}/${key}`));
  return [{ pointer, value }];
}

function objectsOf(value: Json, pointer = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => objectsOf(item, `${pointer}/${index}`));
  if (value !== null && typeof value === 'object') return [pointer, ...Object.entries(value).flatMap(([key, item]) => objectsOf(item, `${pointer}/${key}`))];
  return [];
}

/** A copy of `value` with the value at `pointer` replaced. */
function replaced(value: Json, pointer: string, replacement: Json): Json {
  const copy = structuredClone(value);
  const keys = pointer.split('/').slice(1);
  let target = copy as Record<string, Json>;
  for (const key of keys.slice(0, -1)) target = target[key] as Record<string, Json>;
  target[keys[keys.length - 1]!] = replacement;
  return copy;
}

/** Malformed variants of one JSON body: each names the field it spoils. */
function bodyProbes(method: string, url: string, sample: Json, headers: Record<string, string>, label: string): Probe[] {
  const json = { ...headers, 'content-type': 'application/json' };
  const probe = (what: string, payload: string, field?: string, statuses?: number[]): Probe => ({
    label: `${label} ${what}`,
    method,
    url,
    headers: json,
    payload,
    ...(field === undefined ? {} : { field }),
    ...(statuses ? { statuses } : {}),
  });
  const probes: Probe[] = [];
  for (const { pointer, value } of leavesOf(sample)) {
    const field = `/body${pointer}`;
    if (typeof value === 'string') {
      probes.push(probe(`NUL in ${pointer}`, JSON.stringify(replaced(sample, pointer, `${value}${NUL}`)), field, [422]));
      probes.push(
        probe(`lone surrogate in ${pointer}`, JSON.stringify(replaced(sample, pointer, SURROGATE_MARK)).replace(`"${SURROGATE_MARK}"`, '"x\\ud800y"'), field, [422]),
      );
      probes.push(probe(`megabyte string in ${pointer}`, JSON.stringify(replaced(sample, pointer, MEGABYTE)), field, [413, 422]));
      probes.push(probe(`nested object in ${pointer}`, JSON.stringify(replaced(sample, pointer, SURROGATE_MARK)).replace(`"${SURROGATE_MARK}"`, deeplyNested(10_000)), field, [422]));
      if (/deadline|verknuepftAm|^\/ab$|Am$/.test(pointer)) {
        probes.push(probe(`impossible date in ${pointer}`, JSON.stringify(replaced(sample, pointer, IMPOSSIBLE_DATE)), field, [422]));
      }
      if (/[eE]mail/.test(pointer)) {
        probes.push(probe(`address with a line break in ${pointer}`, JSON.stringify(replaced(sample, pointer, MAIL_WITH_HEADER)), field, [422]));
        probes.push(probe(`two addresses in ${pointer}`, JSON.stringify(replaced(sample, pointer, 'a@msgiv.example, b@msgiv.example')), field, [422]));
      }
    } else if (typeof value === 'number') {
      for (const number of HOSTILE_NUMBERS) {
        probes.push(probe(`${String(number)} in ${pointer}`, JSON.stringify(replaced(sample, pointer, number as Json)), field, [422]));
      }
      probes.push(probe(`9223372036854775808 literally in ${pointer}`, JSON.stringify(replaced(sample, pointer, SURROGATE_MARK)).replace(`"${SURROGATE_MARK}"`, '9223372036854775808'), field, [422]));
    }
  }
  for (const pointer of objectsOf(sample)) {
    probes.push(probe(`unknown property in ${pointer || '/'}`, JSON.stringify(replaced(sample, `${pointer}/unbekannt`, 'x')), `/body${pointer}/unbekannt`, [422]));
  }
  probes.push(probe('10,000 levels as a property', JSON.stringify(sample).replace(/^\{/, `{"tief":${deeplyNested(10_000)},`), '/body', [422]));
  probes.push(probe('10,000 nested arrays', '['.repeat(10_000) + ']'.repeat(10_000), '/body', [400, 422]));
  probes.push(probe('lone surrogate in an unknown property', '{"x":"\\ud800"}', '/body', [422]));
  probes.push(probe('broken JSON', '{"x":', '/body', [400]));
  probes.push({ label: `${label} XML`, method, url, headers: { ...headers, 'content-type': 'application/xml' }, payload: '<x/>', statuses: [415] });
  probes.push(probe('5 MiB body', JSON.stringify({ x: 'x'.repeat(5 * 1024 * 1024) }), undefined, [413]));
  return probes;
}

interface World {
  env: TestApp;
  tokens: Record<'admin' | 'ministry', string>;
  solutionId: string;
  mailingId: string;
  tokenId: string;
  outboxFile: string;
  answerLinks: Record<'interesse' | 'bereitschaft' | 'bus-bb', string>;
}

/** A solution in its Erstinformation with a mailing, an outbox file, answer links and a spare token. */
async function buildWorld(t: Test, kind: Parameters<typeof buildTestApp>[1]): Promise<World> {
  const env = await buildTestApp(t, kind);
  const ministry = await env.ministryToken('MSGIV');
  const created = await env.app.inject({
    method: 'POST',
    url: '/api/v1/solutions',
    headers: bearer(ministry),
    payload: { title: 'Elterngeld digital', ozgId: '10310', leikaKeys: ['99036005000000'], responsibility: { level: 'kreis' } },
  });
  if (created.statusCode !== 201) throw new Error(created.body);
  const solutionId: string = created.json().id;
  await env.app.inject({ method: 'POST', url: `/api/v1/solutions/${solutionId}/events`, headers: bearer(ministry), payload: { type: 'ERSTINFORMATION_STARTEN' } });
  const { mailingId } = await sendErstinformation(env, ministry, solutionId);
  const outbox = await env.app.inject({ url: '/api/v1/admin/outbox', headers: bearer(env.adminToken) });
  const outboxFile: string = outbox.json().items[0].file;
  const spare = await env.app.inject({
    method: 'POST',
    url: '/api/v1/admin/tokens',
    headers: bearer(env.adminToken),
    payload: { role: 'ministry', ministry: 'MIK', label: 'Probe' },
  });
  const link = (ars: string, purpose: LinkPurpose) => issueLinkPath(env, { solutionId, mailingId, ars, purpose });
  return {
    env,
    tokens: { admin: env.adminToken, ministry },
    solutionId,
    mailingId,
    tokenId: spare.json().id,
    outboxFile,
    answerLinks: { interesse: await link(POTSDAM, 'interesse'), bereitschaft: await link(COTTBUS, 'bereitschaft'), 'bus-bb': await link(BARNIM, 'bus-bb') },
  };
}

const inAWeek = (env: TestApp) => new Date(env.clock.now.getTime() + 7 * DAY).toISOString().slice(0, 10);
const yesterday = (env: TestApp) => new Date(env.clock.now.getTime() - DAY).toISOString().slice(0, 10);

/** Valid events of every type a client may send (each probed with every malformation). */
function eventSamples(world: World): { solution: Json[]; participant: Json[] } {
  return {
    solution: [
      { type: 'ERSTINFORMATION_STARTEN' },
      { type: 'PILOTPHASE_STARTEN' },
      { type: 'LESSONS_LEARNED_ERFASSEN', text: 'Fachverfahren früh anbinden' },
      { type: 'LESSONS_LEARNED_ERFASSEN', text: 'AVV-Muster früh verschicken', thema: 'AVV', pilotArs: POTSDAM, relevanz: 'hoch' },
      { type: 'ROLLOUT_STARTEN', override: { reason: 'Pilot in Brandenburg nicht nötig' } },
      { type: 'WELLE_STARTEN', label: 'Welle 1', authorities: [BARNIM, ODER_SPREE], fristTage: 14 },
      { type: 'ABSCHLIESSEN' },
      { type: 'PAUSIEREN', reason: 'Haushaltssperre' },
      { type: 'FORTSETZEN' },
      { type: 'ABBRECHEN', reason: 'Bund stellt die Lösung ein' },
    ],
    participant: [
      { type: 'INTERESSE_BEKUNDEN' },
      { type: 'ALS_PILOT_BEWERBEN' },
      { type: 'PILOT_VORSCHLAGEN', quelle: 'spitzenverband', spitzenverband: 'landkreistag', vorgeschlagenVon: 'Landkreistag Brandenburg, Referat Digitales', vorgeschlagenAm: yesterday(world.env) },
      { type: 'PILOT_BESTAETIGEN' },
      { type: 'PILOT_ZURUECKSTELLEN', reason: 'erst 2026' },
      { type: 'PILOT_ABLEHNEN', reason: 'Fachverfahren passt nicht' },
      { type: 'PILOT_LIVE_MELDEN', onlineDienstUrl: 'https://elterngeld.potsdam.example/antrag', verknuepftAm: yesterday(world.env), override: { reason: 'AVV folgt' } },
      { type: 'BEREITSCHAFT_MELDEN', status: 'bereit-ab', ab: inAWeek(world.env) },
      { type: 'BEREITSCHAFT_MELDEN', status: 'nicht-bereit', gruende: ['epayment', 'sonstiges'], freitext: 'Kasse fehlt' },
      { type: 'ONBOARDING_STARTEN' },
      { type: 'BUS_BB_VERKNUEPFUNG_MELDEN', onlineDienstUrl: 'https://service.potsdam.example/elterngeld', verknuepftAm: yesterday(world.env) },
      { type: 'BUS_BB_SCHRITTE_MELDEN', schritte: ['online-dienst-angelegt'], freitext: 'Zuständigkeit folgt' },
      { type: 'BUS_BB_SCHRITT_BESTAETIGEN', schritt: 'online-dienst-angelegt' },
      { type: 'LIVE_BESTAETIGEN' },
      { type: 'ABLEHNEN', reason: 'kein Bedarf' },
      { type: 'NICHT_ZUSTAENDIG_MELDEN', reason: 'Landkreis zuständig' },
      { type: 'AUSSCHLIESSEN', reason: 'eigene Lösung' },
      { type: 'ZUSTAENDIGKEIT_BESTAETIGEN' },
    ],
  };
}

/** A valid body per operation (keyed by method and path); the probe spoils it field by field. */
function bodySamples(world: World, path: string, method: string): Json[] | undefined {
  const { env } = world;
  const samples: Record<string, Json[]> = {
    'post /api/v1/solutions': [
      {
        title: 'Wohngeld',
        ozgId: '10400',
        leikaKeys: ['99107001000000'],
        leadMinistry: 'MSGIV',
        description: 'Wohngeld online',
        responsibility: { level: 'liste', authorities: [POTSDAM], land: '12' },
        overrides: [{ ars: COTTBUS, action: 'add', reason: 'Modellkommune' }],
      },
    ],
    'patch /api/v1/solutions/{id}': [{ title: 'Elterngeld digital 2', description: 'neu' }],
    'post /api/v1/solutions/{id}/events': eventSamples(world).solution,
    'post /api/v1/solutions/{id}/participants/{ars}/events': eventSamples(world).participant,
    'put /api/v1/solutions/{id}/templates/{kind}': [{ subject: 'Betreff {{loesung.titel}}', textBody: 'Text {{behoerde.name}}', htmlBody: '<p>HTML</p>' }],
    'put /api/v1/solutions/{id}/mail-details': [
      { kontaktName: 'Frau Beispiel', kontaktEmail: 'ozg@msgiv.example', kontaktTelefon: '0331 866-0', kosten: 'keine', termine: 'Q3', sachstand: 'in Betrieb' },
    ],
    'post /api/v1/solutions/{id}/mailings': [
      { kind: 'pilotaufruf', filter: { stages: ['informiert'], kreisArs: POTSDAM, authorities: [POTSDAM] }, deadline: inAWeek(env), reminders: { count: 1, intervalDays: 7 }, nurOhneAntwort: true },
    ],
    'post /api/v1/solutions/{id}/mailings/preview': [
      { kind: 'erinnerung', ars: POTSDAM, empfaenger: 'behoerde', deadline: inAWeek(env), erinnerungNummer: 1 },
    ],
    'post /api/v1/solutions/{id}/pilot-checklist-items': [{ label: 'Schulung der Sachbearbeitung', optional: true }],
    'put /api/v1/solutions/{id}/pilots/{ars}/checklist/{key}': [{ status: 'entfaellt', reason: 'kein Produktionstest vorgesehen' }],
    'post /api/v1/solutions/{id}/pilots/{ars}/meetings': [
      { art: 'videokonferenz', datum: yesterday(env), teilnehmende: ['Frau Beispiel (MSGIV)'], notizen: 'Auftakt', folgeaufgaben: ['AVV senden'], moderiertDurchKaz: true },
    ],
    'put /api/v1/solutions/{id}/pilots/{ars}/it-support': [{ zitBb: true, dikom: false, seit: yesterday(env), kontakt: 'Kaz, Herr Beispiel' }],
    'post /api/v1/solutions/{id}/participants/events': [
      { event: { type: 'AUSSCHLIESSEN', reason: 'eigene Lösung' }, authorities: [POTSDAM, COTTBUS], idempotencyKey: WAVE_ID },
      { event: { type: 'ONBOARDING_STARTEN' }, filter: { stages: ['informiert'], kreisArs: BARNIM, waveId: WAVE_ID } },
    ],
    'post /api/v1/solutions/{id}/waves': [
      { name: 'Welle 1', targetDate: inAWeek(env), fristTage: 14, filter: { kreisArs: BARNIM, kinds: ['landkreis'], readiness: ['keine'], stages: ['informiert'] }, verschieben: true },
      { name: 'Welle 2', authorities: [POTSDAM] },
    ],
    'post /api/v1/solutions/{id}/waves/{waveId}/members': [{ authorities: [POTSDAM], verschieben: true }],
    'post /api/v1/solutions/{id}/waves/{waveId}/start': [{ fristTage: 14, einladungMailen: true }],
    'post /api/v1/solutions/{id}/bus-bb/leistungsbeschreibungen': [{ leikaKey: '99036005000000', note: 'Text vom Bund' }],
    // The records are read defensively (unknown fields are normal in XZuFi) and reported one by one: probed in reconciliation.test.ts.
    'post /api/v1/solutions/{id}/reconciliations': [{ quelle: 'PVOG-Export', exportiertAm: yesterday(env), leistungen: [], zustaendigkeiten: [], onlinedienste: [] }],
    'post /api/v1/tickets': [
      { solutionId: world.solutionId, ars: POTSDAM, category: 'transport', priority: 'hoch', title: 'OSCI-XTA', description: 'Nachrichten kommen nicht an', blocking: true, assignee: 'Herr Beispiel' },
    ],
    'patch /api/v1/tickets/{ticketId}': [{ assignee: 'Frau Beispiel', priority: 'kritisch', blocking: false }, { assignee: null }],
    'post /api/v1/tickets/{ticketId}/events': [{ type: 'AUF_KOMMUNE_WARTEN', grund: 'Zugangsdaten' }, { type: 'LOESEN', loesung: 'erledigt' }],
    'post /api/v1/tickets/{ticketId}/comments': [{ text: 'Bitte Zugangsdaten senden', visibility: 'oeffentlich' }],
    'post /api/v1/admin/tokens': [{ role: 'ministry', ministry: 'MIK', label: 'Referat 23' }],
    'post /api/v1/admin/mail/bounces': [{ messageId: '<unbekannt@msgiv.example>', reason: '550 unbekannt' }],
  };
  return samples[`${method} ${path}`];
}

function pathParamSample(world: World, path: string, name: string): string {
  if (name === 'id') return path.startsWith('/api/v1/admin/tokens') ? world.tokenId : world.solutionId;
  if (name === 'ars') return POTSDAM;
  if (name === 'mailingId') return world.mailingId;
  if (name === 'waveId') return WAVE_ID;
  if (name === 'ticketId') return WAVE_ID;
  if (name === 'reconciliationId') return '00000000-0000-4000-8000-000000000000';
  if (name === 'kind') return 'erstinformation';
  if (name === 'key') return 'produktionstest';
  if (name === 'file') return world.outboxFile;
  throw new Error(`no sample for path parameter ${name} of ${path}: add one`);
}

function urlOf(path: string, params: Record<string, string>, query = ''): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => params[name]!) + (query ? `?${query}` : '');
}

/** The probes of one operation for one role. */
function operationProbes(world: World, operation: Operation, token: string): Probe[] {
  const headers = bearer(token);
  const pathParams = operation.parameters.filter((p) => p.in === 'path');
  const query = operation.parameters.filter((p) => p.in === 'query');
  const params = Object.fromEntries(pathParams.map((p) => [p.name, encodeURIComponent(pathParamSample(world, operation.path, p.name))]));
  const label = `${operation.method.toUpperCase()} ${operation.path}`;
  const samples = operation.hasJsonBody ? bodySamples(world, operation.path, operation.method) : [null];
  if (!samples) throw new Error(`no body sample for ${label}: add one`);
  const probes: Probe[] = [];
  for (const sample of samples) {
    const body = sample === null ? {} : { headers: { ...headers, 'content-type': 'application/json' }, payload: JSON.stringify(sample) };
    const tag = sample !== null && typeof sample === 'object' && !Array.isArray(sample) && typeof sample.type === 'string' ? `${label} [${sample.type}]` : label;
    for (const param of pathParams) {
      const spoilt = (value: string) => urlOf(operation.path, { ...params, [param.name]: value });
      probes.push({ label: `${tag} NUL in path ${param.name}`, method: operation.method, url: spoilt('a%00b'), headers, ...body, field: `/params/${param.name}`, statuses: [422] });
      probes.push({ label: `${tag} surrogate in path ${param.name}`, method: operation.method, url: spoilt('%ED%A0%80'), headers, ...body, statuses: [400] });
      probes.push({ label: `${tag} long path ${param.name}`, method: operation.method, url: spoilt('a'.repeat(10_000)), headers, ...body, statuses: [414] });
    }
    for (const param of query) {
      const at = (value: string) => urlOf(operation.path, params, `${param.name}=${value}`);
      const field = `/querystring/${param.name}`;
      probes.push({ label: `${tag} NUL in ?${param.name}`, method: operation.method, url: at('a%00b'), headers, ...body, field, statuses: [422] });
      probes.push({ label: `${tag} megabyte ?${param.name}`, method: operation.method, url: at(MEGABYTE), headers, ...body, field, statuses: [422] });
      if (param.schema.type === 'integer' || param.schema.type === 'number') {
        for (const number of HOSTILE_QUERY_NUMBERS) {
          probes.push({ label: `${tag} ?${param.name}=${number}`, method: operation.method, url: at(number), headers, ...body, field, statuses: [422] });
        }
      }
      if (param.schema.format === 'date') {
        probes.push({ label: `${tag} ?${param.name}=${IMPOSSIBLE_DATE}`, method: operation.method, url: at(IMPOSSIBLE_DATE), headers, ...body, field, statuses: [422] });
      }
    }
    if (sample !== null) probes.push(...bodyProbes(operation.method, urlOf(operation.path, params), sample, headers, tag));
  }
  return probes;
}

/** Whether the role may call the operation: with nonsense input it gets a 403 only if it may not. */
async function mayCall(world: World, operation: Operation, token: string): Promise<boolean> {
  const url = urlOf(operation.path, Object.fromEntries(operation.parameters.filter((p) => p.in === 'path').map((p) => [p.name, 'x'])));
  const response = await world.env.app.inject({
    method: operation.method.toUpperCase() as 'GET',
    url,
    headers: bearer(token),
    ...(operation.hasJsonBody ? { payload: {} } : {}),
  });
  return response.statusCode !== 403;
}

/** Everything a request could have written, in one round trip. */
async function fingerprint(world: World): Promise<string> {
  const { rows } = await sql<Record<string, unknown>>`
    select (select count(*) from solution) as solutions,
           (select coalesce(sum(revision), 0) from solution) as solution_revisions,
           (select max(updated_at)::text from solution) as solution_updated,
           (select md5(coalesce(string_agg(mail_details::text || title || description, ',' order by id), '')) from solution) as solution_texts,
           (select coalesce(sum(revision), 0) from participant) as participant_revisions,
           (select count(*) from participant) as participants,
           (select count(*) from history) as history,
           (select count(*) from mailing) as mailings,
           (select count(*) from mail_message) as messages,
           (select count(*) from mail_message where status = 'unzustellbar') as bounced,
           (select count(*) from mail_template) as templates,
           (select count(*) from api_token where revoked_at is null) as tokens,
           (select count(*) from job) as jobs,
           (select count(*) from response_link where used_at is not null) as answered,
           (select count(*) from response_link where superseded_at is not null) as renewed,
           (select count(*) from wave) as waves,
           (select count(*) from wave_member) as wave_members,
           (select count(*) from authority) as authorities
  `.execute(world.env.handle.db);
  return JSON.stringify(rows[0]);
}

interface Finding {
  probe: string;
  status: number;
  why: string;
}

async function runProbe(world: World, probe: Probe, findings: Finding[], html = false): Promise<number> {
  const before = await fingerprint(world);
  const response = await world.env.app.inject({
    method: probe.method.toUpperCase() as 'GET',
    url: probe.url,
    headers: probe.headers ?? {},
    ...(probe.payload === undefined ? {} : { payload: probe.payload }),
  });
  const status = response.statusCode;
  const type = String(response.headers['content-type'] ?? '');
  const problems: string[] = [];
  if (status >= 500) problems.push('5xx');
  else if (status < 400) problems.push('accepted');
  else if (probe.statuses && !probe.statuses.includes(status)) problems.push(`expected ${probe.statuses.join('/')}`);
  if (html) {
    if (!type.startsWith('text/html')) problems.push(`content-type ${type}`);
  } else {
    if (!type.startsWith('application/problem+json')) problems.push(`content-type ${type}`);
    else if (probe.field !== undefined && (status === 422 || status === 400)) {
      const fields: string[] = (response.json().errors ?? []).map((e: { field: string }) => e.field);
      if (!fields.some((field) => field.startsWith(probe.field!))) problems.push(`names ${JSON.stringify(fields.slice(0, 3))}, not ${probe.field}`);
    }
  }
  if ((await fingerprint(world)) !== before) problems.push('wrote something');
  if (problems.length) findings.push({ probe: probe.label, status, why: `${problems.join(', ')}: ${response.body.slice(0, 160)}` });
  return status;
}

for (const kind of databaseKinds()) {
  t.test(`${kind}: every operation of the OpenAPI document refuses hostile input with a 4xx problem`, async (t) => {
    const world = await buildWorld(t, kind);
    const document = world.env.app.swagger() as Parameters<typeof operationsOf>[0];
    const operations = operationsOf(document).filter((operation) => !NOT_PROBED_HERE.has(`${operation.method} ${operation.path}`));
    t.ok(operations.length >= 25, `${operations.length} operations`);
    let requests = 0;
    let serverErrors = 0;
    for (const operation of operations) {
      const findings: Finding[] = [];
      const roles: string[] = [];
      for (const [role, token] of Object.entries(world.tokens)) {
        if (!(await mayCall(world, operation, token))) continue;
        roles.push(role);
        for (const probe of operationProbes(world, operation, token)) {
          const status = await runProbe(world, { ...probe, label: `${role}: ${probe.label}` }, findings);
          requests++;
          if (status >= 500) serverErrors++;
        }
      }
      t.ok(roles.length > 0, `${operation.method.toUpperCase()} ${operation.path}: some role may call it`);
      t.same(findings, [], `${operation.method.toUpperCase()} ${operation.path} (${roles.join(', ')})`);
    }
    t.comment(`${requests} hostile requests, ${serverErrors} answered with 5xx`);
    t.equal(serverErrors, 0, 'no 5xx');
  });

  t.test(`${kind}: the answer pages refuse hostile input with an HTML page`, async (t) => {
    const world = await buildWorld(t, kind);
    const host = { host: new URL(world.env.mail.routes.publicBaseUrl).host };
    const findings: Finding[] = [];
    const forms: Record<keyof World['answerLinks'], Record<string, string>> = {
      interesse: { wahl: 'interesse', freitext: 'Wir sind dabei' },
      bereitschaft: { status: 'bereit-ab', ab: inAWeek(world.env), freitext: 'nach dem Umzug' },
      'bus-bb': { onlineDienstUrl: 'https://service.barnim.example/elterngeld', verknuepftAm: yesterday(world.env) },
    };
    for (const [purpose, path] of Object.entries(world.answerLinks) as [keyof World['answerLinks'], string][]) {
      const page = await world.env.app.inject({ url: path });
      const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
      const post = (label: string, fields: Record<string, string>, statuses: number[], url = path, asJson = false): Probe => ({
        label: `${purpose}: ${label}`,
        method: 'post',
        url,
        headers: { ...host, 'content-type': asJson ? 'application/json' : 'application/x-www-form-urlencoded' },
        payload: asJson ? JSON.stringify({ csrf, ...fields }) : new URLSearchParams({ csrf, ...fields }).toString(),
        statuses,
      });
      const fields = forms[purpose];
      const probes: Probe[] = [];
      for (const name of Object.keys(fields)) {
        probes.push(post(`NUL in ${name}`, { ...fields, [name]: `${fields[name]}${NUL}` }, [422]));
        probes.push(post(`megabyte ${name}`, { ...fields, [name]: MEGABYTE }, [413]));
        if (name === 'ab' || name === 'verknuepftAm') probes.push(post(`impossible date in ${name}`, { ...fields, [name]: IMPOSSIBLE_DATE }, [422]));
      }
      probes.push(post('NUL in a field name', { ...fields, 'x\u0000y': '1' }, [422]));
      probes.push(post('JSON instead of a form', fields, [415], path, true));
      probes.push(post('NUL in the token', fields, [422, 404], `${path}%00`));
      probes.push({ label: `${purpose}: GET with NUL in the token`, method: 'get', url: `${path}%00`, headers: host, statuses: [422, 404] });
      probes.push({ label: `${purpose}: GET with a lone surrogate in the token`, method: 'get', url: `${path}%ED%A0%80`, headers: host, statuses: [400] });
      probes.push({ label: `${purpose}: GET with a 10,000 character token`, method: 'get', url: `/antwort/${'a'.repeat(10_000)}`, headers: host, statuses: [414] });
      for (const probe of probes) await runProbe(world, probe, findings, true);
    }
    t.same(findings, [], 'every answer is a 4xx HTML page and nothing is recorded');
  });

  t.test(`${kind}: errors the HTTP parser finds come back as problem+json too`, async (t) => {
    const world = await buildWorld(t, kind);
    await world.env.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = world.env.app.server.address() as AddressInfo;
    const raw = (path: string, headers: Record<string, string>) =>
      new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
        const request = httpRequest({ host: '127.0.0.1', port, path, headers }, (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (body += chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, type: String(response.headers['content-type'] ?? ''), body }));
        });
        request.on('error', reject);
        request.end();
      });
    const bigHeader = await raw('/api/v1/solutions', { ...bearer(world.tokens.admin), 'x-gross': 'x'.repeat(64 * 1024) });
    t.equal(bigHeader.status, 431);
    t.match(bigHeader.type, /^application\/problem\+json/);
    t.match(JSON.parse(bigHeader.body), { status: 431, title: String });
    const longUrl = await raw(`/api/v1/solutions?q=${'x'.repeat(64 * 1024)}`, bearer(world.tokens.admin));
    t.ok(longUrl.status === 414 || longUrl.status === 431, `long URL: ${longUrl.status}`);
    t.match(longUrl.type, /^application\/problem\+json/);
  });
}
