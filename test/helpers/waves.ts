import { bearer, type TestApp } from './app.ts';
import { sendErstinformation } from './rollout.ts';

const meldewesen = {
  title: 'Meldebescheinigung online',
  ozgId: '10131',
  leikaKeys: ['99102013000000'],
  responsibility: { level: 'gemeinde' },
};

/**
 * A solution in stage rollout, every participant informiert (Erstinformation sent, the
 * pilot phase skipped with a reason): Gemeinde level has 195 participants, Kreis level 18.
 */
export async function solutionInRollout(env: TestApp, token: string, level: 'gemeinde' | 'kreis' = 'gemeinde') {
  const created = await env.app.inject({
    method: 'POST',
    url: '/api/v1/solutions',
    headers: bearer(token),
    payload: { ...meldewesen, responsibility: { level } },
  });
  if (created.statusCode !== 201) throw new Error(created.body);
  const id: string = created.json().id;
  const base = `/api/v1/solutions/${id}`;
  const solutionEvent = async (event: Record<string, unknown>) => {
    const response = await env.app.inject({ method: 'POST', url: `${base}/events`, headers: bearer(token), payload: event });
    if (response.statusCode !== 200) throw new Error(`${String(event.type)}: ${response.body}`);
    return response.json();
  };
  await solutionEvent({ type: 'ERSTINFORMATION_STARTEN' });
  await sendErstinformation(env, token, id);
  await solutionEvent({ type: 'PILOTPHASE_STARTEN' });
  await solutionEvent({ type: 'ROLLOUT_STARTEN', override: { reason: 'Pilot in einem anderen Land erfolgreich' } });
  return { id, base, solutionEvent };
}
