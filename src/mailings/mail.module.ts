import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/schema.ts';
import type { EngineDeps } from '../engine/workflow.engine.ts';
import type { JobHandler } from '../engine/job.queue.ts';
import { createMailTransport, type MailTransport } from '../mail/mail.transport.ts';
import { createMailSendHandler, MAIL_SEND_JOB } from '../mail/mail-send.activity.ts';
import { createMailingActivities } from './mailing.activities.ts';
import { createErstinformationActivities } from './erstinformation.activities.ts';
import { createPilotInvitationActivities } from './pilot-invitation.activities.ts';
import { messageStillWanted } from './mail-relevance.ts';
import { createTicketMailActivities } from '../tickets/ticket-mail.activities.ts';
import { DEFAULT_TICKET_SETTINGS } from '../tickets/ticket.sla.ts';
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
  /** The Kaz / ZIT-BB queue's address: ticket escalations and warnings (Config.kazQueueEmail). */
  kazQueueEmail: string;
}

export interface MailModule {
  transport: MailTransport;
  handlers: Record<string, JobHandler>;
  routes: Omit<MailingRoutesDeps, 'db'> & { linkTtlDays: number };
}

/** The plain address in "Name <address>". */
function addressOf(mailbox: string): string {
  return /<([^>]+)>/.exec(mailbox)?.[1] ?? mailbox;
}

/**
 * Mail delivery (SMTP or local outbox), the mailing and ticket mail activities and what
 * the mailing routes need, wired once. One delivery job serves both kinds of mail row: a
 * row of a ticket renders from its own details and is always still wanted (an authority
 * hears that its ticket was solved after the rollout ended, too).
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
  const tickets = createTicketMailActivities({
    db: options.db,
    logger: options.logger,
    now: options.engine.now,
    messageIdDomain: options.messageIdDomain,
    kazQueueEmail: options.kazQueueEmail,
    publicBaseUrl: options.publicBaseUrl,
    linkTtlDays: options.linkTtlDays,
    reopenDays: (options.engine.tickets ?? DEFAULT_TICKET_SETTINGS).reopenDays,
  });
  const erstinformation = createErstinformationActivities({ db: options.db, engine: options.engine, logger: options.logger });
  const settings = { multiplierEmails: options.multiplierEmails, messageIdDomain: options.messageIdDomain };
  const pilotInvitation = createPilotInvitationActivities({ db: options.db, logger: options.logger, settings, now: options.engine.now });
  return {
    transport,
    handlers: {
      ...activities.handlers,
      ...pilotInvitation.handlers,
      ...erstinformation.handlers,
      ...tickets.handlers,
      [MAIL_SEND_JOB]: createMailSendHandler({
        db: options.db,
        transport,
        mailFrom: options.mailFrom,
        render: (message) => (message.ticket_id ? tickets.renderMessage(message) : activities.renderMessage(message)),
        logger: options.logger,
        now: options.engine.now,
        stillWanted: async (message) => (message.ticket_id ? 'send' : messageStillWanted(options.db, message)),
        onAccepted: erstinformation.informOnAcceptance,
      }),
    },
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
