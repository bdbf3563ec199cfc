import { bearer, type TestApp } from './app.ts';

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
