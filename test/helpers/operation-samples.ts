import type { Test } from 'tap';
import { sql } from 'kysely';
import { bearer, buildTestApp, type TestApp } from './app.ts';
import { issueLinkPath } from './links.ts';
import { sendErstinformation } from './rollout.ts';
import type { LinkPurpose } from '../../src/db/schema.ts';

/**
 * What the tests that walk every operation of the app's own OpenAPI document share
 * (hostile-input, wrong-json-types): the operations, a world to call them in, and a valid
 * body per operation – one per event type on the event routes. A new operation with a
 * body and no sample here makes both tests fail instead of skipping it.
 */

export const POTSDAM = '120540000000';
export const COTTBUS = '120520000000';
export const BARNIM = '120600000000';
export const ODER_SPREE = '120670000000';
const DAY = 24 * 60 * 60 * 1000;
/** A wave id that exists nowhere: the probes must be refused before it is looked up. */
export const WAVE_ID = '7d0f4c1e-6a55-4c1f-9a43-3f7b1c2d9e10';
/** The directory upload takes raw file bytes (encodings, NUL bytes in files): probed by test/api/directory-import.test.ts. */
export const NOT_JSON_OPERATIONS = new Set(['post /api/v1/admin/directory/imports']);

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  schema: { type?: string; format?: string };
}

export interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  hasJsonBody: boolean;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: { content?: Record<string, { schema?: unknown }> } }>>;
  components?: { schemas?: Record<string, unknown> };
}

export function operationsOf(document: OpenApiDocument): Operation[] {
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

export interface World {
  env: TestApp;
  tokens: Record<'admin' | 'ministry', string>;
  solutionId: string;
  mailingId: string;
  tokenId: string;
  /** A blocking ticket of Potsdam's, assigned. */
  ticketId: string;
  outboxFile: string;
  answerLinks: Record<'interesse' | 'bereitschaft' | 'bus-bb', string>;
}

/** A solution in its Erstinformation with a mailing, an outbox file, answer links, a blocking ticket and a spare token. */
export async function buildWorld(t: Test, kind: Parameters<typeof buildTestApp>[1]): Promise<World> {
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
  const ticket = await env.app.inject({
    method: 'POST',
    url: '/api/v1/tickets',
    headers: bearer(ministry),
    payload: { solutionId, ars: POTSDAM, category: 'transport', title: 'OSCI-XTA', description: 'Nachrichten kommen nicht an', blocking: true, assignee: 'kaz.beispiel@zit-bb.example' },
  });
  if (ticket.statusCode !== 201) throw new Error(ticket.body);
  const link = (ars: string, purpose: LinkPurpose) => issueLinkPath(env, { solutionId, mailingId, ars, purpose });
  return {
    env,
    tokens: { admin: env.adminToken, ministry },
    solutionId,
    mailingId,
    tokenId: spare.json().id,
    ticketId: ticket.json().id,
    outboxFile,
    answerLinks: { interesse: await link(POTSDAM, 'interesse'), bereitschaft: await link(COTTBUS, 'bereitschaft'), 'bus-bb': await link(BARNIM, 'bus-bb') },
  };
}

export const inAWeek = (env: TestApp) => new Date(env.clock.now.getTime() + 7 * DAY).toISOString().slice(0, 10);
export const yesterday = (env: TestApp) => new Date(env.clock.now.getTime() - DAY).toISOString().slice(0, 10);

/** Valid events of every type a client may send, per event route. */
export function eventSamples(world: World): { solution: Json[]; participant: Json[]; ticket: Json[] } {
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
      { type: 'ALS_PILOT_BEWERBEN', freitext: 'Wir haben das Fachverfahren schon' },
      { type: 'PILOT_VORSCHLAGEN', quelle: 'spitzenverband', spitzenverband: 'landkreistag', vorgeschlagenVon: 'Landkreistag Brandenburg, Referat Digitales', vorgeschlagenAm: yesterday(world.env) },
      { type: 'PILOT_BESTAETIGEN' },
      { type: 'PILOT_ZURUECKSTELLEN', reason: 'erst 2026' },
      { type: 'PILOT_ABLEHNEN', reason: 'Fachverfahren passt nicht' },
      { type: 'PILOT_LIVE_MELDEN', onlineDienstUrl: 'https://elterngeld.potsdam.example/antrag', verknuepftAm: yesterday(world.env), override: { reason: 'AVV folgt' } },
      { type: 'BEREITSCHAFT_MELDEN', status: 'bereit-ab', ab: inAWeek(world.env) },
      { type: 'BEREITSCHAFT_MELDEN', status: 'nicht-bereit', gruende: ['epayment', 'sonstiges'], freitext: 'Kasse fehlt' },
      { type: 'ONBOARDING_STARTEN' },
      { type: 'BUS_BB_VERKNUEPFUNG_MELDEN', onlineDienstUrl: 'https://service.potsdam.example/elterngeld', verknuepftAm: yesterday(world.env), schritte: ['online-dienst-angelegt'] },
      { type: 'BUS_BB_SCHRITTE_MELDEN', schritte: ['online-dienst-angelegt'], freitext: 'Zuständigkeit folgt' },
      { type: 'BUS_BB_SCHRITT_BESTAETIGEN', schritt: 'online-dienst-angelegt' },
      { type: 'LIVE_BESTAETIGEN' },
      { type: 'ABLEHNEN', reason: 'kein Bedarf' },
      { type: 'NICHT_ZUSTAENDIG_MELDEN', reason: 'Landkreis zuständig' },
      { type: 'AUSSCHLIESSEN', reason: 'eigene Lösung' },
      { type: 'ZUSTAENDIGKEIT_BESTAETIGEN' },
    ],
    ticket: [
      { type: 'BEARBEITUNG_BEGINNEN' },
      { type: 'AUF_KOMMUNE_WARTEN', grund: 'Zugangsdaten' },
      { type: 'KOMMUNE_ANTWORTET' },
      { type: 'LOESEN', loesung: 'erledigt' },
      { type: 'SCHLIESSEN' },
      { type: 'WIEDEREROEFFNEN', grund: 'Nachrichten kommen wieder nicht an' },
    ],
  };
}

