import t from 'tap';
import { readFile } from 'node:fs/promises';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { databaseKinds, openTestDatabase } from '../helpers/databases.ts';
import { composeTestService } from '../helpers/app.ts';
import { importDirectory } from '../../src/directory/directory.import.ts';
import { FIXTURE_DIRECTORY } from '../../src/runtime.ts';
import { createApiToken } from '../../src/auth/api-token.service.ts';
import { sendParticipantEvent } from '../../src/solutions/participant.target.ts';

function describe(node: RootOperationNode): string {
  const n = node as any;
  const table = n.from?.froms?.[0]?.table?.identifier?.name ?? n.table?.table?.identifier?.name ?? n.into?.table?.identifier?.name ?? '';
  return `${node.kind.replace('QueryNode', '')} ${table}`;
}

class StatementLog implements KyselyPlugin {
  kinds: string[] = [];
  built = new WeakMap<object, string>();
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.built.set(args.queryId, describe(args.node));
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    this.kinds.push(this.built.get(args.queryId) ?? '?');
    return args.result;
  }
}

for (const kind of databaseKinds().slice(0, 1)) {
  t.test(`${kind}: statements`, async (t) => {
    const handle = await openTestDatabase(t, kind);
    await importDirectory(handle.db, { content: await readFile(FIXTURE_DIRECTORY), sourceName: 'fixture' });
    const log = new StatementLog();
    const counted = { ...handle, db: handle.db.withPlugin(log) };
    const { app, engine } = await composeTestService(t, counted);
    const { token } = await createApiToken(handle.db, { role: 'admin', ministry: null, label: 'x' });
    const h = { authorization: `Bearer ${token}` };
    const s = (await app.inject({ method: 'POST', url: '/api/v1/solutions', headers: h, payload: { title: 'x', ozgId: '10097', leadMinistry: 'MIK', leikaKeys: ['99050012104000'], responsibility: { level: 'kreis' } } })).json();
    await app.inject({ method: 'POST', url: `/api/v1/solutions/${s.id}/events`, headers: h, payload: { type: 'ERSTINFORMATION_STARTEN' } });
    const ars = '120540000000';
    log.kinds = [];
    await sendParticipantEvent(engine, { solutionId: s.id, ars, event: { type: 'INFORMIEREN' }, actor: 'test', origin: 'system' }, { idempotencyKey: 'k1' });
    console.log('INFORMIEREN (system, key)', log.kinds);
    for (const payload of [{ type: 'INTERESSE_BEKUNDEN' }, { type: 'ALS_PILOT_BEWERBEN' }, { type: 'PILOT_ZURUECKSTELLEN', reason: 'Benchmark: x' }]) {
      log.kinds = [];
      const r = await app.inject({ method: 'POST', url: `/api/v1/solutions/${s.id}/participants/${ars}/events`, headers: h, payload });
      console.log(payload.type, r.statusCode, log.kinds);
    }
  });
}
