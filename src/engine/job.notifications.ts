import type { Logger } from 'pino';
import type { ListenForNotifications, NotificationSubscription } from '../db/notification.listen.ts';

/**
 * Wakes a JobWorker when any instance commits a due job (several instances on one
 * PostgreSQL). Migration 0019 makes every transaction that inserts a due job – or resumes
 * waiting ones – NOTIFY `efa_jobs` on commit; this keeps one connection LISTENing and pokes
 * the worker on each notification. A lost connection is opened again with growing delays
 * (0.5 s … 30 s), and the worker is poked after each new LISTEN: what was committed while
 * nobody listened is found at once. Polling stays as it is – it is what finds timers and
 * retries when they come due, and everything else whenever the connection is down.
 * PGlite has one process: its worker is poked in process (EngineDeps.onJobsEnqueued).
 */

export const JOB_NOTIFICATION_CHANNEL = 'efa_jobs';

/** What JobWorker.start/stop call: something that pokes the worker when jobs may be due. */
export interface JobWakeUps {
  start(poke: () => void): void;
  stop(): Promise<void>;
}

export interface JobNotificationOptions {
  listen: ListenForNotifications;
  logger: Logger;
  /** Delays before the n-th attempt to listen again; the last one repeats. */
  retryDelaysMs?: readonly number[];
  /** How often the listening connection is checked with a round trip (a half-open connection shows no error). */
  checkIntervalMs?: number;
}

const RETRY_DELAYS_MS = [500, 1000, 2000, 5000, 10_000, 30_000];
const CHECK_INTERVAL_MS = 30_000;

export class JobNotificationListener implements JobWakeUps {
  private readonly options: JobNotificationOptions;
  private poke: (() => void) | null = null;
  private subscription: NotificationSubscription | null = null;
  private connecting: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private checkTimer: NodeJS.Timeout | null = null;
  /** Attempts since the last LISTEN that worked: picks the next delay. */
  private failures = 0;
  private failedConnects = 0;
  private stopped = true;

  constructor(options: JobNotificationOptions) {
    this.options = options;
  }

  /** Whether a LISTEN is in place right now. */
  get listening(): boolean {
    return this.subscription !== null;
  }

  start(poke: () => void): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.poke = poke;
    this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.checkTimer) clearInterval(this.checkTimer);
    this.retryTimer = this.checkTimer = null;
    await this.connecting;
    const subscription = this.subscription;
    this.subscription = null;
    await subscription?.close();
  }

  private connect(): void {
    this.retryTimer = null;
    this.connecting = this.options
      .listen(JOB_NOTIFICATION_CHANNEL, {
        onNotification: () => this.poke?.(),
        onLost: (error) => this.lost(error),
      })
      .then(
        async (subscription) => {
          if (this.stopped) return subscription.close();
          this.subscription = subscription;
          if (this.failures > 0) this.options.logger.info({ channel: JOB_NOTIFICATION_CHANNEL }, 'Job-Benachrichtigungen wieder verbunden');
          else this.options.logger.debug({ channel: JOB_NOTIFICATION_CHANNEL }, 'Job-Benachrichtigungen: LISTEN aktiv');
          this.failures = this.failedConnects = 0;
          this.checkTimer = setInterval(() => this.check(subscription), this.options.checkIntervalMs ?? CHECK_INTERVAL_MS);
          this.checkTimer.unref();
          // Jobs committed while nobody listened were notified to nobody.
          this.poke?.();
        },
        (error: unknown) => this.retryLater(error),
      )
      .finally(() => {
        this.connecting = null;
      });
  }

  private check(subscription: NotificationSubscription): void {
    subscription.check(5000).catch((error: unknown) => {
      if (this.subscription !== subscription) return;
      void subscription.close();
      this.lost(error instanceof Error ? error : new Error(String(error)));
    });
  }

  private lost(error: Error): void {
    if (this.checkTimer) clearInterval(this.checkTimer);
    this.checkTimer = null;
    this.subscription = null;
    if (this.stopped) return;
    this.options.logger.warn({ err: error }, 'Job-Benachrichtigungen unterbrochen: bis zur neuen Verbindung findet die Abfrage alle Jobs');
    this.schedule();
  }

  private retryLater(error: unknown): void {
    if (this.stopped) return;
    this.failedConnects++;
    if (this.failedConnects === 1 || this.failedConnects % 10 === 0) {
      this.options.logger.warn({ err: error, attempt: this.failedConnects }, 'LISTEN auf Job-Benachrichtigungen fehlgeschlagen, neuer Versuch geplant');
    }
    this.schedule();
  }

  private schedule(): void {
    const delays = this.options.retryDelaysMs ?? RETRY_DELAYS_MS;
    const delay = delays[Math.min(this.failures, delays.length - 1)] ?? 30_000;
    this.failures++;
    this.retryTimer = setTimeout(() => this.connect(), delay);
    this.retryTimer.unref();
  }
}
