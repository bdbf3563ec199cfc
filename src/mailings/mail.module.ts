import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database, MailMessage } from '../db/schema.ts';
import type { EngineDeps } from '../engine/workflow.engine.ts';
import type { BatchJobHandler, JobHandler } from '../engine/job.queue.ts';
import { createMailTransport, type MailTransport } from '../mail/mail.transport.ts';
import { createMailSendBatchHandler, MAIL_SEND_JOB, type MailContent, type MailSendDeps, type MailVerdict } from '../mail/mail-send.activity.ts';
import { createMailingActivities } from './mailing.activities.ts';
import { createErstinformationActivities } from './erstinformation.activities.ts';
import { createPilotInvitationActivities } from './pilot-invitation.activities.ts';
import { messagesStillWanted } from './mail-relevance.ts';
import type { MailingRoutesDeps } from './mailing.routes.ts';

export interface MailModuleOptions {
  db: Kysely<Database>;
  engine: EngineDeps;
  logger: Logger;
  smtpUrl: string | null;
  smtpMaxConnections: number;
  smtpRateLimitPerSecond: number;
  /** Extra nodemailer SMTP options (tests: ignoreTLS). */
  smtpOptions?: object;
  dataDir: string;
  mailFrom: string;
  /** Right-hand side of every Message-ID (Config.messageIdDomain). */
  messageIdDomain: string;
  publicBaseUrl: string;
  linkTtlDays: number;
  multiplierEmails: readonly string[];
  /** Mail rows other features write (a ticket's notices): the one delivery job sends them too. */
  otherMessages?: readonly OtherMailMessages[];
}

/** Mail rows of another feature: it tells its rows apart, renders them and says whether one is still wanted. */
export interface OtherMailMessages {
  owns(message: MailMessage): boolean;
  render: MailSendDeps['render'];
  stillWanted: NonNullable<MailSendDeps['stillWanted']>;
}

export interface MailModule {
  transport: MailTransport;
  handlers: Record<string, JobHandler>;
  /** The deliveries run in batches (mail-send.activity.ts). */
  batchHandlers: Record<string, BatchJobHandler>;
  routes: Omit<MailingRoutesDeps, 'db'> & { linkTtlDays: number };
}

/** The plain address in "Name <address>". */
function addressOf(mailbox: string): string {
  return /<([^>]+)>/.exec(mailbox)?.[1] ?? mailbox;
}

/**
 * Mail delivery (SMTP or local outbox), the mailing activities and what the mailing
 * routes need, wired once. One delivery job serves every kind of mail row: the mailings'
 * own, and those of the features that hand theirs in (`otherMessages`: the tickets').
 */
export function createMailModule(options: MailModuleOptions): MailModule {
  const outboxDir = join(options.dataDir, 'outbox');
  const transport = createMailTransport({
    smtpUrl: options.smtpUrl,
    maxConnections: options.smtpMaxConnections,
    rateLimitPerSecond: options.smtpRateLimitPerSecond,
    outboxDir,
    logger: options.logger,
    smtpOptions: options.smtpOptions,
  });
  const activities = createMailingActivities({
    db: options.db,
    engine: options.engine,
    logger: options.logger,
    publicBaseUrl: options.publicBaseUrl,
    linkTtlDays: options.linkTtlDays,
    fallbackEscalationAddress: addressOf(options.mailFrom),
    messageIdDomain: options.messageIdDomain,
  });
  const ownerOf = (message: MailMessage) => options.otherMessages?.find((other) => other.owns(message));
  const erstinformation = createErstinformationActivities({ db: options.db, engine: options.engine, logger: options.logger });
  const settings = { multiplierEmails: options.multiplierEmails, messageIdDomain: options.messageIdDomain };
  const pilotInvitation = createPilotInvitationActivities({ db: options.db, logger: options.logger, settings, now: options.engine.now });
  /** Splits a batch by who owns each row: the mailings' rows together, each other feature's one by one. */
  async function byOwner<T>(
    messages: readonly MailMessage[],
    mailings: (messages: readonly MailMessage[]) => Promise<Map<string, T | Error>>,
    other: (owner: OtherMailMessages, message: MailMessage) => Promise<T>,
  ): Promise<Map<string, T | Error>> {
    const own = messages.filter((message) => !ownerOf(message));
    const results = own.length ? await mailings(own) : new Map<string, T | Error>();
    for (const message of messages) {
      const owner = ownerOf(message);
      if (owner) results.set(message.id, await other(owner, message).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error)))));
    }
    return results;
  }
  const sendDeps: MailSendDeps = {
    db: options.db,
    transport,
    mailFrom: options.mailFrom,
    render: (message) => (ownerOf(message)?.render ?? activities.renderMessage)(message),
    renderMany: (messages) => byOwner<MailContent>(messages, activities.renderMessages, (owner, message) => owner.render(message)),
    stillWantedMany: (messages) => byOwner<MailVerdict>(messages, (own) => messagesStillWanted(options.db, own), (owner, message) => owner.stillWanted(message)),
    logger: options.logger,
    now: options.engine.now,
    onAcceptedMany: erstinformation.informOnAcceptanceMany,
  };
  return {
    transport,
    handlers: {
      ...activities.handlers,
      ...pilotInvitation.handlers,
      ...erstinformation.handlers,
    },
    batchHandlers: { [MAIL_SEND_JOB]: createMailSendBatchHandler(sendDeps) },
    routes: {
      settings,
      publicBaseUrl: options.publicBaseUrl,
      linkTtlDays: options.linkTtlDays,
      outboxDir: transport.kind === 'outbox' ? outboxDir : null,
      now: options.engine.now,
      wake: () => options.engine.onJobsEnqueued?.(),
    },
  };
}
