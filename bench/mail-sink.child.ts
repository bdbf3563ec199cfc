/**
 * The SMTP sink of `npm run bench:mail`, run as a child process (forked by
 * bench/mail.bench.ts with IPC, advanced serialization): the real smtp-server of
 * test/helpers/smtp-sink.ts on 127.0.0.1, without parsing. Running it in a process of
 * its own keeps the sink's CPU work off the event loop of the service under test (and
 * off the baseline's), the way a real mail server would be.
 *
 * Protocol (parent → child):
 *   { type: 'expect', count }  report { type: 'reached', count, at } once `count` messages are stored
 *   { type: 'take' }           reply { type: 'taken', messages } with every stored message, then forget them
 *   { type: 'close' }          stop the server and exit
 * On start the child sends { type: 'ready', port }.
 */
import { startSmtpSink, type ReceivedMail } from '../test/helpers/smtp-sink.ts';

export interface SinkMessage {
  envelopeFrom: string | null;
  envelopeTo: string[];
  messageId: string;
  raw: Uint8Array;
}

export type ParentToSink = { type: 'expect'; count: number } | { type: 'take' } | { type: 'close' };
export type SinkToParent =
  | { type: 'ready'; port: number }
  | { type: 'reached'; count: number }
  | { type: 'taken'; messages: SinkMessage[] };

function send(message: SinkToParent): void {
  process.send?.(message);
}

if (!process.send) {
  console.error('bench/mail-sink.child.ts is started by bench/mail.bench.ts (needs an IPC channel)');
  process.exit(2);
}

let expected: number | null = null;
const sink = await startSmtpSink({
  parse: false,
  onMessage: () => {
    if (expected !== null && sink.messages.length >= expected) {
      send({ type: 'reached', count: sink.messages.length });
      expected = null;
    }
  },
});

process.on('message', (message: ParentToSink) => {
  switch (message.type) {
    case 'expect':
      expected = message.count;
      if (sink.messages.length >= expected) {
        send({ type: 'reached', count: sink.messages.length });
        expected = null;
      }
      break;
    case 'take': {
      const taken: SinkMessage[] = sink.messages.map((m: ReceivedMail) => ({
        envelopeFrom: m.envelopeFrom,
        envelopeTo: m.envelopeTo,
        messageId: m.messageId,
        raw: m.raw,
      }));
      sink.messages.length = 0;
      send({ type: 'taken', messages: taken });
      break;
    }
    case 'close':
      void sink.close().finally(() => process.exit(0));
      break;
  }
});
// The parent went away without saying goodbye: do not linger.
process.on('disconnect', () => {
  void sink.close().finally(() => process.exit(0));
});

send({ type: 'ready', port: sink.port });
