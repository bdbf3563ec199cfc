import t from 'tap';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { initialTransition, transition, type AnyStateMachine } from 'xstate';
import { createTestDatabaseUrl, testPostgresUrl } from '../helpers/databases.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { startInstances, type ServiceInstance } from '../helpers/instances.ts';
import {
  PARTICIPANT_EVENT_TYPES,
  participantMachine,
  participantStage,
  restoreSnapshot,
  SOLUTION_EVENT_TYPES,
  solutionMachine,
  solutionStage,
  TICKET_EVENT_TYPES,
  ticketMachine,
  ticketStage,
} from '../../workflows/index.ts';

/**
 * Several instances on one PostgreSQL (issue 18, point 4): three service processes serve
 * requests round-robin and run the durable jobs together, under many concurrent and
 * conflicting events – the same solution, the same participant, bulk actions over single
 * events, the authorities' link answers (from the mails the SMTP sink received), ticket
 * changes. Afterwards: no 5xx; the history holds exactly the accepted requests (and the
 * effects' events); every instance's state is the serial replay of its history through the
 * pure machine; revisions count the events; every mail went out exactly once. And a job
 * enqueued by one instance is picked up by another long before any of them polls.
 *
 * TEST_FULL=1: more solutions, participants and rounds.
 */

const FULL = process.env.TEST_FULL === '1';
const ADMIN_TOKEN = 'instances-admin-token-0123456789abcdef';
const SOLUTIONS = FULL ? 3 : 2;
const LEVEL = FULL ? 'gemeinde' : 'kreis';
const ROUNDS = FULL ? 6 : 3;

interface Call {
  instance: number;
  method: string;
  path: string;
  status: number;
  body: any;
  text: string;
  what: string;
  /** The JSON body sent. */
  sent: unknown;
}

/** Requests spread round-robin over the instances; every answer is kept for the checks. */
function client(instances: ServiceInstance[]) {
  let next = 0;
  const calls: Call[] = [];
  async function call(what: string, method: string, path: string, options: { token?: string; json?: unknown; form?: Array<[string, string]>; instance?: number } = {}): Promise<Call> {
    const instance = options.instance ?? next++ % instances.length;
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(options.form).toString();
    }
    const response = await fetch(`${instances[instance]!.base}${path}`, { method, headers, ...(body !== undefined ? { body } : {}), redirect: 'manual' });
    const text = await response.text();
    let json: unknown = null;
    if ((response.headers.get('content-type') ?? '').includes('json')) json = JSON.parse(text);
    const record: Call = { instance, method, path, status: response.status, body: json, text, what, sent: options.json };
    calls.push(record);
    return record;
  }
  return { call, calls };
}

