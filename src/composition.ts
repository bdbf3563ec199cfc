import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { allowedEvents, restoreSnapshot } from '../workflows/index.ts';
import type { DatabaseHandle } from './db/database.ts';
import type { PreconditionRefusal, Trx, WorkflowRegistry } from './engine/workflow.types.ts';
import { createWorkflowRegistry } from './engine/workflow.registry.ts';
import { checkPreconditions, explainRefusal as explainRefusalOf, type EngineDeps } from './engine/workflow.engine.ts';
import { validateEventPayload as validateWith } from './engine/event-payload.validate.ts';
import { createEngineJobHandlers, mergeJobHandlers } from './engine/effect.activities.ts';
import { JobWorker, type JobWorkerOptions } from './engine/job.queue.ts';
import { JobNotificationListener } from './engine/job.notifications.ts';
import { buildApp, type AppDeps } from './app.ts';
import { createMailModule, type MailModule, type MailModuleOptions } from './mailings/mail.module.ts';
import { registerMailingWorkflows } from './mailings/mailing.workflows.ts';
import { registerSolutionWorkflows } from './solutions/solution.workflows.ts';
import { createRolloutEffectHandlers } from './solutions/rollout.effects.ts';
import { PARTICIPANT_TARGET } from './solutions/participant.target.ts';
import { isSolutionPaused } from './solutions/solution.target.ts';
import { registerPilotWorkflows } from './pilots/go-live.gate.ts';
import { createTicketJobs, registerTicketWorkflows } from './tickets/ticket.workflows.ts';
import type { TicketSettings } from './tickets/ticket.sla.ts';
import { createSnapshotJobHandlers, ensureQuarterSnapshotJob } from './snapshots/snapshot.activities.ts';

/**
 * The one composition root: the features' workflows registered with the engine, the
 * engine's deps, the mail module, the job handlers, the worker and the app, wired from
 * settings. The serving runtime (runtime.ts) and the tests (test/helpers/app.ts) both
 * build their service here; only the settings differ.
 */

/**
 * Every feature's part of the workflows. The order is the order of preconditions on the
 * same event: a go-live meets the blocking tickets before the pilot's checklist.
 */
export function composeWorkflows(): WorkflowRegistry {
  return createWorkflowRegistry({ restoreSnapshot, allowedEvents: (machine, snapshot) => allowedEvents(machine, snapshot as never) }, [
    registerSolutionWorkflows,
    registerMailingWorkflows,
    registerTicketWorkflows,
    registerPilotWorkflows,
  ]);
}

export interface ServiceSettings {
  /** The clock of the engine and the worker (tests move it); default the system's. */
  now?: () => Date;
  /** The components log through children of it (mail, effects, jobs). */
  logger: Logger;
  /** The HTTP layer's logger; without one the app logs nothing (tests). */
  httpLogger?: FastifyBaseLogger;
  tickets?: TicketSettings;
  mail: Omit<MailModuleOptions, 'db' | 'engine' | 'logger' | 'otherMessages'> & {
    /** The Kaz / ZIT-BB queue's address: ticket escalations and warnings. */
    kazQueueEmail: string;
  };
  jobs: Pick<JobWorkerOptions, 'concurrency' | 'pollIntervalMs' | 'leaseMs' | 'retentionMs'>;
  http?: Pick<AppDeps, 'bodyLimitBytes' | 'requestTimeoutMs' | 'trustProxy' | 'rateLimit' | 'extraRoutes' | 'staff'>;
}

export interface Service {
  app: FastifyInstance;
  engine: EngineDeps;
  /** Not started: the runtime starts it, tests drain it. */
  worker: JobWorker;
  mail: MailModule;
}

/** Wires a service on an open, migrated database. What it opened is closed again if a later step fails. */
export async function composeService(handle: DatabaseHandle, settings: ServiceSettings): Promise<Service> {
  const { logger } = settings;
  let worker: JobWorker | undefined;
  const engine: EngineDeps = {
    db: handle.db,
    now: settings.now ?? (() => new Date()),
    onJobsEnqueued: () => worker?.poke(),
    workflows: composeWorkflows(),
    ...(settings.tickets ? { tickets: settings.tickets } : {}),
  };
  const mailLogger = logger.child({ component: 'mail' });
  const tickets = createTicketJobs({ engine, logger: mailLogger, ...settings.mail });
  const mail = createMailModule({ db: handle.db, engine, logger: mailLogger, ...settings.mail, otherMessages: [tickets.mailMessages] });
  try {
    const effectsLogger = logger.child({ component: 'effects' });
    const jobsLogger = logger.child({ component: 'jobs' });
    worker = new JobWorker({
      db: handle.db,
      handlers: mergeJobHandlers(createEngineJobHandlers(engine, effectsLogger), createRolloutEffectHandlers(engine, effectsLogger), tickets.handlers, mail.handlers, createSnapshotJobHandlers({ db: handle.db, now: engine.now, logger: effectsLogger })),
      batchHandlers: mail.batchHandlers,
      logger: jobsLogger,
      isSolutionPaused,
      // Several instances on one PostgreSQL: another instance's new jobs wake this one at once.
      ...(handle.listen ? { wakeUps: new JobNotificationListener({ listen: handle.listen, logger: jobsLogger }) } : {}),
      ...settings.jobs,
      ...(settings.now ? { now: settings.now } : {}),
    });
    const app = await buildApp({
      db: handle.db,
      databaseKind: handle.kind,
      engine,
      logger: settings.httpLogger,
      mail: mail.routes,
      ...settings.http,
    });
    return { app, engine, worker, mail };
  } catch (error) {
    await mail.transport.close();
    throw error;
  }
}

/**
 * What a serving instance makes sure of before its worker runs: the recurring jobs exist
 * (the quarterly snapshots). Every instance may do it; the jobs' keys make each one job.
 */
export async function ensureRecurringJobs(handle: DatabaseHandle, now: Date): Promise<void> {
  await ensureQuarterSnapshotJob(handle.db, now);
}

/*
 * The composed workflows without a service: for tests and tools that judge an event as
 * the engine would (one registry, built on first use).
 */

let composed: WorkflowRegistry | undefined;
const workflows = () => (composed ??= composeWorkflows());

/** An event's payload errors as the engine judges them; dates by Brandenburg's day at `now`. */
export function validateEventPayload(event: Record<string, unknown>, now: Date) {
  return validateWith(workflows(), event, now);
}

/** The words of a guard's refusal of a valid payload, from the target whose machine has the event. */
export function explainRefusal(event: { type: string; facts?: unknown } & Record<string, unknown>, context: unknown): string {
  return explainRefusalOf(workflows().ownerOf(event.type), event, context);
}

type ParticipantPrecondition = (trx: Trx, input: { solutionId: string; ars: string; stage: string; event: { type: string } & Record<string, unknown> }) => Promise<PreconditionRefusal | null>;

/** The participant events' preconditions as the engine runs them (all registered for one event, the first refusal wins). */
export const PARTICIPANT_PRECONDITIONS: Readonly<Partial<Record<string, ParticipantPrecondition>>> = Object.freeze(
  Object.fromEntries(
    Object.keys(workflows().target(PARTICIPANT_TARGET).events)
      .filter((type) => workflows().preconditionsFor(PARTICIPANT_TARGET, type).length > 0)
      .map((type): [string, ParticipantPrecondition] => [type, (trx, input) => checkPreconditions(workflows(), PARTICIPANT_TARGET, trx, input)]),
  ),
);
