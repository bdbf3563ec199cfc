import { bearer, type TestApp } from './app.ts';
import { createSolution, sendErstinformation } from './rollout.ts';

/**
 * Ticks every item of a pilot's checklist as done through the API (what a pilot and its
 * ministry do over weeks), so that its go-live is not held up by the gate.
 */
export async function completeChecklist(env: TestApp, token: string, solutionId: string, ars: string): Promise<void> {
  const url = `/api/v1/solutions/${solutionId}/pilots/${ars}/checklist`;
  const checklist = await env.app.inject({ url, headers: bearer(token) });
  if (checklist.statusCode !== 200) throw new Error(`checklist: ${checklist.statusCode} ${checklist.body}`);
  for (const item of checklist.json().items as { key: string }[]) {
    const set = await env.app.inject({ method: 'PUT', url: `${url}/${item.key}`, headers: bearer(token), payload: { status: 'erledigt' } });
    if (set.statusCode !== 200) throw new Error(`${item.key}: ${set.statusCode} ${set.body}`);
  }
}

/**
 * A Kreis-level solution (18 participants) in its pilot phase – Erstinformation sent,
 * PILOTPHASE_STARTEN – with the first `candidates` participants proposed as pilots by the
 * ministry (PILOT_VORSCHLAGEN). Answers the solution's id and the candidates (ARS, name).
 */
export async function pilotPhaseWithCandidates(env: TestApp, token: string, candidates = 3) {
  const id = await createSolution(env, token);
  const base = `/api/v1/solutions/${id}`;
  const post = async (url: string, payload: Record<string, unknown>) => {
    const response = await env.app.inject({ method: 'POST', url, headers: bearer(token), payload });
    if (response.statusCode !== 200) throw new Error(`${url}: ${response.statusCode} ${response.body}`);
  };
  await post(`${base}/events`, { type: 'ERSTINFORMATION_STARTEN' });
  await sendErstinformation(env, token, id);
  await post(`${base}/events`, { type: 'PILOTPHASE_STARTEN' });
  const participants = (await env.app.inject({ url: `${base}/participants?limit=${candidates}`, headers: bearer(token) })).json().items as { ars: string; name: string }[];
  for (const p of participants) await post(`${base}/participants/${p.ars}/events`, { type: 'PILOT_VORSCHLAGEN', quelle: 'ministerium', vorgeschlagenVon: 'Referat 32' });
  return { id, base, candidates: participants.map(({ ars, name }) => ({ ars, name })) };
}
