/**
 * The service as a real process for the crash tests (test/crash/): started as an operator
 * starts it (`node src/cli.ts serve`, no npm in between, so that SIGKILL hits the service
 * itself), killed outright and started again on the same database and port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

export const CRASH_ADMIN_TOKEN = 'crash-test-admin-token-0123456789abcdef';

/** Size of the crash tests: small in CI, the full size (≥ 10 kills each) with TEST_FULL=1. */
export const FULL_SIZE = process.env.TEST_FULL === '1';

export interface ServiceProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** The last lines the process wrote (stdout and stderr), for a failure's message. */
  output(): string;
  readonly exited: Promise<void>;
  /** SIGKILL, and wait until the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM, and wait until the process is gone. */
  stop(): Promise<void>;
}

interface Teardown {
  teardown(fn: () => unknown): void;
}

/**
 * Starts the service with `env` over the test's own defaults and waits for `/health`.
 * The process is killed when the test ends, whatever happened.
 */
export async function startServiceProcess(t: Teardown, port: number, env: Record<string, string>, healthTimeoutMs = 90_000): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: {
      ...process.env,
      DATABASE_URL: '',
      PORT: String(port),
      EFA_ADMIN_TOKEN: CRASH_ADMIN_TOKEN,
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      RATE_LIMIT_API_PER_MINUTE: '0',
      RATE_LIMIT_ANSWER_PAGES_PER_MINUTE: '0',
      // not started by npm: no watching of a parent that is gone
      npm_lifecycle_event: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail: string[] = [];
  const keep = (chunk: Buffer) => {
    tail = [...tail, ...chunk.toString('utf8').split('\n').filter(Boolean)].slice(-40);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  const url = `http://127.0.0.1:${port}`;
  const service: ServiceProcess = {
    url,
    child,
    output: () => tail.join('\n'),
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  const deadline = Date.now() + healthTimeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`service exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${service.output()}`);
    try {
      if ((await fetch(`${url}/health`, { signal: AbortSignal.timeout(5000) })).ok) return service;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`service not ready within ${healthTimeoutMs} ms:\n${service.output()}`);
    await sleep(100);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A random whole number of milliseconds in [min, max]. */
export const randomDelay = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1));

export interface ApiAnswer {
  status: number;
  contentType: string;
  retryAfter: string | null;
  body: any;
}

/** One API call as the admin; the answer parsed, whatever its status. */
export async function callApi(base: string, method: string, path: string, body?: unknown, timeoutMs = 30_000): Promise<ApiAnswer> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${CRASH_ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: kept as text
  }
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', retryAfter: response.headers.get('retry-after'), body: parsed };
}

/** An API call that must answer `status`; anything else throws with the answer. */
export async function expectApi(base: string, status: number, method: string, path: string, body?: unknown): Promise<any> {
  const answer = await callApi(base, method, path, body);
  if (answer.status !== status) throw new Error(`${method} ${path}: ${answer.status} instead of ${status}: ${JSON.stringify(answer.body).slice(0, 500)}`);
  return answer.body;
}

/** A solution with the given Zuständigkeit in stage `erstinformation`, its mail details set. */
export async function startedSolution(base: string, title: string, responsibility: Record<string, unknown>): Promise<{ id: string; participants: number }> {
  const solution = await expectApi(base, 201, 'POST', '/api/v1/solutions', {
    title,
    ozgId: '99999',
    leikaKeys: ['99000000000000'],
    leadMinistry: 'MIK',
    responsibility,
  });
  await expectApi(base, 200, 'PUT', `/api/v1/solutions/${solution.id}/mail-details`, { kontaktName: 'Referat 11, Absturztest', kontaktEmail: 'referat11@mik.example' });
  await expectApi(base, 200, 'POST', `/api/v1/solutions/${solution.id}/events`, { type: 'ERSTINFORMATION_STARTEN' });
  const participants = Object.values(solution.participantsByStage as Record<string, number>).reduce((a, b) => a + b, 0);
  return { id: solution.id as string, participants };
}
