import { bearer, type TestApp } from './app.ts';
import { drainSettling } from './rollout.ts';
import { BARNIM, POTSDAM, ticketSetUp } from './tickets.ts';

export { BARNIM, POTSDAM };
export const COTTBUS = '120520000000'; // kreisfreie Stadt
const DAY = 24 * 60 * 60 * 1000;

/**
 * The Lagebild's rollout: MSGIV's Kreis-level solution (18 Kreise) in rollout, Potsdam live,
 * Barnim "nicht bereit" (personal, sonstiges) with an open blocking critical ticket,
 * Cottbus invited in a second wave and silent; then 15 days on, so Cottbus's 14-day answer
 * deadline and the ticket's SLA have passed. Beside it a draft of another ministry (MIK,
 * Gemeinde level) that MSGIV must not count.
 */
export async function statewideSetUp(env: TestApp) {
  const setUp = await ticketSetUp(env);
  const { token, kaz, id, base, api, participantEvent } = setUp;
  const sent = async (ars: string, event: Record<string, unknown>) => {
    const response = await participantEvent(ars, event);
    if (response.statusCode !== 200) throw new Error(`${String(event.type)} ${ars}: ${response.body}`);
  };
  // a planned wave of the wave API: its answer deadline is the wave's start plus fristTage
  const wave = await env.app.inject({ method: 'POST', url: `${base}/waves`, headers: bearer(token), payload: { name: 'Welle Cottbus', authorities: [COTTBUS], fristTage: 14 } });
  if (wave.statusCode !== 201) throw new Error(wave.body);
  const waveId: string = wave.json().id;
  const start = await env.app.inject({ method: 'POST', url: `${base}/waves/${waveId}/start`, headers: bearer(token), payload: {} });
  if (start.statusCode !== 200) throw new Error(start.body);
  await drainSettling(env);

  await sent(POTSDAM, { type: 'ONBOARDING_STARTEN' });
  await sent(POTSDAM, { type: 'BUS_BB_VERKNUEPFUNG_MELDEN', onlineDienstUrl: 'https://meldewesen.brandenburg.example/potsdam' });
  for (const schritt of ['online-dienst-angelegt', 'zustaendigkeit-zugeordnet', 'lsp-sichtbar']) await sent(POTSDAM, { type: 'BUS_BB_SCHRITT_BESTAETIGEN', schritt });
  await sent(POTSDAM, { type: 'LIVE_BESTAETIGEN' });
  // reasons that open no automatic ticket of the Kaz: the one blocking ticket below is the only ticket
  await sent(BARNIM, { type: 'BEREITSCHAFT_MELDEN', status: 'nicht-bereit', gruende: ['personal', 'sonstiges'], freitext: 'Stelle <unbesetzt>' });

  const ticket = await api('POST', '/tickets', kaz, {
    solutionId: id,
    ars: BARNIM,
    category: 'epayment',
    priority: 'kritisch',
    title: 'ePayment-Anbindung <fehlt>',
    description: 'Der Zahlungsverkehrsprovider ist nicht angebunden',
    blocking: true,
  });
  if (ticket.statusCode !== 201) throw new Error(ticket.body);

  const mik = await env.ministryToken('MIK');
  const other = await env.app.inject({
    method: 'POST',
    url: '/api/v1/solutions',
    headers: bearer(mik),
    payload: { title: 'Waffenschein online', ozgId: '10450', leikaKeys: ['99089001000000'], responsibility: { level: 'gemeinde' } },
  });
  if (other.statusCode !== 201) throw new Error(other.body);

  env.clock.now = new Date(env.clock.now.getTime() + 15 * DAY);
  return { ...setUp, waveId, mik, otherId: other.json().id as string, ticket: ticket.json() as { id: string; number: number; title: string } };
}
