import { readFile } from 'node:fs/promises';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import type { DatabaseKind, DatabaseHandle } from '../../src/db/database.ts';
import type { AppDeps } from '../../src/app.ts';
import { createApiToken } from '../../src/auth/api-token.service.ts';
import { importDirectory } from '../../src/directory/directory.import.ts';
import type { JobWorker } from '../../src/engine/job.queue.ts';
import type { EngineDeps } from '../../src/engine/workflow.engine.ts';
import { FIXTURE_DIRECTORY } from '../../src/runtime.ts';
import { composeService, type Service, type ServiceSettings } from '../../src/composition.ts';
import type { MailModule } from '../../src/mailings/mail.module.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTestDatabase } from './databases.ts';

export interface TestApp {
  app: FastifyInstance;
  handle: DatabaseHandle;
  engine: EngineDeps;
  worker: JobWorker;
  mail: MailModule;
  adminToken: string;
  /** Token of a ministry: { MSGIV: 'efa_…' } */
  ministryToken(ministry: string): Promise<string>;
  /** A token of the Kaz or the Landesredaktion (one per role and test app). */
  roleToken(role: 'kaz' | 'landesredaktion'): Promise<string>;
  /** Moves the engine's clock (timers are due relative to it). */
  clock: { now: Date };
}

interface Teardown {
  teardown(fn: () => unknown): void;
}

/**
 * The service as the runtime composes it (composeService), with test settings: a temp
 * outbox (or the given SMTP server), no rate limits unless given, a worker the test
 * drains itself. Closed when the test ends.
 */
export async function composeTestService(
  t: Teardown,
  handle: DatabaseHandle,
  options: {
    now?: () => Date;
    httpLogger?: AppDeps['logger'];
    smtpUrl?: string;
    multiplierEmails?: string[];
    messageIdDomain?: string;
    http?: ServiceSettings['http'];
  } = {},
): Promise<Service> {
  const dataDir = mkdtempSync(join(tmpdir(), 'efa-test-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const service = await composeService(handle, {
    ...(options.now ? { now: options.now } : {}),
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    httpLogger: options.httpLogger,
    mail: {
      smtpUrl: options.smtpUrl ?? null,
      smtpMaxConnections: 3,
      smtpRateLimitPerSecond: 1000,
      smtpOptions: { ignoreTLS: true },
      dataDir,
      mailFrom: 'MSGIV Brandenburg <ozg@msgiv.example>',
      messageIdDomain: options.messageIdDomain ?? 'msgiv.example',
      publicBaseUrl: 'http://efa.test',
      linkTtlDays: 120,
      multiplierEmails: options.multiplierEmails ?? [],
      kazQueueEmail: 'kaz-queue@zit-bb.example',
    },
    jobs: { concurrency: 4, pollIntervalMs: 50 },
    ...(options.http ? { http: options.http } : {}),
  });
  t.teardown(() => service.mail.transport.close());
  t.teardown(() => service.app.close());
  return service;
}

/**
 * The app on a fresh database with the Brandenburg fixture directory loaded. Jobs
 * do not run by themselves: tests call `worker.drain()` to run the due ones.
 */
export async function buildTestApp(
  t: Teardown,
  kind: DatabaseKind,
  options: {
    withDirectory?: boolean;
    extraRoutes?: AppDeps['extraRoutes'];
    /** Deliver through this SMTP server; default: the local outbox in a temp dir. */
    smtpUrl?: string;
    multiplierEmails?: string[];
    /** Default: the sender's domain, msgiv.example. */
    messageIdDomain?: string;
    /** The app's logger (default: none, the app logs nothing). */
    logger?: AppDeps['logger'];
  } = {},
): Promise<TestApp> {
  const handle = await openTestDatabase(t, kind);
  if (options.withDirectory !== false) {
    await importDirectory(handle.db, { content: await readFile(FIXTURE_DIRECTORY), sourceName: 'fixture' });
  }
  const clock = { now: new Date() };
  const { app, engine, worker, mail } = await composeTestService(t, handle, {
    now: () => clock.now,
    httpLogger: options.logger,
    smtpUrl: options.smtpUrl,
    multiplierEmails: options.multiplierEmails,
    messageIdDomain: options.messageIdDomain,
    http: { extraRoutes: options.extraRoutes },
  });
  const { token: adminToken } = await createApiToken(handle.db, { role: 'admin', ministry: null, label: 'test-admin' });
  const ministryTokens = new Map<string, string>();
  return {
    app,
    handle,
    engine,
    worker,
    mail,
    adminToken,
    clock,
    async ministryToken(ministry) {
      if (!ministryTokens.has(ministry)) {
        const { token } = await createApiToken(handle.db, { role: 'ministry', ministry, label: `test-${ministry}` });
        ministryTokens.set(ministry, token);
      }
      return ministryTokens.get(ministry)!;
    },
    async roleToken(role) {
      const key = `role:${role}`;
      if (!ministryTokens.has(key)) {
        const { token } = await createApiToken(handle.db, { role, ministry: null, label: `test-${role}` });
        ministryTokens.set(key, token);
      }
      return ministryTokens.get(key)!;
    },
  };
}

export function bearer(token: string) {
  return { authorization: `Bearer ${token}` };
}