function ok(c: Call, ...expected: number[]): Call {
  if (!(expected.length ? expected : [200]).includes(c.status)) throw new Error(`${c.what} ${c.method} ${c.path} → ${c.status} ${c.text.slice(0, 500)}`);
  return c;
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
const shuffle = <T>(items: T[]): T[] => items.map((item) => [Math.random(), item] as const).sort((a, b) => a[0] - b[0]).map(([, item]) => item);

async function until(what: string, condition: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Zeitüberschreitung: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const MACHINES: Record<string, { machine: AnyStateMachine; events: readonly string[]; stageOf: (snapshot: any) => string; initial: (ars: string | null) => unknown }> = {
  solution: { machine: solutionMachine, events: SOLUTION_EVENT_TYPES, stageOf: solutionStage, initial: () => initialTransition(solutionMachine)[0] },
  participant: { machine: participantMachine, events: PARTICIPANT_EVENT_TYPES, stageOf: participantStage, initial: (ars) => initialTransition(participantMachine, { ars: ars! })[0] },
  ticket: { machine: ticketMachine, events: TICKET_EVENT_TYPES, stageOf: ticketStage, initial: () => initialTransition(ticketMachine)[0] },
};

// bigint ids and counts as numbers, as the service reads them.
pg.types.setTypeParser(20, Number);

/** JSON with the keys of every object sorted: jsonb keeps its own order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v));
}
const comparable = (snapshot: any) => canonical({ value: snapshot.value, context: snapshot.context, status: snapshot.status ?? 'active' });

if (FULL) t.setTimeout(20 * 60_000);

if (!testPostgresUrl()) {
  t.comment('kein PostgreSQL-Testserver: mehrere Instanzen brauchen PostgreSQL, übersprungen');
} else {
  t.test('three instances on one PostgreSQL under concurrent, conflicting events', async (t) => {
    const sink: SmtpSink = await startSmtpSink();
    t.teardown(() => sink.close());
    let instances: ServiceInstance[] = [];
    const url = await createTestDatabaseUrl(t, () => Promise.all(instances.map((instance) => instance.stop())));
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    t.teardown(() => db.end());
    // All three start at once on the empty database: migrations, directory, admin token.
    instances = await startInstances(t, 3, {
      DATABASE_URL: url,
      DATABASE_POOL_SIZE: '6',
      EFA_ADMIN_TOKEN: ADMIN_TOKEN,
      SMTP_URL: sink.url,
      SMTP_RATE_LIMIT: '1000',
      RATE_LIMIT_API_PER_MINUTE: '0',
      RATE_LIMIT_ANSWER_PAGES_PER_MINUTE: '0',
      TICKET_NOTICE_GATHER_MINUTES: '0',
      LOG_LEVEL: 'warn',
    });
    const started = Date.now();
    const phase = (name: string) => t.comment(`${name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    phase('drei Instanzen bereit');
    const { call, calls } = client(instances);
    const api = (what: string, method: string, path: string, token: string, json?: unknown) => call(what, method, `/api/v1${path}`, { token, ...(json !== undefined ? { json } : {}) });

    const ministry = ok(await api('token', 'POST', '/admin/tokens', ADMIN_TOKEN, { role: 'ministry', ministry: 'MSGIV', label: 'Referat 32' }), 201).body.token as string;
    const kaz = ok(await api('token', 'POST', '/admin/tokens', ADMIN_TOKEN, { role: 'kaz', label: 'Kaz Test' }), 201).body.token as string;

    // Solutions created and their Erstinformation sent, all at once across the instances.
    const solutions = await Promise.all(
      Array.from({ length: SOLUTIONS }, async (_, n) => {
        const created = ok(
          await api('create', 'POST', '/solutions', ministry, { title: `Elterngeld digital ${n + 1}`, ozgId: '10310', leikaKeys: ['99036005000000'], responsibility: { level: LEVEL } }),
          201,
        );
        const id = created.body.id as string;
        ok(await api('solution-event', 'POST', `/solutions/${id}/events`, ministry, { type: 'ERSTINFORMATION_STARTEN' }));
        ok(await api('mail-details', 'PUT', `/solutions/${id}/mail-details`, ministry, { kontaktName: 'Referat 32, Frau Beispiel', kontaktEmail: 'ozg@msgiv.example' }));
        const mailing = ok(await api('mailing', 'POST', `/solutions/${id}/mailings`, ministry, { kind: 'erstinformation' }), 201);
        const participants = ok(await api('participants', 'GET', `/solutions/${id}/participants?limit=1000`, ministry)).body.items.map((p: { ars: string }) => p.ars) as string[];
        return { id, mailingId: mailing.body.mailingId as string, participants };
      }),
    );
    t.ok(solutions.every((s) => s.participants.length > 0), `${SOLUTIONS} solutions with ${solutions[0]!.participants.length} participants each`);

    const solutionEvents = [
      { type: 'PILOTPHASE_STARTEN' },
      { type: 'PAUSIEREN', reason: 'Haushaltssperre' },
      { type: 'FORTSETZEN' },
      { type: 'FORTSETZEN' },
      { type: 'LESSONS_LEARNED_ERFASSEN', text: 'Formular kürzen' },
      { type: 'ROLLOUT_STARTEN', override: { reason: 'in einem anderen Land erprobt' } },
    ];
    const singleEvents = [
      { type: 'INTERESSE_BEKUNDEN' },
      { type: 'ALS_PILOT_BEWERBEN' },
      { type: 'PILOT_VORSCHLAGEN', quelle: 'ministerium' },
      { type: 'PILOT_BESTAETIGEN' },
      { type: 'PILOT_ZURUECKSTELLEN', reason: 'später' },
      { type: 'ABLEHNEN', reason: 'kein Bedarf' },
      { type: 'NICHT_ZUSTAENDIG_MELDEN', reason: 'das Amt ist zuständig' },
      { type: 'ZUSTAENDIGKEIT_BESTAETIGEN' },
      { type: 'AUSSCHLIESSEN', reason: 'doppelt erfasst' },
    ];

    // The link answers: from the Erstinformation mails the sink received, answered on another instance than the page was read on.
    const answered = new Set<string>();
    async function answerLinks(limit: number): Promise<void> {
      const links = shuffle([...new Set(sink.messages.flatMap((m) => [...m.text.matchAll(/\/antwort\/([A-Za-z0-9_-]{20,})/g)].map((match) => `/antwort/${match[1]}`)))].filter((path) => !answered.has(path)));
      await Promise.all(
        links.slice(0, limit).map(async (path) => {
          answered.add(path);
          const page = await call('answer-page', 'GET', path);
          const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)?.[1];
          const choices = [...page.text.matchAll(/name="wahl" value="([^"]+)"/g)].map((match) => match[1]!);
          if (!csrf || choices.length === 0) return;
          const form: Array<[string, string]> = [['csrf', csrf], ['wahl', pick(choices)]];
          // Now and then the same form twice at once, on two instances: one answer is taken.
          const submits = Math.random() < 0.3 ? 2 : 1;
          await Promise.all(Array.from({ length: submits }, () => call('answer', 'POST', path, { form })));
        }),
      );
    }

    const tickets: string[] = [];
    let assignees = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const work: Promise<unknown>[] = [];
      for (const solution of solutions) {
        const base = `/solutions/${solution.id}`;
        // The same solution: stage events from every instance at once.
        for (let i = 0; i < 4; i++) work.push(api('solution-event', 'POST', `${base}/events`, ministry, pick(solutionEvents)));
        // The same participants: competing events, two or three at once each.
        for (const ars of shuffle([...solution.participants]).slice(0, 6)) {
          for (let i = 0; i < 2 + (Math.random() < 0.5 ? 1 : 0); i++) work.push(api('participant-event', 'POST', `${base}/participants/${ars}/events`, ministry, pick(singleEvents)));
        }
        // Bulk actions over the same participants, one of them sent twice at once with the same key.
        const key = randomUUID();
        const bulk = { event: pick(singleEvents), authorities: shuffle([...solution.participants]).slice(0, 8), idempotencyKey: key };
        work.push(api('bulk', 'POST', `${base}/participants/events`, ministry, bulk), api('bulk', 'POST', `${base}/participants/events`, ministry, bulk));
        work.push(api('bulk', 'POST', `${base}/participants/events`, ministry, { event: pick(singleEvents), filter: { stages: ['informiert', 'interessiert', 'pilot-kandidat'] } }));
        // Tickets: new ones, and changes to the existing from several instances at once.
        work.push(
          api('ticket-create', 'POST', '/tickets', kaz, { solutionId: solution.id, ars: pick(solution.participants), category: 'transport', title: `Zustellung ${round}`, description: 'Nachrichten kommen nicht an' }).then((c) => {
            if (c.status === 201) tickets.push(c.body.id);
          }),
        );
      }
      for (const ticketId of tickets) {
        for (const event of [
          { type: 'BEARBEITUNG_BEGINNEN' },
          { type: 'AUF_KOMMUNE_WARTEN', grund: 'Zertifikat fehlt' },
          { type: 'KOMMUNE_ANTWORTET' },
          { type: 'LOESEN', loesung: 'Intermediär neu gestartet' },
          { type: 'WIEDEREROEFFNEN', grund: 'wieder keine Zustellung' },
        ].filter(() => Math.random() < 0.5)) {
          work.push(api('ticket-event', 'POST', `/tickets/${ticketId}/events`, kaz, event));
        }
        work.push(api('ticket-patch', 'PATCH', `/tickets/${ticketId}`, kaz, { assignee: `kaz-${++assignees}@zit-bb.example` }));
        work.push(api('ticket-patch', 'PATCH', `/tickets/${ticketId}`, kaz, { assignee: `kaz-${++assignees}@zit-bb.example` }));
        work.push(api('ticket-comment', 'POST', `/tickets/${ticketId}/comments`, kaz, { text: `Bitte prüfen (${round})`, visibility: 'oeffentlich' }));
      }
      work.push(answerLinks(FULL ? 40 : 12));
      await Promise.all(work);
    }
    // Whatever is paused is resumed, so that its parked effects run to their end.
    await Promise.all(solutions.map((s) => api('solution-event', 'POST', `/solutions/${s.id}/events`, ministry, { type: 'FORTSETZEN' })));

    phase('Ereignisse gesendet');
    // Quiet: no job running or due within the next minute, twice in a row.
    let quietChecks = 0;
    await until(
      'alle fälligen Jobs erledigt',
      async () => {
        const { rows } = await db.query(`select count(*)::int as n from job where status = 'running' or (status = 'pending' and run_at <= now() + interval '1 minute')`);
        quietChecks = rows[0].n === 0 ? quietChecks + 1 : 0;
        return quietChecks >= 3;
      },
      120_000,
    );

    phase('alle Jobs erledigt');
    for (const what of ['answer-page', 'bulk', 'participant-event']) {
      const refusal = calls.find((c) => c.what === what && c.status >= 400);
      if (refusal) t.comment(`z. B. ${what} ${refusal.status}: ${refusal.text.replace(/\s+/g, ' ').slice(0, 400)}`);
    }
    // 1. No 5xx: refusals (409, 422, 410 …) are answers, a server error is a defect.
    const serverErrors = calls.filter((c) => c.status >= 500);
    t.same(serverErrors.map((c) => `${c.what} ${c.method} ${c.path} → ${c.status} ${c.text.slice(0, 300)}`), [], 'no request answered 5xx');
    if (serverErrors.length) {
      const logged = instances.flatMap((instance) => instance.output().split('\n').filter((line) => line.includes('"level":50')));
      t.comment(`Fehler im Protokoll der Instanzen:\n${logged.join('\n').slice(0, 6000)}`);
    }
    const counts: Record<string, Record<number, number>> = {};
    for (const c of calls) (counts[c.what] ??= {})[c.status] = (counts[c.what]![c.status] ?? 0) + 1;
    t.comment(`Anfragen: ${calls.length} – ${JSON.stringify(counts)}`);
    t.ok(new Set(calls.map((c) => c.instance)).size === 3, 'all three instances served requests');

    // 2. The history holds every accepted request exactly once, and nothing no request was accepted for.
    const { rows: history } = await db.query(
      `select id, solution_id, participant_ars, ticket_id, event_type, event, from_stage, to_stage, actor, idempotency_key from history order by id`,
    );
    const accepted = new Set<number>();
    const expectOne = (what: string, rows: { id: number }[]) => {
      if (rows.length !== 1) t.fail(`${what}: ${rows.length} Einträge im Verlauf statt einem`);
      for (const row of rows) accepted.add(row.id);
    };
    for (const c of calls) {
      if (c.status < 200 || c.status >= 300) continue;
      if (c.what === 'solution-event' || c.what === 'participant-event' || c.what === 'ticket-event') {
        expectOne(`${c.what} ${c.path}`, history.filter((h) => h.id === c.body.historyId));
      } else if (c.what === 'bulk') {
        // The same keyed request twice at once: each is a request with its own SAMMELAKTION
        // row, the participants move once (bulk:<bulkId>:<ars>); a replay repeats the first answer.
        expectOne(`Sammelaktion ${c.body.bulkId}`, history.filter((h) => h.id === c.body.historyId));
        for (const item of c.body.results.filter((r: { outcome: string }) => r.outcome === 'applied')) {
          expectOne(`Sammelaktion ${c.body.bulkId} für ${item.ars}`, history.filter((h) => h.idempotency_key === `bulk:${c.body.bulkId}:${item.ars}`));
        }
      } else if (c.what === 'create') {
        expectOne(`Lösung ${c.body.id}`, history.filter((h) => h.solution_id === c.body.id && h.event_type === 'ANGELEGT'));
      } else if (c.what === 'ticket-create') {
        expectOne(`Ticket ${c.body.id}`, history.filter((h) => h.ticket_id === c.body.id && h.event_type === 'TICKET_ERSTELLT'));
      } else if (c.what === 'ticket-patch') {
        const assignee = (c.sent as { assignee: string }).assignee;
        expectOne(`Ticket ${c.path} an ${assignee}`, history.filter((h) => h.event_type === 'TICKET_GEAENDERT' && h.event?.zustaendig?.nach === assignee));
      } else if (c.what === 'ticket-comment') {
        expectOne(`Kommentar ${c.body.id}`, history.filter((h) => h.event_type === 'TICKET_KOMMENTIERT' && h.event?.kommentarId === c.body.id));
      }
    }
    // Link answers: each taken answer used its link once; its events carry the link as actor.
    const { rows: usedLinks } = await db.query(`select solution_id, ars, purpose from response_link where used_at is not null`);
    const takenAnswers = calls.filter((c) => c.what === 'answer' && c.status === 200 && c.text.includes('Vielen Dank'));
    t.equal(usedLinks.length, takenAnswers.length, `${takenAnswers.length} link answers taken, each link used once`);
    for (const link of usedLinks) {
      const rows = history.filter((h) => h.solution_id === link.solution_id && h.actor === `behoerde:${link.ars}:link:${link.purpose}`);
      if (rows.length === 0) t.fail(`Antwort über ${link.purpose} von ${link.ars}: nichts im Verlauf`);
      for (const row of rows) accepted.add(row.id);
    }
    const byClients = history.filter((h) => !h.actor.startsWith('system'));
    const unexplained = byClients.filter((h) => !accepted.has(h.id)).map((h) => `${h.id} ${h.event_type} ${h.actor} ${h.participant_ars ?? ''}`);
    t.same(unexplained, [], 'no history row of a client without an accepted request');
    t.ok(accepted.size > 20, `${accepted.size} accepted requests in the history`);

    // 3. Every instance's state is the serial replay of its history, and its revision counts the events.
    const { rows: participants } = await db.query(`select solution_id, ars, stage, snapshot, revision from participant`);
    const { rows: solutionRows } = await db.query(`select id, stage, snapshot, revision from solution`);
    const { rows: ticketRows } = await db.query(`select id, stage, snapshot, revision from ticket`);
    const historyOf = new Map<string, typeof history>();
    for (const h of history) {
      const key = h.ticket_id ? `ticket:${h.ticket_id}` : h.participant_ars ? `participant:${h.solution_id}:${h.participant_ars}` : `solution:${h.solution_id}`;
      (historyOf.get(key) ?? historyOf.set(key, []).get(key)!).push(h);
    }
    const mismatches: string[] = [];
    const replay = (kind: keyof typeof MACHINES, key: string, ars: string | null, row: { stage: string; snapshot: unknown; revision: number }) => {
      const { machine, events, stageOf, initial } = MACHINES[kind]!;
      const applied = (historyOf.get(key) ?? []).filter((h) => events.includes(h.event_type) || h.event_type.startsWith('xstate.'));
      let snapshot = initial(ars) as any;
      for (const h of applied) snapshot = transition(machine, snapshot, h.event)[0];
      const stored = restoreSnapshot(machine, row.snapshot as never);
      if (comparable(snapshot) !== comparable(stored)) {
        mismatches.push(`${key}: Zustand weicht von der Wiederholung ab${mismatches.length ? '' : `: ${comparable(stored)} ≠ ${comparable(snapshot)}`}`);
      }
      if (stageOf(snapshot) !== row.stage) mismatches.push(`${key}: Stadium ${row.stage}, Wiederholung ${stageOf(snapshot)}`);
      if (row.revision !== applied.length) mismatches.push(`${key}: Revision ${row.revision} bei ${applied.length} Ereignissen`);
      for (let i = 1; i < applied.length; i++) {
        if (applied[i]!.from_stage !== applied[i - 1]!.to_stage) mismatches.push(`${key}: Verlauf ${applied[i - 1]!.id} → ${applied[i]!.id} lückenhaft`);
      }
    };
    for (const p of participants) replay('participant', `participant:${p.solution_id}:${p.ars}`, p.ars, p);
    for (const s of solutionRows) replay('solution', `solution:${s.id}`, null, s);
    for (const k of ticketRows) replay('ticket', `ticket:${k.id}`, null, k);
    t.same(mismatches, [], `${participants.length} participants, ${solutionRows.length} solutions, ${ticketRows.length} tickets equal their serial replay`);
    const moved = participants.filter((p) => p.revision > 1).length;
    t.ok(moved > 0, `${moved} participants moved more than once`);

    // 4. Every effect once: no effect's event twice, no job failed or left running, one SMTP message per mail.
    const { rows: twice } = await db.query(`select idempotency_key, count(*)::int as n from history where idempotency_key is not null group by 1 having count(*) > 1`);
    t.same(twice, [], 'no idempotency key twice in the history');
    const { rows: jobStates } = await db.query(`select status, count(*)::int as n from job group by 1 order by 1`);
    t.comment(`Jobs: ${JSON.stringify(jobStates)}`);
    const { rows: failed } = await db.query(`select kind, last_error from job where status in ('failed', 'running')`);
    t.same(failed, [], 'no job failed or was left running');
    const { rows: mails } = await db.query(`select message_id, status from mail_message`);
    const sent = mails.filter((m) => m.status === 'angenommen');
    const received = new Map<string, number>();
    for (const m of sink.messages) received.set(m.messageId, (received.get(m.messageId) ?? 0) + 1);
    t.same(
      sent.filter((m) => received.get(m.message_id) !== 1).map((m) => `${m.message_id}: ${received.get(m.message_id) ?? 0}×`),
      [],
      `each of the ${sent.length} accepted mails reached the SMTP server exactly once`,
    );
    const known = new Set(mails.map((m) => m.message_id));
    t.same(sink.messages.filter((m) => !known.has(m.messageId)).map((m) => m.messageId), [], 'no SMTP message without its mail row');
    t.equal(sink.messages.length, sent.length, 'as many SMTP messages as accepted mails');
    t.same(mails.filter((m) => !['angenommen', 'verworfen'].includes(m.status)).map((m) => `${m.message_id} ${m.status}`), [], 'every mail delivered or discarded');
  });

  t.test('a job enqueued by one instance is picked up by another before any of them polls', async (t) => {
    const sink = await startSmtpSink({ parse: false });
    t.teardown(() => sink.close());
    let instances: ServiceInstance[] = [];
    const url = await createTestDatabaseUrl(t, () => Promise.all(instances.map((instance) => instance.stop())));
    // Polling once a minute, and the first instance – which serves every request – runs one
    // job at a time: the others get jobs promptly only if they hear of them.
    const POLL_MS = 60_000;
    instances = await startInstances(
      t,
      3,
      { DATABASE_URL: url, EFA_ADMIN_TOKEN: ADMIN_TOKEN, SMTP_URL: sink.url, SMTP_RATE_LIMIT: '1000', RATE_LIMIT_API_PER_MINUTE: '0', JOB_POLL_INTERVAL_MS: String(POLL_MS), LOG_LEVEL: 'debug' },
      (index): Record<string, string> => (index === 0 ? { JOB_CONCURRENCY: '1' } : {}),
    );
    const { call } = client(instances);
    const api = (method: string, path: string, token: string, json?: unknown) => call('api', method, `/api/v1${path}`, { token, instance: 0, ...(json !== undefined ? { json } : {}) });
    const ministry = ok(await api('POST', '/admin/tokens', ADMIN_TOKEN, { role: 'ministry', ministry: 'MSGIV', label: 'Referat 32' }), 201).body.token as string;
    const solutions: string[] = [];
    for (const title of ['Meldebescheinigung online', 'Hundesteuer online']) {
      const id = ok(await api('POST', '/solutions', ministry, { title, ozgId: '10131', leikaKeys: ['99102013000000'], responsibility: { level: 'kreis' } }), 201).body.id as string;
      ok(await api('POST', `/solutions/${id}/events`, ministry, { type: 'ERSTINFORMATION_STARTEN' }));
      ok(await api('PUT', `/solutions/${id}/mail-details`, ministry, { kontaktName: 'Referat 32, Frau Beispiel', kontaktEmail: 'ozg@msgiv.example' }));
      solutions.push(id);
    }
    /** When each of the other instances finished a job or a batch of mail jobs (the log's time), from its debug lines. */
    const jobsDone = (instance: ServiceInstance) =>
      instance
        .output()
        .split('\n')
        .filter((line) => line.includes('"Job erledigt"') || line.includes('"Jobs erledigt"'))
        .map((line) => JSON.parse(line).time as number);
    const mailingDone = async (solutionId: string, mailingId: string) =>
      ok(await api('GET', `/solutions/${solutionId}/mailings/${mailingId}`, ministry)).body.messages.done === true;

    // A first mailing, however its jobs are found: afterwards every instance that ran one of
    // them polls next a minute after its last job at the earliest (each job ends with a poll).
    const first = ok(await api('POST', `/solutions/${solutions[0]}/mailings`, ministry, { kind: 'erstinformation' }), 201).body.mailingId as string;
    await until('die erste Aussendung', () => mailingDone(solutions[0]!, first), 150_000);
    const others = [instances[1]!, instances[2]!].map((instance) => ({ instance, last: Math.max(0, ...jobsDone(instance)) })).filter((o) => o.last > 0);
    t.ok(others.length > 0, 'the other instances took part in the first mailing');
    if (others.length === 0) return;

    // The second mailing: a job of it done by another instance before that instance's next
    // poll is due can only have been found through the notification.
    const enqueuedAt = Date.now();
    ok(await api('POST', `/solutions/${solutions[1]}/mailings`, ministry, { kind: 'erstinformation' }), 201);
    const beforePoll = () => others.some(({ instance, last }) => jobsDone(instance).some((at) => at >= enqueuedAt && at < last + POLL_MS - 1000));
    const deadline = Math.max(...others.map((o) => o.last)) + POLL_MS - 1000;
    if (deadline - enqueuedAt < 3000) {
      t.comment('die erste Aussendung endete vor fast einer Minute: eine Abfrage stünde bevor, die Prüfung entfällt');
      return;
    }
    while (!beforePoll() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    t.ok(beforePoll(), `another instance ran a job of the mailing sent through instance 1 before its next poll (${Math.round((deadline - enqueuedAt) / 1000)} s left of its minute)`);
    t.comment(`Jobs je Instanz: ${instances.map((instance) => jobsDone(instance).length).join(' / ')}`);
  });
}
