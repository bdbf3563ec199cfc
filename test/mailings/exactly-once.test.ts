import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSmtpSink, type ReceivedMail } from '../helpers/smtp-sink.ts';
import { createTestDatabaseUrl, databaseKinds } from '../helpers/databases.ts';
import { freeLoopbackPort } from '../helpers/net.ts';

/**
 * Exactly once across a crash: the real service (bin/efa-rollout.js serve, on PGlite and on
 * PostgreSQL) sends an
 * Erstinformation to all Brandenburg authorities through a real SMTP server on loopback,
 * is killed with SIGKILL after about a third, restarted on the same data directory, and
 * finishes. Every recipient must hold one message; a second copy is only tolerated for an
 * in-doubt send (accepted by the server, the process died before recording it), and then
 * it must be the same message (same Message-ID) – see src/mail/mail-send.activity.ts.
 */

const BIN = fileURLToPath(new URL('../../bin/efa-rollout.js', import.meta.url));
const ADMIN_TOKEN = 'exactly-once-admin-token-0123456789';
const MULTIPLIERS = ['sgb@staedte-gemeindebund.example', 'kaz@zit-bb.example'];
const AUTHORITIES = 484;
const RATE_LIMIT = 60;
const LEASE_SECONDS = 3;
const DONE_TIMEOUT_MS = 120_000;
const STABLE_MS = 2000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Service {
  child: ChildProcess;
  exited: Promise<void>;
  /** stdout and stderr (LOG_LEVEL=warn: JSON lines of warnings and errors). */
  output: string[];
}

