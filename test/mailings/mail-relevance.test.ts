import t from 'tap';
import { randomUUID } from 'node:crypto';
import { databaseKinds } from '../helpers/databases.ts';
import { bearer, buildTestApp } from '../helpers/app.ts';
import { sendErstinformation } from '../helpers/rollout.ts';
import { enqueueMailSend } from '../../src/mail/mail-send.activity.ts';
import type { MailingKind } from '../../src/db/schema.ts';

// The last check before a mail leaves: a reminder whose authority is done, or any mail of
// a solution that has ended, is discarded ('verworfen'); a reminder of a paused solution
// waits and goes out after FORTSETZEN. This closes the window between the job that
// created the reminder and its delivery.

const POTSDAM = '120540000000';
const COTTBUS = '120520000000';
const BARNIM = '120600000000';

for (const kind of databaseKinds()) {
  t.test(`${kind}: mails that became pointless are discarded, a paused solution's reminders wait`, async (t) => {
    const env = await buildTestApp(t, kind);
    const db = env.handle.db;
    const token = await env.ministryToken('MSGIV');
    const post = (url: string, payload: object) => env.app.inject({ method: 'POST', url, headers: bearer(token), payload });
    const solution = (await post('/api/v1/solutions', { title: 'i-Kfz', ozgId: '10097', leikaKeys: ['99050012104000'], responsibility: { level: 'kreis' } })).json();
    const base = `/api/v1/solutions/${solution.id}`;
    await post(`${base}/events`, { type: 'ERSTINFORMATION_STARTEN' });
    const { mailingId } = await sendErstinformation(env, token, solution.id);

    /** A message recorded and queued, as a reminder job would leave it. */
    const queue = async (ars: string, messageKind: MailingKind) => {
      const id = randomUUID();
      await db
        .insertInto('mail_message')
        .values({
          id,
          mailing_id: mailingId,
          ars,
          recipient_email: `poststelle.${ars}@kommunen.example`,
          recipient_role: 'behoerde',
          kind: messageKind,
          reminder_no: messageKind === 'erinnerung' ? 1 : 0,
          message_id: `<${id}@msgiv.example>`,
        })
        .onConflict((oc) => oc.doNothing())
        .execute();
      await enqueueMailSend(db, id, env.clock.now);
      return id;
    };
    const statusOf = async (id: string) => (await db.selectFrom('mail_message').select(['status', 'last_response']).where('id', '=', id).executeTakeFirstOrThrow());

    const toExcluded = await queue(POTSDAM, 'erinnerung');
    t.equal((await post(`${base}/participants/${POTSDAM}/events`, { type: 'AUSSCHLIESSEN', reason: 'Test' })).statusCode, 200);
    await env.worker.drain();
    t.match(await statusOf(toExcluded), { status: 'verworfen', last_response: /keine Erinnerung/ }, 'no reminder to an excluded authority');

    const whilePaused = await queue(COTTBUS, 'erinnerung');
    await post(`${base}/events`, { type: 'PAUSIEREN', reason: 'Rückfrage' });
    await env.worker.drain();
    t.equal((await statusOf(whilePaused)).status, 'ausstehend', 'a reminder waits while the solution is paused');
    const parked = await db.selectFrom('job').select(['status', 'solution_id']).where('kind', '=', 'mail.send').where('status', '=', 'waiting').execute();
    t.same(parked, [{ status: 'waiting', solution_id: solution.id }]);
    await post(`${base}/events`, { type: 'FORTSETZEN' });
    await env.worker.drain();
    t.equal((await statusOf(whilePaused)).status, 'angenommen', 'and goes out after FORTSETZEN');

    const afterTheEnd = await queue(BARNIM, 'erinnerung');
    await post(`${base}/events`, { type: 'ABBRECHEN', reason: 'Bund stellt die Lösung ein' });
    await env.worker.drain();
    t.match(await statusOf(afterTheEnd), { status: 'verworfen', last_response: /abgebrochen/ }, 'nothing is sent for a cancelled rollout');
  });
}
