/**
 * `npm run bench:mail` – how fast the service sends an Erstinformation, against a
 * plain nodemailer loop sending the very same messages to the very same SMTP sink.
 *
 * For each database (PGlite on a temp on-disk data dir; PostgreSQL on a throwaway
 * server of its own, or a fresh database on BENCH_DATABASE_URL) the real runtime is
 * started in-process with SMTP_URL pointing at a real SMTP server (smtp-server, no
 * parsing) that runs in a child process (bench/mail-sink.child.ts), so the sink's work
 * does not share the event loop of the service or of the baseline. Cases:
 *
 * - brandenburg: a solution with Zuständigkeit `gemeinde` (195 addressees in Brandenburg)
 *                plus the multiplier copies; best of BENCH_MAIL_ROUNDS rounds.
 * - germany:     a solution with Zuständigkeit `liste` naming every Gemeinde of Germany
 *                (the Destatis extract ../shared/data/destatis-gv-auszug.csv imported into
 *                the same database, synthetic addresses poststelle.<ARS>@kommunen.example;
 *                gemeindefreie Gebiete excluded) plus the multiplier copies; one round.
 *
 * service:  wall time from POST /api/v1/solutions/:id/mailings {kind: 'erstinformation'}
 *           until GET …/mailings/:mailingId reports every message `angenommen` (and the
 *           sink holds them all): creating the mailing (message rows, jobs), claiming
 *           jobs, rendering, issuing answer links, status updates, SMTP through the
 *           service's pooled transport – what the product does. Beside the ratio the table
 *           shows the service's CPU per mail: process.cpuUsage() of this process (service,
 *           HTTP client and all) across that same phase, divided by the mails.
 * baseline: the raw MIME messages the sink received from the service in that same round,
 *           sent again to the same sink by a plain pooled nodemailer transport
 *           (same maxConnections, maxMessages 100), all at once: Promise.all(sendMail(raw)).
 *
 * Verified every round, else the benchmark fails: the mailing's rows all `angenommen`,
 * the sink received exactly one message per mail_message row (same recipients, same
 * Message-IDs, no duplicates), and the baseline delivered the same set again.
 * Between service and baseline the job queue is left to go idle (the Erstinformation
 * marks every participant informiert afterwards), so the baseline runs on a quiet machine.
 *
 * Environment: BENCH_MAIL_ROUNDS (3, Brandenburg case), BENCH_MAIL_GERMANY (postgres: the
 * ~11,000-Gemeinden case on PostgreSQL only – on PGlite it takes several minutes; all: on
 * both; none), BENCH_SMTP_CONNECTIONS (5), BENCH_JOB_CONCURRENCY (8),
 * BENCH_JOB_POLL_MS (100), BENCH_DATABASE_URL (use that server instead of starting one),
 * BENCH_MAIL_PGLITE (1; 0 skips PGlite), BENCH_MAIL_POSTGRES (1; 0 skips PostgreSQL).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { createTransport } from 'nodemailer';
import type { Runtime } from '../src/runtime.ts';
import { importDirectory } from '../src/directory/directory.import.ts';
import type { AuthorityKind } from '../src/db/schema.ts';
import {
  benchOnPglite,
  benchOnPostgres,
  hostInfo,
  intEnv,
  isInterrupted,
  jobQueueIdle,
  onCleanup,
  printTable,
  progress,
  roundTo,
  runBench,
  sleep,
  startBenchService,
  waitFor,
  type AdminApi,
} from './bench.support.ts';
import type { ParentToSink, SinkMessage, SinkToParent } from './mail-sink.child.ts';

// ---------------------------------------------------------------- settings

const ROUNDS = intEnv('BENCH_MAIL_ROUNDS', 3, 1);
/**
 * Where the ~11,000-Gemeinden case runs: on PGlite it takes several minutes (single
 * connection, ~30 ms per mail, plus informing 11,000 participants afterwards), so by
 * default only on PostgreSQL.
 */