function startService(env: Record<string, string>): Service {
  const child = spawn(process.execPath, [BIN, 'serve'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return { child, exited, output };
}

async function waitForHealth(url: string, service: Service, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (service.child.exitCode !== null || service.child.signalCode !== null) {
      throw new Error(`service exited (${service.child.exitCode ?? service.child.signalCode}): ${service.output.join('').slice(-2000)}`);
    }
    try {
      const response = await fetch(`${url}/health`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`service not healthy after ${timeoutMs} ms: ${service.output.join('').slice(-2000)}`);
}

async function kill(service: Service | null): Promise<void> {
  if (!service) return;
  if (service.child.exitCode === null && service.child.signalCode === null) service.child.kill('SIGKILL');
  await service.exited;
}

/** Lines of the service's JSON log at warn level or above (pino: 40 warn, 50 error, 60 fatal). */
function logSummary(output: string[]): { warn: number; error: number; messages: Map<string, number> } {
  const messages = new Map<string, number>();
  let warn = 0;
  let error = 0;
  for (const line of output.join('').split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string };
      if ((entry.level ?? 0) >= 50) error++;
      else if ((entry.level ?? 0) >= 40) warn++;
      else continue;
      const key = `${entry.level}: ${entry.msg ?? '?'}`;
      messages.set(key, (messages.get(key) ?? 0) + 1);
    } catch {
      // not a log line
    }
  }
  return { warn, error, messages };
}

interface MessageRow {
  email: string;
  role: string;
  status: string;
  messageId: string;
  attempts: number;
}

for (const kind of databaseKinds()) t.test(`${kind}: SIGKILL in the middle of a mailing to 486 recipients, restart: every recipient holds exactly one message`, async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'efa-exactly-once-'));
  // Phase of each received message: which service process was alive when the sink stored it.
  const arrivals: { mail: ReceivedMail; at: number }[] = [];
  const sink = await startSmtpSink({ parse: false, onMessage: (mail) => arrivals.push({ mail, at: Date.now() }) });
  let first: Service | null = null;
  let second: Service | null = null;
  t.teardown(async () => {
    await kill(first);
    await kill(second);
    await sink.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const port = await freeLoopbackPort();
  const url = `http://127.0.0.1:${port}`;
  const env = {
    ...(kind === 'postgres' ? { DATABASE_URL: await createTestDatabaseUrl(t) } : {}),
    DATA_DIR: dataDir,
    PORT: String(port),
    EFA_ADMIN_TOKEN: ADMIN_TOKEN,
    LOG_LEVEL: 'warn',
    SMTP_URL: sink.url,
    SMTP_RATE_LIMIT: String(RATE_LIMIT),
    SMTP_MAX_CONNECTIONS: '5',
    JOB_LEASE_SECONDS: String(LEASE_SECONDS),
    JOB_POLL_INTERVAL_MS: '100',
    MULTIPLIER_EMAILS: MULTIPLIERS.join(','),
    PUBLIC_BASE_URL: 'http://efa.test',
  };
  const api = async (method: string, path: string, body?: object) => {
    const response = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null, text };
  };

  const startedAt = Date.now();
  first = startService(env);
  await waitForHealth(url, first);
  const firstHealthyMs = Date.now() - startedAt;

  const authorities = await api('GET', '/authorities?limit=1000');
  t.equal(authorities.status, 200, 'authorities listed', { body: authorities.text.slice(0, 500) });
  const items = authorities.body.items as { ars: string; email: string | null }[];
  t.equal(items.length, AUTHORITIES, 'the Brandenburg fixture is loaded');
  t.ok(items.every((a) => a.email), 'every authority has an e-mail address');
  const expectedRecipients = new Set([...items.map((a) => a.email!.toLowerCase()), ...MULTIPLIERS]);
  t.equal(expectedRecipients.size, AUTHORITIES + MULTIPLIERS.length, 'addresses are distinct');

  const solution = await api('POST', '/solutions', {
    title: 'Elterngeld digital – Absturztest',
    ozgId: '10310',
    leikaKeys: ['99036005000000'],
    leadMinistry: 'MIK',
    responsibility: { level: 'liste', authorities: items.map((a) => a.ars) },
  });
  t.equal(solution.status, 201, 'solution created over all authorities', { body: solution.text.slice(0, 500) });
  const base = `/solutions/${solution.body.id}`;
  const started = await api('POST', `${base}/events`, { type: 'ERSTINFORMATION_STARTEN' });
  t.equal(started.status, 200, 'Erstinformation started', { body: started.text.slice(0, 500) });

  const details = await api('PUT', `${base}/mail-details`, { kontaktName: 'Referat 11', kontaktEmail: 'referat11@mik.example' });
  t.equal(details.status, 200, 'contact set', { body: details.text.slice(0, 500) });
  const mailing = await api('POST', `${base}/mailings`, { kind: 'erstinformation' });
  t.equal(mailing.status, 201, 'mailing created', { body: mailing.text.slice(0, 500) });
  const mailingCreatedAt = Date.now();
  const total = mailing.body.messages as number;
  t.equal(total, AUTHORITIES + MULTIPLIERS.length, 'one message per authority and multiplier');
  t.same(mailing.body.withoutAddress, [], 'no authority without address');
  const mailingUrl = `${base}/mailings/${mailing.body.mailingId}`;

  // Kill the sending process once about a third has reached the server.
  const killAt = Math.round(total / 3);
  const killDeadline = Date.now() + 60_000;
  while (sink.messages.length < killAt) {
    if (Date.now() > killDeadline) throw new Error(`only ${sink.messages.length} messages arrived within 60 s: ${first.output.join('').slice(-2000)}`);
    if (first.child.exitCode !== null) throw new Error(`service exited early: ${first.output.join('').slice(-2000)}`);
    await sleep(5);
  }
  first.child.kill('SIGKILL');
  const killedAt = Date.now();
  const atKill = sink.messages.length;
  // The pid must be reaped, or the lock's holder would still look alive.
  await first.exited;
  t.equal(first.child.signalCode, 'SIGKILL', 'the first process died of SIGKILL');
  const firstLog = logSummary(first.output);
  // What the dead process had already put on the wire may still arrive: count it to the first process.
  await sleep(200);
  const beforeRestart = sink.messages.length;

  const restartAt = Date.now();
  second = startService(env);
  await waitForHealth(url, second);
  const restartHealthyMs = Date.now() - restartAt;

  // Wait until the mailing is done and nothing more arrives for a while.
  let progress: { messages: { done: boolean; byStatus: Record<string, number>; open: number } } | null = null;
  let doneAt = 0;
  const until = Date.now() + DONE_TIMEOUT_MS;
  let lastCount = sink.messages.length;
  let lastChange = Date.now();
  for (;;) {
    if (Date.now() > until) break;
    if (second.child.exitCode !== null) throw new Error(`restarted service exited: ${second.output.join('').slice(-2000)}`);
    if (sink.messages.length !== lastCount) {
      lastCount = sink.messages.length;
      lastChange = Date.now();
    }
    if (!progress?.messages.done) {
      const response = await api('GET', mailingUrl);
      if (response.status === 200) progress = response.body;
      if (progress?.messages.done) doneAt = Date.now();
    }
    if (progress?.messages.done && Date.now() - lastChange >= STABLE_MS) break;
    await sleep(250);
  }
  t.ok(progress?.messages.done, `the mailing is done within ${DONE_TIMEOUT_MS / 1000} s (${JSON.stringify(progress?.messages)})`);

  const list = await api('GET', `${mailingUrl}/messages?limit=1000`);
  t.equal(list.status, 200, 'messages listed', { body: list.text.slice(0, 500) });
  const rows = list.body.items as MessageRow[];
  t.equal(rows.length, total, 'every message is listed');
  const jobs = await api('GET', '/admin/jobs?limit=500');
  const jobAttempts: Record<string, number> = {};
  for (const job of (jobs.body?.items ?? []) as { kind: string; attempts: number }[]) {
    if (job.kind === 'mail.send') jobAttempts[job.attempts] = (jobAttempts[job.attempts] ?? 0) + 1;
  }
  const secondLog = logSummary(second.output);

  // ---- counting ----
  const byRecipient = new Map<string, string[]>();
  for (const mail of sink.messages) {
    for (const to of mail.envelopeTo) {
      const key = to.toLowerCase();
      const ids = byRecipient.get(key) ?? [];
      ids.push(mail.messageId);
      byRecipient.set(key, ids);
    }
  }
  const dbByRecipient = new Map(rows.map((row) => [row.email.toLowerCase(), row]));

  const missing = [...expectedRecipients].filter((r) => !byRecipient.has(r));
  const unexpected = [...byRecipient.keys()].filter((r) => !expectedRecipients.has(r));
  const duplicates = [...byRecipient.entries()].filter(([, ids]) => ids.length > 1);
  const rawDuplicates = duplicates.reduce((sum, [, ids]) => sum + ids.length - 1, 0);
  const differentMessages = [...byRecipient.entries()].filter(([, ids]) => new Set(ids).size > 1);
  const wrongMessageId = [...byRecipient.entries()].filter(([to, ids]) => ids.some((id) => id !== dbByRecipient.get(to)?.messageId));
  const inDoubt = rows.filter((row) => row.attempts > 1);
  const duplicateWithoutRetry = duplicates.filter(([to]) => (dbByRecipient.get(to)?.attempts ?? 0) <= 1);
  const attemptsHistogram: Record<string, number> = {};
  for (const row of rows) attemptsHistogram[row.attempts] = (attemptsHistogram[row.attempts] ?? 0) + 1;
  const finalStatuses: Record<string, number> = {};
  for (const row of rows) finalStatuses[row.status] = (finalStatuses[row.status] ?? 0) + 1;
  const firstAfterRestart = arrivals.find((a) => a.at >= restartAt);
  // The kill explains at most one extra copy: one handed over by the killed process (in
  // doubt), one re-sent by the restarted one. More copies from one and the same process
  // mean a job ran again while it was still running (lease expired), not the crash.
  const copiesByPhase = new Map<string, { before: number; after: number }>();
  for (const { mail, at } of arrivals) {
    for (const to of mail.envelopeTo) {
      const entry = copiesByPhase.get(to.toLowerCase()) ?? { before: 0, after: 0 };
      if (at < restartAt) entry.before++;
      else entry.after++;
      copiesByPhase.set(to.toLowerCase(), entry);
    }
  }
  const crashDuplicates = [...copiesByPhase.values()].filter((c) => c.before > 0 && c.after > 0).length;
  const sameProcessDuplicates = [...copiesByPhase.entries()]
    .filter(([, c]) => c.before > 1 || c.after > 1)
    .map(([to, c]) => ({ to, ...c }));

  t.comment(`recipients: ${expectedRecipients.size} (${AUTHORITIES} authorities + ${MULTIPLIERS.length} multipliers); messages in the mailing: ${total}`);
  t.comment(`delivered before the kill: ${atKill} (kill threshold ${killAt}); by the first process in all: ${beforeRestart}`);
  t.comment(`delivered after the restart: ${sink.messages.length - beforeRestart}; raw deliveries in all: ${sink.messages.length}`);
  t.comment(`recipients with a mail: ${byRecipient.size}; missing: ${missing.length}; unexpected: ${unexpected.length}`);
  t.comment(`raw duplicates: ${rawDuplicates} (recipients with > 1 delivery: ${duplicates.length}; with different Message-IDs: ${differentMessages.length})`);
  for (const [to, ids] of duplicates) {
    // Where each copy arrived: its position in the sink and which process had sent it.
    const copies = arrivals
      .map((a, index) => ({ a, index }))
      .filter(({ a }) => a.mail.envelopeTo.some((r) => r.toLowerCase() === to))
      .map(({ a, index }) => `#${index + 1} ${a.at < restartAt ? `first process, ${a.at - killedAt} ms from the kill` : `restarted, ${a.at - restartAt} ms after spawning`}`);
    t.comment(`  duplicate: ${to} ×${ids.length}, attempts in the DB: ${dbByRecipient.get(to)?.attempts}; copies: ${copies.join('; ')}`);
  }
  const inDoubtWithoutDuplicate = inDoubt.filter((row) => (byRecipient.get(row.email.toLowerCase())?.length ?? 0) === 1);
  t.comment(`  in doubt but delivered once: ${inDoubtWithoutDuplicate.map((row) => row.email).join(', ') || '–'}`);
  t.comment(`in-doubt re-sends (attempts > 1 in the DB): ${inDoubt.length}; attempts histogram: ${JSON.stringify(attemptsHistogram)}`);
  t.comment(
    `duplicates explained by the kill (one copy from the killed process, one re-send after the restart): ${crashDuplicates}; ` +
      `copies sent more than once by the same process: ${sameProcessDuplicates.reduce((n, c) => n + Math.max(0, c.before - 1) + Math.max(0, c.after - 1), 0)} ` +
      `(recipients: ${sameProcessDuplicates.length})`,
  );
  t.comment(`mail.send job attempts histogram: ${JSON.stringify(jobAttempts)}`);
  t.comment(`final statuses: ${JSON.stringify(finalStatuses)}; progress: ${JSON.stringify(progress?.messages.byStatus)}`);
  t.comment(`jobs: ${JSON.stringify(jobs.body?.counts)}`);
  t.comment(
    `timing: first start healthy after ${firstHealthyMs} ms; kill ${killedAt - mailingCreatedAt} ms after the mailing was created; ` +
      `restart healthy after ${restartHealthyMs} ms; first delivery after the restart ${firstAfterRestart ? `${firstAfterRestart.at - restartAt} ms` : '–'} after spawning; ` +
      `done ${doneAt ? `${doneAt - restartAt} ms` : '–'} after spawning; sink deferred: ${sink.deferred}`,
  );
  t.comment(`log (warn+) first process: ${firstLog.warn} warn, ${firstLog.error} error; restarted: ${secondLog.warn} warn, ${secondLog.error} error`);
  for (const [message, n] of secondLog.messages) t.comment(`  restarted process logged ${n}× level ${message}`);

  // ---- assertions ----
  t.ok(atKill >= killAt && atKill < total, 'the kill fell in the middle of the mailing');
  t.ok(sink.messages.length > beforeRestart, 'the restarted process sent the rest');
  t.same(missing, [], 'every recipient received a mail');
  t.same(unexpected, [], 'no mail to anyone else');
  t.same(differentMessages.map(([to, ids]) => ({ to, ids })), [], 'no recipient received two different messages');
  t.same(wrongMessageId.map(([to, ids]) => ({ to, ids, db: dbByRecipient.get(to)?.messageId })), [], 'every mail carries the Message-ID stored for its recipient');
  t.ok(rawDuplicates <= inDoubt.length, `raw duplicates (${rawDuplicates}) ≤ in-doubt re-sends (${inDoubt.length})`);
  t.same(duplicateWithoutRetry.map(([to, ids]) => ({ to, ids })), [], 'a duplicate only where the DB shows a re-send');
  t.same(sameProcessDuplicates, [], 'no process sends a message twice itself (only the crash leaves a message in doubt)');
  t.same(finalStatuses, { angenommen: total }, 'every message ends angenommen');
  t.ok(sink.messages.every((mail) => mail.envelopeTo.length === 1), 'one recipient per SMTP transaction');
});
