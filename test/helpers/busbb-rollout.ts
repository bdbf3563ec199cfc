import { bearer, type TestApp } from './app.ts';
import { drainSettling, sendErstinformation } from './rollout.ts';

/**
 * A solution in its rollout for the BUS-BB pages, with the authorities of the PVOG export
 * fixture (fixtures/pvog-export-gewerbeanmeldung.json): Potsdam and Cottbus have reported
 * their linking, Brandenburg is invited, Amt Biesenthal in onboarding, Frankfurt only
 * informed, Amt Joachimsthal and Ahrensfelde not invited.
 */

export const LEIKA = '99050012104000';
export const POTSDAM = '120540000000';
export const COTTBUS = '120520000000';
export const BRANDENBURG = '120510000000';
export const FRANKFURT = '120530000000';
export const AMT_BIESENTHAL = '120605003000';
export const AMT_JOACHIMSTHAL = '120605006000';
export const AHRENSFELDE = '120600005005';
export const PVOG_EXPORT_FIXTURE = new URL('../../fixtures/pvog-export-gewerbeanmeldung.json', import.meta.url);

type Json = Record<string, unknown>;

export async function setUpBusBbRollout(env: TestApp) {
  const token = await env.ministryToken('MSGIV');
  const created = await env.app.inject({
    method: 'POST',
    url: '/api/v1/solutions',
    headers: bearer(token),
    payload: {
      title: 'Gewerbeanmeldung <digital>',
      ozgId: '10085',
      leikaKeys: [LEIKA],
      responsibility: { level: 'liste', authorities: [POTSDAM, COTTBUS, BRANDENBURG, FRANKFURT, AMT_BIESENTHAL, AMT_JOACHIMSTHAL, AHRENSFELDE] },
    },
  });
  if (created.statusCode !== 201) throw new Error(created.body);
  const id: string = created.json().id;
  const base = `/api/v1/solutions/${id}`;
  const ok = async (url: string, payload: Json) => {
    const response = await env.app.inject({ method: 'POST', url, headers: bearer(token), payload });
    if (response.statusCode !== 200) throw new Error(`${url}: ${response.statusCode} ${response.body}`);
  };
  await ok(`${base}/events`, { type: 'ERSTINFORMATION_STARTEN' });
  await sendErstinformation(env, token, id);
  await ok(`${base}/events`, { type: 'PILOTPHASE_STARTEN' });
  await ok(`${base}/events`, { type: 'ROLLOUT_STARTEN', override: { reason: 'andernorts erprobt' } });
  await ok(`${base}/events`, { type: 'WELLE_STARTEN', label: 'Welle 1', authorities: [POTSDAM, COTTBUS, BRANDENBURG, AMT_BIESENTHAL] });
  await drainSettling(env);
  for (const ars of [POTSDAM, COTTBUS]) {
    await ok(`${base}/participants/${ars}/events`, { type: 'BEREITSCHAFT_MELDEN', status: 'bereit' });
    await ok(`${base}/participants/${ars}/events`, { type: 'BUS_BB_VERKNUEPFUNG_MELDEN', onlineDienstUrl: `https://gewerbe.${ars}.example/` });
  }
  await ok(`${base}/participants/${AMT_BIESENTHAL}/events`, { type: 'ONBOARDING_STARTEN' });
  return { token, id, base, page: `/verwaltung/loesungen/${id}/bus-bb` };
}
