import { bearer, type TestApp } from './app.ts';
import { drainSettling, sendErstinformation } from './rollout.ts';

/**
 * A small rollout for the coverage per Kreis: a solution with an explicit list of seven
 * authorities in three Kreise, in rollout, all of them invited in one wave (frist 14 days).
 */

export const BARNIM = '120600000000'; // Landkreis: belongs to its own Kreis
export const BERNAU = '120600020020'; // Barnim
export const EBERSWALDE = '120600052052'; // Barnim
export const POTSDAM = '120540000000'; // kreisfreie Stadt
export const HENNIGSDORF = '120650136136'; // Oberhavel
export const BIRKENWERDER = '120650036036'; // Oberhavel
export const GLIENICKE = '120650096096'; // Oberhavel
export const OBERHAVEL = '120650000000';
export const COVERAGE_AUTHORITIES = [BARNIM, BERNAU, EBERSWALDE, POTSDAM, HENNIGSDORF, BIRKENWERDER, GLIENICKE];

const LIVE_STEPS = [
  { type: 'ONBOARDING_STARTEN' },
  { type: 'BUS_BB_VERKNUEPFUNG_MELDEN', onlineDienstUrl: 'https://meldewesen.brandenburg.example/antrag' },
  ...['online-dienst-angelegt', 'zustaendigkeit-zugeordnet', 'lsp-sichtbar'].map((schritt) => ({ type: 'BUS_BB_SCHRITT_BESTAETIGEN', schritt })),
  { type: 'LIVE_BESTAETIGEN' },
];

export async function coverageSetUp(env: TestApp) {
  const token = await env.ministryToken('MSGIV');
  const kaz = await env.roleToken('kaz');
  const api = async (method: 'GET' | 'POST', url: string, auth: string, payload?: Record<string, unknown>) =>
    env.app.inject({ method, url: `/api/v1${url}`, headers: bearer(auth), ...(payload ? { payload } : {}) });
  const created = await api('POST', '/solutions', token, {
    title: 'Hundesteuer online',
    ozgId: '10400',
    leikaKeys: ['99102013000000'],
    responsibility: { level: 'liste', authorities: COVERAGE_AUTHORITIES },
  });
  if (created.statusCode !== 201) throw new Error(created.body);
  const id: string = created.json().id;
  const solutionEvent = async (event: Record<string, unknown>) => {
    const response = await api('POST', `/solutions/${id}/events`, token, event);
    if (response.statusCode !== 200) throw new Error(`${String(event.type)}: ${response.body}`);
  };
  await solutionEvent({ type: 'ERSTINFORMATION_STARTEN' });
  await sendErstinformation(env, token, id);
  await solutionEvent({ type: 'PILOTPHASE_STARTEN' });
  await solutionEvent({ type: 'ROLLOUT_STARTEN', override: { reason: 'Pilot in einem anderen Land erfolgreich' } });
  await solutionEvent({ type: 'WELLE_STARTEN', label: 'Welle 1', authorities: COVERAGE_AUTHORITIES, fristTage: 14 });
  await drainSettling(env);
  const participantEvent = async (ars: string, event: Record<string, unknown>) => {
    const response = await api('POST', `/solutions/${id}/participants/${ars}/events`, token, event);
    if (response.statusCode !== 200) throw new Error(`${ars} ${String(event.type)}: ${response.body}`);
  };
  const goLive = async (ars: string) => {
    for (const event of LIVE_STEPS) await participantEvent(ars, event);
  };
  return { token, kaz, id, api, participantEvent, goLive };
}