const GERMANY_ON = (() => {
  const raw = (process.env.BENCH_MAIL_GERMANY?.trim() || 'postgres').toLowerCase();
  if (!['postgres', 'all', 'none'].includes(raw)) throw new Error(`BENCH_MAIL_GERMANY=${raw}: expected postgres, all or none`);
  return raw as 'postgres' | 'all' | 'none';
})();
const germanyOn = (database: string) => GERMANY_ON === 'all' || (GERMANY_ON === 'postgres' && database === 'postgres');
const WITH_PGLITE = intEnv('BENCH_MAIL_PGLITE', 1, 0) > 0;
const WITH_POSTGRES = intEnv('BENCH_MAIL_POSTGRES', 1, 0) > 0;
const SMTP_CONNECTIONS = intEnv('BENCH_SMTP_CONNECTIONS', 5, 1);
const JOB_CONCURRENCY = intEnv('BENCH_JOB_CONCURRENCY', 8, 1);
const JOB_POLL_MS = intEnv('BENCH_JOB_POLL_MS', 100, 10);
/** The config's maximum: high enough not to cap (checked after every service run). */
const SMTP_RATE_LIMIT = 10_000;
const DESTATIS_FILE = fileURLToPath(new URL('../../shared/data/destatis-gv-auszug.csv', import.meta.url));
const SINK_CHILD = fileURLToPath(new URL('./mail-sink.child.ts', import.meta.url));
const MULTIPLIERS = ['geschaeftsstelle@staedte-gemeindebund.example', 'geschaeftsstelle@landkreistag.example', 'kaz@zit-bb.example'];
/** Brandenburg, Gemeinde level: 52 Ämter, 138 amtsfreie Gemeinden, 4 kreisfreie Städte, 1 Verbandsgemeinde. */
const BRANDENBURG_ADDRESSEES = 195;
/** Every kind of authority that is a Gemeinde (kreisfreie Städte/Stadtkreise are Kreis and Gemeinde in one). */
const GEMEINDE_KINDS: AuthorityKind[] = [
  'amtsfreie_gemeinde',
  'verbandsfreie_gemeinde',
  'amtsangehoerige_gemeinde',
  'ortsgemeinde',
  'mitgliedsgemeinde',
  'kreisfreie_stadt',
  'stadtkreis',
];
const MAIL_TIMEOUT_MS = 15 * 60_000;
const SETUP_TIMEOUT_MS = 10 * 60_000;

// ---------------------------------------------------------------- SMTP sink (child process)

class SinkProcess {
  private waiters: ((message: SinkToParent) => boolean)[] = [];

  private readonly child: ChildProcess;
  readonly port: number;
  private constructor(
    child: ChildProcess,
    port: number,
  ) {
    this.child = child;
    this.port = port;
    child.on('message', (message: SinkToParent) => {
      this.waiters = this.waiters.filter((accept) => !accept(message));
    });
  }

