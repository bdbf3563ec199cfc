import pg from 'pg';

/**
 * A dedicated PostgreSQL connection that LISTENs on one channel (not one of the pool's:
 * a pooled connection goes back to the pool after each query and would stop listening).
 * What to do when it is lost – reconnect, with what delay – is the caller's decision.
 */

export interface NotificationHandlers {
  onNotification(payload: string): void;
  /** The connection broke after it was listening (server restart, network); not called after close(). */
  onLost(error: Error): void;
}

export interface NotificationSubscription {
  /** A round trip on the listening connection: rejects when it is dead (a half-open TCP connection shows no error by itself). */
  check(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export type ListenForNotifications = (channel: string, handlers: NotificationHandlers) => Promise<NotificationSubscription>;

/** LISTEN on `channel` over a new connection to `url`; rejects if the connection or the LISTEN fails. */
export async function listenForNotifications(url: string, channel: string, handlers: NotificationHandlers): Promise<NotificationSubscription> {
  // TCP keep-alive finds a vanished server within minutes even when nothing is sent.
  const client = new pg.Client({ connectionString: url, keepAlive: true, keepAliveInitialDelayMillis: 10_000 });
  let listening = false;
  let closed = false;
  const lose = (error: Error) => {
    // Before LISTEN succeeded the rejected connect reports the failure; afterwards once.
    if (!listening || closed) return;
    closed = true;
    client.end().catch(() => {});
    handlers.onLost(error);
  };
  // Without an 'error' listener a broken connection would end the process.
  client.on('error', (error) => lose(error));
  client.on('end', () => lose(new Error('Verbindung vom Server beendet')));
  client.on('notification', (message) => {
    if (message.channel === channel && !closed) handlers.onNotification(message.payload ?? '');
  });
  try {
    await client.connect();
    await client.query(`listen ${client.escapeIdentifier(channel)}`);
  } catch (error) {
    closed = true;
    await client.end().catch(() => {});
    throw error;
  }
  listening = true;
  return {
    async check(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`keine Antwort binnen ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([client.query('select 1'), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      // A dead connection's end would wait for the TCP timeout: give it a moment, no more.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([client.end().catch(() => {}), new Promise<void>((resolve) => (timer = setTimeout(resolve, 2000)))]);
      clearTimeout(timer);
    },
  };
}
