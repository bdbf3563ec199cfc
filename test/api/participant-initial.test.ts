import { isDeepStrictEqual } from 'node:util';
import t from 'tap';
import { initialTransition } from 'xstate';
import { databaseKinds } from '../helpers/databases.ts';
import { bearer, buildTestApp } from '../helpers/app.ts';
import { participantMachine, PARTICIPANT_MACHINE_VERSION } from '../../workflows/index.ts';

/**
 * Creating a solution writes its participants set-based (src/solutions/participant.initial.ts:
 * one initial snapshot, each row with its own ARS): every row must be exactly what starting
 * the participant machine for that authority gives – and what the engine then reads.
 */

for (const kind of databaseKinds()) {
  t.test(`${kind}: the participants of a new solution start exactly as the machine starts them`, async (t) => {
    const env = await buildTestApp(t, kind);
    const token = await env.ministryToken('MSGIV');
    const created = await env.app.inject({
      method: 'POST',
      url: '/api/v1/solutions',
      headers: bearer(token),
      payload: { title: 'Wohngeld digital', ozgId: '10326', leikaKeys: ['99107004000000'], responsibility: { level: 'gemeinde' } },
    });
    t.equal(created.statusCode, 201, created.body);
    const id = created.json().id as string;
    const rows = await env.handle.db.selectFrom('participant').select(['ars', 'stage', 'snapshot', 'machine_version', 'revision']).where('solution_id', '=', id).execute();
    t.equal(rows.length, 195, 'Brandenburg at Gemeinde level');
    const wrong = rows.filter((row) => {
      const [snapshot] = initialTransition(participantMachine, { ars: row.ars });
      const expected = JSON.parse(JSON.stringify(participantMachine.getPersistedSnapshot(snapshot as never)));
      return (
        !isDeepStrictEqual(row.snapshot, expected) ||
        row.stage !== String(expected.value) ||
        row.machine_version !== PARTICIPANT_MACHINE_VERSION ||
        row.revision !== 0
      );
    });
    t.same(wrong.map((row) => row.ars), [], 'every row equals the machine’s own initial snapshot for its ARS');

    // and the engine takes it from there
    const one = rows[0]!.ars;
    const detail = await env.app.inject({ url: `/api/v1/solutions/${id}/participants/${one}`, headers: bearer(token) });
    t.equal(detail.statusCode, 200);
    t.match(detail.json(), { ars: one, stage: 'vorgemerkt', context: { ars: one, erinnerungen: 0 } });
  });
}