  static async start(): Promise<SinkProcess> {
    const child = fork(SINK_CHILD, [], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('SMTP sink child did not start within 60 s')), 60_000);
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`SMTP sink child exited with ${code}`)));
      child.once('message', (message: SinkToParent) => {
        clearTimeout(timer);
        if (message.type === 'ready') resolve(message.port);
        else reject(new Error(`unexpected first message from the sink: ${message.type}`));
      });
    });
    child.removeAllListeners('exit');
    child.removeAllListeners('error');
    return new SinkProcess(child, port);
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  private next<T extends SinkToParent['type']>(type: T): Promise<Extract<SinkToParent, { type: T }>> {
    return new Promise((resolve) => {
      this.waiters.push((message) => {
        if (message.type !== type) return false;
        resolve(message as Extract<SinkToParent, { type: T }>);
        return true;
      });
    });
  }

  private send(message: ParentToSink): void {
    this.child.send(message);
  }

  /** Resolves once the sink holds `count` messages (counted in the child as they arrive). */
  expect(count: number): Promise<void> {
    const reached = this.next('reached');
    this.send({ type: 'expect', count });
    return reached.then(() => undefined);
  }

  /** Every stored message, and the sink forgets them. */
  async take(): Promise<SinkMessage[]> {
    const taken = this.next('taken');
    this.send({ type: 'take' });
    return (await taken).messages;
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.send({ type: 'close' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------- verification

interface Expected {
  /** Message-ID → recipient address, from the mailing's mail_message rows. */
  byMessageId: Map<string, string>;
}

/** Checks the sink's messages against the mailing's rows; returns the number of duplicates (0, else it throws). */
function verifyDelivery(what: string, messages: SinkMessage[], expected: Expected): { duplicates: number; distinctRecipients: number } {
  const seen = new Map<string, number>();
  const recipients = new Set<string>();
  const problems: string[] = [];
  for (const m of messages) {
    seen.set(m.messageId, (seen.get(m.messageId) ?? 0) + 1);
    const want = expected.byMessageId.get(m.messageId);
    if (want === undefined) problems.push(`unexpected Message-ID ${m.messageId}`);
    else if (m.envelopeTo.length !== 1 || m.envelopeTo[0]!.toLowerCase() !== want.toLowerCase()) {
      problems.push(`${m.messageId} went to ${m.envelopeTo.join(',')}, expected ${want}`);
    }
    for (const to of m.envelopeTo) recipients.add(to.toLowerCase());
  }
  const duplicates = [...seen.values()].reduce((sum, n) => sum + (n - 1), 0);
  const missing = [...expected.byMessageId.keys()].filter((id) => !seen.has(id)).length;
  if (duplicates) problems.push(`${duplicates} duplicate message(s)`);
  if (missing) problems.push(`${missing} message(s) missing`);
  if (messages.length !== expected.byMessageId.size) problems.push(`sink holds ${messages.length}, expected ${expected.byMessageId.size}`);
  const expectedRecipients = new Set([...expected.byMessageId.values()].map((a) => a.toLowerCase()));
  if (recipients.size !== expectedRecipients.size) problems.push(`${recipients.size} distinct recipients, expected ${expectedRecipients.size}`);
  if (problems.length) throw new Error(`verification failed (${what}): ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` … (${problems.length})` : ''}`);
  return { duplicates, distinctRecipients: recipients.size };
}

// ---------------------------------------------------------------- one round

interface RoundResult {
  mails: number;
  distinctRecipients: number;
  duplicates: number;
  serviceMs: number;
  /** Until the sink held every message (≤ serviceMs; the rest is the last status updates and the poll). */
  serviceSinkMs: number;
  baselineMs: number;
  /** CPU time (user + system) of this process – service, or baseline client – during the run. */
  serviceCpuMs: number;
  baselineCpuMs: number;
}

const cpuMs = (since: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
};

interface Context {
  label: string;
  rt: Runtime;
  api: AdminApi;
  sink: SinkProcess;
  baseline: ReturnType<typeof createTransport>;
}

/** A solution in stage `erstinformation` with the given Zuständigkeit; returns its id and participant count. */
async function prepareSolution(ctx: Context, title: string, responsibility: Record<string, unknown>): Promise<{ id: string; participants: number }> {
  const solution = await ctx.api.expect(201, 'POST', '/api/v1/solutions', {
    title,
    ozgId: '99999',
    leikaKeys: ['99000000000000'],
    leadMinistry: 'MIK',
    description: 'Benchmark Erstinformation',
    responsibility,
  });
  const participants = Object.values(solution.participantsByStage as Record<string, number>).reduce((a, b) => a + b, 0);
  // A mailing needs the contact it signs with and that answers go to.
  await ctx.api.expect(200, 'PUT', `/api/v1/solutions/${solution.id}/mail-details`, {
    kontaktName: 'Referat 11, Benchmark',
    kontaktEmail: 'referat11@mik.example',
  });
  await ctx.api.expect(200, 'POST', `/api/v1/solutions/${solution.id}/events`, { type: 'ERSTINFORMATION_STARTEN' });
  return { id: solution.id, participants };
}

async function runRound(ctx: Context, what: string, solutionId: string): Promise<RoundResult> {
  const { rt, api, sink } = ctx;
  const db = rt.handle.db;
  await waitFor(`${what}: job queue idle before the run`, SETUP_TIMEOUT_MS, 50, () => jobQueueIdle(rt));
  const stray = await sink.take();
  if (stray.length) throw new Error(`${what}: the sink received ${stray.length} message(s) nobody sent in a run`);

  // What the service must send: one message per participant with an address, plus the multipliers.
  const addressed = await db
    .selectFrom('participant as p')
    .innerJoin('authority as a', 'a.ars', 'p.ars')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('p.solution_id', '=', solutionId)
    .where('a.email', 'is not', null)
    .executeTakeFirstOrThrow();
  const expectedCount = addressed.n + MULTIPLIERS.length;

  // ---- service
  const sinkFull = sink.expect(expectedCount);
  let sinkFullAt: number | null = null;
  void sinkFull.then(() => (sinkFullAt = performance.now()));
  const cpuStarted = process.cpuUsage();
  const started = performance.now();
  const created = await api.expect(201, 'POST', `/api/v1/solutions/${solutionId}/mailings`, { kind: 'erstinformation' });
  if (created.messages !== expectedCount || created.withoutAddress.length) {
    throw new Error(`${what}: mailing has ${created.messages} messages (${created.withoutAddress.length} without address), expected ${expectedCount}`);
  }
  const progressPath = `/api/v1/solutions/${solutionId}/mailings/${created.mailingId}`;
  let serviceMs = 0;
  let serviceCpuMs = 0;
  const deadline = Date.now() + MAIL_TIMEOUT_MS;
  for (;;) {
    // Until the sink is full, look only once a second (a client watching progress would);
    // then every 10 ms until the database shows every message angenommen.
    if (sinkFullAt === null) await Promise.race([sinkFull, sleep(1000)]);
    else await sleep(10);
    const state = await api.expect(200, 'GET', progressPath);
    if (state.messages.done) {
      serviceMs = performance.now() - started;
      serviceCpuMs = cpuMs(cpuStarted);
      const accepted = state.messages.byStatus.angenommen ?? 0;
      if (accepted !== expectedCount || state.messages.total !== expectedCount) {
        throw new Error(`${what}: mailing done with ${JSON.stringify(state.messages.byStatus)}, expected ${expectedCount} angenommen`);
      }
      break;
    }
    if (isInterrupted()) throw new Error('interrupted');
    if (Date.now() > deadline) throw new Error(`${what}: mailing not done after ${MAIL_TIMEOUT_MS / 1000} s: ${JSON.stringify(state.messages)}`);
  }
  await sinkFull;
  const serviceSinkMs = (sinkFullAt ?? performance.now()) - started;
  const rows = await db
    .selectFrom('mail_message')
    .select(['message_id', 'recipient_email', 'status'])
    .where('mailing_id', '=', created.mailingId)
    .execute();
  const notAccepted = rows.filter((r) => r.status !== 'angenommen').length;
  if (rows.length !== expectedCount || notAccepted) throw new Error(`${what}: ${rows.length} rows, ${notAccepted} not angenommen`);
  const expected: Expected = { byMessageId: new Map(rows.map((r) => [r.message_id, r.recipient_email])) };
  const received = await sink.take();
  const serviceCheck = verifyDelivery(`${what}, service`, received, expected);

  // The Erstinformation goes on: the sent mailing marks every participant informiert.
  await waitFor(`${what}: job queue idle after the mailing`, SETUP_TIMEOUT_MS, 50, () => jobQueueIdle(rt));
  const late = await sink.take();
  if (late.length) throw new Error(`${what}: ${late.length} more message(s) arrived after the mailing was done`);

  // ---- baseline: the same raw messages, the same sink, a plain pooled nodemailer transport
  const baselineFull = sink.expect(received.length);
  const baselineCpuStarted = process.cpuUsage();
  const baselineStarted = performance.now();
  await Promise.all(
    received.map((m) =>
      ctx.baseline.sendMail({
        envelope: { from: m.envelopeFrom ?? '', to: m.envelopeTo },
        raw: Buffer.from(m.raw.buffer, m.raw.byteOffset, m.raw.byteLength),
      }),
    ),
  );
  const baselineMs = performance.now() - baselineStarted;
  const baselineCpuMs = cpuMs(baselineCpuStarted);
  await baselineFull;
  verifyDelivery(`${what}, baseline`, await sink.take(), expected);

  return { mails: expectedCount, distinctRecipients: serviceCheck.distinctRecipients, duplicates: serviceCheck.duplicates, serviceMs, serviceSinkMs, baselineMs, serviceCpuMs, baselineCpuMs };
}

// ---------------------------------------------------------------- one database

interface CaseResult {
  case: string;
  database: string;
  rounds: number;
  mails: number;
  distinctRecipients: number;
  duplicates: number;
  serviceMs: number;
  serviceSinkMs: number;
  baselineMs: number;
  serviceCpuMs: number;
  baselineCpuMs: number;
  servicePerSec: number;
  baselinePerSec: number;
  ratio: number;
}

function toCase(name: string, database: string, runs: RoundResult[]): CaseResult {
  // Best round of each side (as bench/engine.bench.ts); the Germany case has one round.
  const bestService = runs.reduce((a, b) => (b.serviceMs < a.serviceMs ? b : a));
  const bestBaseline = runs.reduce((a, b) => (b.baselineMs < a.baselineMs ? b : a));
  const servicePerSec = bestService.mails / (bestService.serviceMs / 1000);
  const baselinePerSec = bestBaseline.mails / (bestBaseline.baselineMs / 1000);
  return {
    case: name,
    database,
    rounds: runs.length,
    mails: bestService.mails,
    distinctRecipients: bestService.distinctRecipients,
    duplicates: runs.reduce((sum, r) => sum + r.duplicates, 0),
    serviceMs: bestService.serviceMs,
    serviceSinkMs: bestService.serviceSinkMs,
    baselineMs: bestBaseline.baselineMs,
    serviceCpuMs: bestService.serviceCpuMs,
    baselineCpuMs: bestBaseline.baselineCpuMs,
    servicePerSec,
    baselinePerSec,
    ratio: servicePerSec / baselinePerSec,
  };
}

async function benchDatabase(label: string, env: Record<string, string>, sink: SinkProcess): Promise<CaseResult[]> {
  const service = await startBenchService(label, {
    ...env,
    SMTP_URL: sink.url,
    SMTP_MAX_CONNECTIONS: String(SMTP_CONNECTIONS),
    SMTP_RATE_LIMIT: String(SMTP_RATE_LIMIT),
    JOB_CONCURRENCY: String(JOB_CONCURRENCY),
    JOB_POLL_INTERVAL_MS: String(JOB_POLL_MS),
    MULTIPLIER_EMAILS: MULTIPLIERS.join(','),
    PUBLIC_BASE_URL: 'https://efa-rollout.example',
  });
  const rt = service.runtime;
  const baseline = createTransport({
    host: '127.0.0.1',
    port: sink.port,
    secure: false,
    ignoreTLS: true,
    pool: true,
    maxConnections: SMTP_CONNECTIONS,
    maxMessages: 100,
  });
  const closeBaseline = onCleanup(`${label} baseline transport`, () => baseline.close());
  try {
    const ctx: Context = { label, rt, api: service.api, sink, baseline };
    const results: CaseResult[] = [];

    // Warm-up: one unmeasured Brandenburg round (JIT, pools, link secret, caches).
    const warm = await prepareSolution(ctx, 'Benchmark Warm-up', { level: 'gemeinde' });
    if (warm.participants !== BRANDENBURG_ADDRESSEES) throw new Error(`warm-up: ${warm.participants} participants, expected ${BRANDENBURG_ADDRESSEES}`);
    const w = await runRound(ctx, `${label} warm-up`, warm.id);
    progress(`${label}: warm-up ${w.mails} mails: service ${(w.serviceMs / 1000).toFixed(2)} s, baseline ${(w.baselineMs / 1000).toFixed(2)} s`);

    const bb: RoundResult[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const solution = await prepareSolution(ctx, `Benchmark Brandenburg ${round}`, { level: 'gemeinde' });
      if (solution.participants !== BRANDENBURG_ADDRESSEES) throw new Error(`${solution.participants} participants, expected ${BRANDENBURG_ADDRESSEES}`);
      const r = await runRound(ctx, `${label} brandenburg ${round}/${ROUNDS}`, solution.id);
      bb.push(r);
      progress(
        `${label}: brandenburg round ${round}/${ROUNDS}: ${r.mails} mails, service ${(r.mails / (r.serviceMs / 1000)).toFixed(0)} mails/s ` +
          `(${(r.serviceMs / 1000).toFixed(2)} s, process CPU ${(r.serviceCpuMs / 1000).toFixed(2)} s = ${(r.serviceCpuMs / r.mails).toFixed(2)} ms per mail; sink full after ${(r.serviceSinkMs / 1000).toFixed(2)} s), ` +
          `baseline ${(r.mails / (r.baselineMs / 1000)).toFixed(0)} mails/s (${(r.baselineMs / 1000).toFixed(2)} s, process CPU ${(r.baselineCpuMs / 1000).toFixed(2)} s)`,
      );
    }
    results.push(toCase('brandenburg', label, bb));

    if (germanyOn(label)) {
      const setupStarted = performance.now();
      const summary = await importDirectory(rt.handle.db, { content: readFileSync(DESTATIS_FILE), sourceName: 'destatis-gv-auszug.csv' });
      const addressed = await sql`update authority set email = 'poststelle.' || ars || '@kommunen.example' where email is null`.execute(rt.handle.db);
      const gemeinden = await rt.handle.db
        .selectFrom('authority')
        .select('ars')
        .where('active', '=', true)
        .where('kind', 'in', GEMEINDE_KINDS)
        .orderBy('ars')
        .execute();
      const solution = await prepareSolution(ctx, 'Benchmark Deutschland', { level: 'liste', land: '12', authorities: gemeinden.map((g) => g.ars) });
      if (solution.participants !== gemeinden.length) throw new Error(`germany: ${solution.participants} participants, expected ${gemeinden.length}`);
      progress(
        `${label}: germany: imported ${summary.total} authorities (${summary.deactivated} deactivated), ${Number(addressed.numAffectedRows ?? 0n)} ` +
          `synthetic addresses, ${gemeinden.length} Gemeinden as participants (setup ${((performance.now() - setupStarted) / 1000).toFixed(1)} s)`,
      );
      const r = await runRound(ctx, `${label} germany`, solution.id);
      progress(
        `${label}: germany: ${r.mails} mails, service ${(r.mails / (r.serviceMs / 1000)).toFixed(0)} mails/s (${(r.serviceMs / 1000).toFixed(2)} s, ` +
          `process CPU ${(r.serviceCpuMs / 1000).toFixed(2)} s = ${(r.serviceCpuMs / r.mails).toFixed(2)} ms per mail; sink full after ${(r.serviceSinkMs / 1000).toFixed(2)} s), ` +
          `baseline ${(r.mails / (r.baselineMs / 1000)).toFixed(0)} mails/s (${(r.baselineMs / 1000).toFixed(2)} s, process CPU ${(r.baselineCpuMs / 1000).toFixed(2)} s)`,
      );
      results.push(toCase('germany', label, [r]));
    }
    for (const r of results) {
      if (r.servicePerSec > SMTP_RATE_LIMIT * 0.8) progress(`warning: ${r.case}/${r.database} service rate is near SMTP_RATE_LIMIT=${SMTP_RATE_LIMIT}`);
    }
    return results;
  } finally {
    await closeBaseline();
    await service.close();
  }
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const header = {
    ...hostInfo(),
    smtpPool: SMTP_CONNECTIONS,
    jobConcurrency: JOB_CONCURRENCY,
    jobPollMs: JOB_POLL_MS,
    smtpRateLimit: SMTP_RATE_LIMIT,
    brandenburgRounds: ROUNDS,
  };
  console.log('efa-rollout mail benchmark: Erstinformation through the service vs. plain pooled nodemailer, same messages, same SMTP sink');
  console.log(
    `node ${header.node} | ${header.cpu} (${header.cores} cores) | SMTP pool ${SMTP_CONNECTIONS} connections (maxMessages 100) | ` +
      `JOB_CONCURRENCY ${JOB_CONCURRENCY} | JOB_POLL_INTERVAL_MS ${JOB_POLL_MS} | SMTP_RATE_LIMIT ${SMTP_RATE_LIMIT}/s`,
  );
  console.log(
    `sink: smtp-server (no parsing) in a child process | brandenburg: best of ${ROUNDS} rounds after a warm-up | ` +
      `germany: 1 round, ${
        GERMANY_ON === 'all' ? 'PGlite and PostgreSQL (BENCH_MAIL_GERMANY=all)' : GERMANY_ON === 'postgres' ? 'PostgreSQL only (BENCH_MAIL_GERMANY=all adds PGlite, several minutes)' : 'skipped (BENCH_MAIL_GERMANY=none)'
      }`,
  );

  const sink = await SinkProcess.start();
  const closeSink = onCleanup('smtp sink child', () => sink.close());
  progress(`SMTP sink child on 127.0.0.1:${sink.port}`);
  const results: CaseResult[] = [];
  let postgresNote = 'skipped (BENCH_MAIL_POSTGRES=0)';
  try {
    if (WITH_PGLITE) results.push(...(await benchOnPglite('efa-bench-mail', (env) => benchDatabase('pglite', env, sink))));
    if (WITH_POSTGRES) {
      const postgres = await benchOnPostgres('efa-bench-mail', (env) => benchDatabase('postgres', env, sink));
      postgresNote = postgres.note;
      if (postgres.result) results.push(...postgres.result);
    }
  } finally {
    await closeSink();
  }

  console.log(`postgres: ${postgresNote}`);
  console.log('');
  printTable(
    ['case', 'database', 'mails', 'service mails/s', 'baseline mails/s', 'ratio', 'service CPU ms/mail', 'service s', 'baseline s'],
    results.map((r) => [
      r.case,
      r.database,
      String(r.mails),
      r.servicePerSec.toFixed(0),
      r.baselinePerSec.toFixed(0),
      r.ratio.toFixed(3),
      (r.serviceCpuMs / r.mails).toFixed(2),
      (r.serviceMs / 1000).toFixed(2),
      (r.baselineMs / 1000).toFixed(2),
    ]),
    2,
  );
  console.log(
    `verified: ${results
      .map((r) => `${r.case}/${r.database} ${r.distinctRecipients} distinct recipients, ${r.duplicates} duplicates`)
      .join('; ')} – every message angenommen in the database, one per recipient at the sink, the baseline delivered the same set`,
  );
  console.log('');
  console.log(
    JSON.stringify({
      ...header,
      sink: 'child process',
      postgres: postgresNote,
      pick: 'best round per side',
      results: results.map((r) => ({
        case: r.case,
        database: r.database,
        rounds: r.rounds,
        mails: r.mails,
        distinctRecipients: r.distinctRecipients,
        duplicates: r.duplicates,
        serviceMailsPerSec: roundTo(r.servicePerSec, 1),
        baselineMailsPerSec: roundTo(r.baselinePerSec, 1),
        ratio: roundTo(r.ratio, 4),
        serviceSeconds: roundTo(r.serviceMs / 1000, 3),
        serviceSinkFullSeconds: roundTo(r.serviceSinkMs / 1000, 3),
        baselineSeconds: roundTo(r.baselineMs / 1000, 3),
        serviceProcessCpuSeconds: roundTo(r.serviceCpuMs / 1000, 3),
        serviceCpuMsPerMail: roundTo(r.serviceCpuMs / r.mails, 3),
        baselineProcessCpuSeconds: roundTo(r.baselineCpuMs / 1000, 3),
        verified: true,
      })),
    }),
  );
}

await runBench('bench:mail', main);
