import { bearer, type TestApp } from './app.ts';

/** Contact details every mailing needs (a mail without a contact is refused). */
export const TEST_MAIL_DETAILS = { kontaktName: 'Referat 32, Frau Beispiel', kontaktEmail: 'ozg@msgiv.example' };

/**
 * Step 1 as a ministry does it: contact details, the Erstinformation mailing through the
 * outbox, and every job run – afterwards each participant whose mail was accepted is
 * 'informiert' and the solution records the Erstinformation as sent. The solution must
 * be in stage 'erstinformation' (ERSTINFORMATION_STARTEN sent).
 */
export async function sendErstinformation(env: TestApp, token: string, solutionId: string): Promise<{ mailingId: string }> {
  const base = `/api/v1/solutions/${solutionId}`;
  const details = await env.app.inject({ method: 'PUT', url: `${base}/mail-details`, headers: bearer(token), payload: TEST_MAIL_DETAILS });
  if (details.statusCode !== 200) throw new Error(`mail-details: ${details.statusCode} ${details.body}`);
  const mailing = await env.app.inject({ method: 'POST', url: `${base}/mailings`, headers: bearer(token), payload: { kind: 'erstinformation' } });
  if (mailing.statusCode !== 201) throw new Error(`mailing: ${mailing.statusCode} ${mailing.body}`);
  await drainSettling(env);
  return { mailingId: mailing.json().mailingId };
}

/**
 * Runs due jobs until none is due within a few seconds. Jobs that wait for others (the
 * Erstinformation's hand-over waits for its last messages) defer themselves by seconds;
 * the test clock is moved on by that much, never by more.
 */
export async function drainSettling(env: TestApp, horizonMs = 10_000): Promise<void> {
  for (let round = 0; round < 20; round++) {
    await env.worker.drain();
    const soon = await env.handle.db
      .selectFrom('job')
      .select('run_at')
      .where('status', '=', 'pending')
      .where('run_at', '<=', new Date(env.clock.now.getTime() + horizonMs))
      .orderBy('run_at')
      .executeTakeFirst();
    if (!soon) return;
    env.clock.now = new Date(Math.max(env.clock.now.getTime(), soon.run_at.getTime()) + 1);
  }
  throw new Error('jobs keep deferring themselves');
}

/** What POST /api/v1/solutions takes; the default is a Kreis-level solution. */
export interface SolutionSample {
  title: string;
  ozgId: string;
  leikaKeys: string[];
  responsibility: Record<string, unknown>;
}

export const ELTERNGELD: SolutionSample = { title: 'Elterngeld digital', ozgId: '10310', leikaKeys: ['99036005000000'], responsibility: { level: 'kreis' } };

/** Creates a solution as its ministry does and answers its id; anything but 201 throws with the answer. */
export async function createSolution(env: TestApp, token: string, solution: SolutionSample = ELTERNGELD): Promise<string> {
  const created = await env.app.inject({ method: 'POST', url: '/api/v1/solutions', headers: bearer(token), payload: solution });
  if (created.statusCode !== 201) throw new Error(`create solution: ${created.statusCode} ${created.body}`);
  return created.json().id;
}
