import { bearer, type TestApp } from './app.ts';
import { drainSettling } from './rollout.ts';
import { solutionInRollout } from './waves.ts';

export const POTSDAM = '120540000000'; // kreisfreie Stadt
export const BARNIM = '120600000000'; // Landkreis

/** A Kreis-level solution in rollout with Barnim and Potsdam invited (wave 1), and the callers of the ticket API. */
export async function ticketSetUp(env: TestApp) {
  const token = await env.ministryToken('MSGIV');
  const { id, base } = await solutionInRollout(env, token, 'kreis');
  const wave = await env.app.inject({
    method: 'POST',
    url: `${base}/events`,
    headers: bearer(token),
    payload: { type: 'WELLE_STARTEN', label: 'Welle 1', authorities: [BARNIM, POTSDAM], fristTage: 14 },
  });
  if (wave.statusCode !== 200) throw new Error(wave.body);
  await drainSettling(env);
  const kaz = await env.roleToken('kaz');
  const api = (method: 'GET' | 'POST' | 'PATCH', url: string, auth: string, payload?: Record<string, unknown>) =>
    env.app.inject({ method, url: `/api/v1${url}`, headers: bearer(auth), ...(payload ? { payload } : {}) });
  const participantEvent = (ars: string, event: Record<string, unknown>) => api('POST', `/solutions/${id}/participants/${ars}/events`, token, event);
  return { token, kaz, id, base, api, participantEvent };
}