/**
 * Valid bodies of an operation (keyed by method and path); undefined for an operation nobody
 * wrote one for. Each event route has one body per event type; the bulk route carries two
 * events, or – `eventsInBulk: 'every'` – each participant event once (its union is the
 * participant route's, so a probe of every string need not walk it twice).
 */
export function bodySamples(world: World, path: string, method: string, { eventsInBulk = 'two' }: { eventsInBulk?: 'two' | 'every' } = {}): Json[] | undefined {
  const { env } = world;
  const events = eventSamples(world);
  const bulkEvents: Json[] = eventsInBulk === 'every' ? events.participant : [{ type: 'AUSSCHLIESSEN', reason: 'eigene Lösung' }, { type: 'ONBOARDING_STARTEN' }];
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
    'post /api/v1/solutions/{id}/events': events.solution,
    'post /api/v1/solutions/{id}/participants/{ars}/events': events.participant,
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
    // for a list of authorities and for a filter in turn
    'post /api/v1/solutions/{id}/participants/events': bulkEvents.map((event, index): Json =>
      index % 2 === 0
        ? { event, authorities: [POTSDAM, COTTBUS], idempotencyKey: WAVE_ID }
        : { event, filter: { stages: ['informiert'], kreisArs: BARNIM, waveId: WAVE_ID } },
    ),
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
      {
        solutionId: world.solutionId,
        ars: COTTBUS,
        category: 'transport',
        priority: 'hoch',
        title: 'OSCI-XTA',
        description: 'Nachrichten kommen nicht an',
        blocking: true,
        assignee: 'kaz.beispiel@zit-bb.example',
      },
    ],
    'patch /api/v1/tickets/{ticketId}': [{ assignee: 'kaz.vertretung@zit-bb.example', priority: 'kritisch', blocking: false }, { assignee: null }],
    'post /api/v1/tickets/{ticketId}/events': events.ticket,
    'post /api/v1/tickets/{ticketId}/comments': [{ text: 'Bitte Zugangsdaten senden', visibility: 'oeffentlich' }],
    'post /api/v1/admin/tokens': [{ role: 'ministry', ministry: 'MIK', label: 'Referat 23' }],
    'post /api/v1/admin/mail/bounces': [{ messageId: '<unbekannt@msgiv.example>', reason: '550 unbekannt' }],
  };
  return samples[`${method} ${path}`];
}

export function pathParamSample(world: World, path: string, name: string): string {
  if (name === 'id') return path.startsWith('/api/v1/admin/tokens') ? world.tokenId : world.solutionId;
  if (name === 'ars') return POTSDAM;
  if (name === 'mailingId') return world.mailingId;
  if (name === 'waveId') return WAVE_ID;
  if (name === 'ticketId') return world.ticketId;
  if (name === 'reconciliationId') return '00000000-0000-4000-8000-000000000000';
  if (name === 'kind') return 'erstinformation';
  if (name === 'key') return 'produktionstest';
  if (name === 'quarter') return '2026-Q3';
  if (name === 'file') return world.outboxFile;
  throw new Error(`no sample for path parameter ${name} of ${path}: add one`);
}

export function urlOf(path: string, params: Record<string, string>, query = ''): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => params[name]!) + (query ? `?${query}` : '');
}

/** The operation's URL with the world's path parameters. */
export function sampleUrlOf(world: World, operation: Operation): string {
  const pathParams = operation.parameters.filter((p) => p.in === 'path');
  return urlOf(operation.path, Object.fromEntries(pathParams.map((p) => [p.name, encodeURIComponent(pathParamSample(world, operation.path, p.name))])));
}

/** Whether the role may call the operation: with nonsense input it gets a 403 only if it may not. */
export async function mayCall(world: World, operation: Operation, token: string): Promise<boolean> {
  const url = urlOf(operation.path, Object.fromEntries(operation.parameters.filter((p) => p.in === 'path').map((p) => [p.name, 'x'])));
  const response = await world.env.app.inject({
    method: operation.method.toUpperCase() as 'GET',
    url,
    headers: bearer(token),
    ...(operation.hasJsonBody ? { payload: {} } : {}),
  });
  return response.statusCode !== 403;
}

/** A copy of `value` with the value at `pointer` replaced. */
export function replaced(value: Json, pointer: string, replacement: Json): Json {
  const copy = structuredClone(value);
  const keys = pointer.split('/').slice(1);
  let target = copy as Record<string, Json>;
  for (const key of keys.slice(0, -1)) target = target[key] as Record<string, Json>;
  target[keys[keys.length - 1]!] = replacement;
  return copy;
}

/** Every table of the database, each as one hash of all its rows: what any request could have written. */
export async function databaseSnapshot(env: TestApp): Promise<Record<string, string>> {
  const { rows: tables } = await sql<{ name: string }>`
    select table_name as name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`.execute(env.handle.db);
  const parts = tables.map(({ name }) => sql`select ${name} as name, md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as hash from ${sql.table(name)} t`);
  const { rows } = await sql<{ name: string; hash: string }>`${sql.join(parts, sql` union all `)}`.execute(env.handle.db);
  return Object.fromEntries(rows.map((row) => [row.name, row.hash]));
}
