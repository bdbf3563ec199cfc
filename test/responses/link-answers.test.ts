import t from 'tap';
import { initialTransition, transition } from 'xstate';
import type { MailingLinkPurpose } from '../../src/db/schema.ts';
import { ANSWER_OPTIONS, answersAcceptedIn, linkAnswerability, stagesAskedBy, type AnswerOption } from '../../src/links/link-answers.ts';
import { participantEventsFor, type StructuredAnswer } from '../../src/responses/response.service.ts';
import { participantMachine, participantStage, PARTICIPANT_STAGES, type ParticipantEvent } from '../../workflows/index.ts';

/**
 * The table of link-answers.ts held against the participant machine: every answer it
 * offers in a stage is taken there by the events the answer page sends (participantEventsFor,
 * an Erstinformation link informing a 'vorgemerkt' authority first). The pilot's checklist
 * sends no event of the machine.
 */

const AT = '2026-05-05T08:00:00.000Z';
const URL_OK = 'https://dienst.example/antrag';
type Snapshot = ReturnType<typeof initialTransition<typeof participantMachine>>[0];

function send(snapshot: Snapshot, ...events: ParticipantEvent[]): Snapshot {
  return events.reduce((current, event) => transition(participantMachine, current, event)[0], snapshot);
}

const informed = () => send(initialTransition(participantMachine, { ars: '120540000000' })[0], { type: 'INFORMIEREN' });
const invited = () => send(informed(), { type: 'EINLADEN', wave: 'Welle 1', at: AT });
const linked = () => send(invited(), { type: 'ONBOARDING_STARTEN' }, { type: 'BUS_BB_VERKNUEPFUNG_MELDEN', onlineDienstUrl: URL_OK, at: AT });
const confirm = (schritt: string) => ({ type: 'BUS_BB_SCHRITT_BESTAETIGEN', schritt, at: AT }) as ParticipantEvent;

const IN_STAGE: Record<string, () => Snapshot> = {
  vorgemerkt: () => initialTransition(participantMachine, { ars: '120540000000' })[0],
  informiert: informed,
  interessiert: () => send(informed(), { type: 'INTERESSE_BEKUNDEN' }),
  'pilot-kandidat': () => send(informed(), { type: 'ALS_PILOT_BEWERBEN' }),
  'pilot-bestaetigt': () => send(informed(), { type: 'ALS_PILOT_BEWERBEN' }, { type: 'PILOT_BESTAETIGEN' }),
  'pilot-live': () => send(informed(), { type: 'ALS_PILOT_BEWERBEN' }, { type: 'PILOT_BESTAETIGEN' }, { type: 'PILOT_LIVE_MELDEN', onlineDienstUrl: URL_OK, at: AT }),
  eingeladen: invited,
  onboarding: () => send(invited(), { type: 'ONBOARDING_STARTEN' }),
  'bus-bb-verknuepft': linked,
  live: () => send(linked(), confirm('online-dienst-angelegt'), confirm('zustaendigkeit-zugeordnet'), confirm('lsp-sichtbar'), { type: 'LIVE_BESTAETIGEN' }),
  abgelehnt: () => send(informed(), { type: 'ABLEHNEN', reason: 'kein Bedarf' }),
  'nicht-zustaendig': () => send(informed(), { type: 'NICHT_ZUSTAENDIG_MELDEN', reason: 'das Amt' }),
  ausgeschlossen: () => send(informed(), { type: 'AUSSCHLIESSEN', reason: 'eigene Lösung' }),
};

function sampleAnswer(purpose: MailingLinkPurpose, option: AnswerOption): StructuredAnswer {
  switch (purpose) {
    case 'interesse':
      return { purpose, wahl: option as 'interesse', freitext: 'Zuständig ist das Amt' };
    case 'pilot':
      return { purpose };
    case 'bereitschaft':
      if (option === 'bereit-ab') return { purpose, status: 'bereit-ab', ab: '2030-01-01' };
      if (option === 'nicht-bereit') return { purpose, status: 'nicht-bereit', gruende: ['avv'] };
      return { purpose, status: 'bereit' };
    case 'bus-bb':
      return option === 'schritte' ? { purpose, schritte: ['online-dienst-angelegt'] } : { purpose, onlineDienstUrl: URL_OK, verknuepftAm: '2026-05-01' };
    case 'pilotbetrieb':
      return { purpose, onlineDienstUrl: URL_OK, verknuepftAm: '2026-05-01' };
  }
}

t.test('every answer a link offers in a stage is one the participant machine takes there', async (t) => {
  t.same(Object.keys(IN_STAGE).sort(), [...PARTICIPANT_STAGES].sort(), 'a snapshot for every stage');
  for (const stage of PARTICIPANT_STAGES) {
    t.equal(participantStage(IN_STAGE[stage]!()), stage);
    for (const purpose of Object.keys(ANSWER_OPTIONS) as MailingLinkPurpose[]) {
      for (const option of answersAcceptedIn(purpose, stage)) {
        if (purpose === 'pilotbetrieb' && option === 'checkliste') continue;
        let snapshot = IN_STAGE[stage]!();
        const events = participantEventsFor(sampleAnswer(purpose, option), stage).map((event) => ({ at: AT, ...event }) as ParticipantEvent);
        if (stage === 'vorgemerkt' && (purpose === 'interesse' || purpose === 'pilot')) events.unshift({ type: 'INFORMIEREN' });
        for (const event of events) {
          t.ok(snapshot.can(event), `${purpose}=${option} in ${stage}: ${event.type}`);
          snapshot = send(snapshot, event);
        }
      }
    }
  }
});

t.test('what a link says when it takes no answer', async (t) => {
  t.same(linkAnswerability('interesse', 'informiert', 'abgebrochen'), { state: 'beendet', solutionStage: 'abgebrochen' }, 'the end of the rollout first');
  t.same(linkAnswerability('bereitschaft', 'live', 'rollout'), { state: 'erledigt', stage: 'live' });
  t.same(linkAnswerability('bereitschaft', null, 'rollout'), { state: 'erledigt', stage: null }, 'no participant');
  t.match(linkAnswerability('bereitschaft', 'eingeladen', 'pausiert'), { state: 'ruht', options: ['bereit', 'bereit-ab', 'nicht-bereit'] });
  t.same(linkAnswerability('interesse', 'interessiert', 'pilotphase'), { state: 'offen', stage: 'interessiert', options: ['pilot', 'kein-interesse', 'nicht-zustaendig'] });
  t.same(stagesAskedBy(['interesse', 'pilot']), ['vorgemerkt', 'informiert'], 'the Erstinformation asks authorities not yet reached by a later step');
  t.same(stagesAskedBy(['pilotbetrieb']), ['pilot-bestaetigt'], 'the pilot invitation goes to confirmed pilots');
  t.same(stagesAskedBy(['bereitschaft', 'bus-bb']), ['eingeladen']);
});
