/**
 * The core of `npm run bench:ui` (bench/ui.bench.ts prints it; test/web/ui-bench.test.ts
 * runs it small): the real runtime with the Brandenburg directory, solutions of one
 * ministry in every stage (ui-bench.fill.ts), a person of that ministry signed in through
 * the sign-in form (session cookie), and each staff page beside the JSON route that
 * returns the same data – timed over real HTTP on the runtime's listening loopback socket
 * (keep-alive, from writing the request to the response's last byte) and weighed with
 * `accept-encoding: gzip, br` (body bytes as sent) and without (identity).
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { progress, startBenchService } from './bench.support.ts';
import { fillSolutions, type FilledSolution, type PlannedSolution } from './ui-bench.fill.ts';
import { PAGE_LIMIT_MAX } from '../src/validation/common.schemas.ts';

export interface UiBenchSettings {
  plan: PlannedSolution[];
  warmup: number;
  rounds: number;
  /** Participants per page: the JSON route is asked for as many as the page shows. */
  pageSize: number;
}

export interface Measured {
  route: string;
  kind: 'page' | 'json';
  status: number;
  p50: number;
  p95: number;
  compressedBytes: number;
  uncompressedBytes: number;
  encoding: string;
}

export interface Pair {
  name: string;
  page: Measured;
  json: Measured;
  /** false: the page's route is not registered in this service (not built yet). */
  pageRouteExists: boolean;
}

export interface UiBenchResult {
  solutions: FilledSolution[];
  measuredSolution: FilledSolution;
  pairs: Pair[];
  /** The measured solution as the API tells it: participants per stage, its tickets (by API and automatic). */
  facts: { participantsByStage: Record<string, number>; tickets: number };
  /** Rows in the participant page's table body (what its page size turned out to be), null without the page. */
  participantRowsOnPage: number | null;
}

const MINISTRY = 'MSGIV';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  ms: number;
}

function request(agent: http.Agent, origin: string, method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  const url = new URL(path, origin);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.request({ agent, method, host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), ms: performance.now() - started }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const percentile = (sorted: number[], p: number) => sorted[Math.max(1, Math.ceil(p * sorted.length)) - 1]!;

export async function runUiBench(env: Record<string, string>, settings: UiBenchSettings): Promise<UiBenchResult> {
  const service = await startBenchService('bench:ui', env);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const { runtime, api } = service;
    const origin = api.base;
    const solutions = await fillSolutions(runtime, api, MINISTRY, settings.plan);
    const issued = await api.expect(201, 'POST', '/api/v1/admin/tokens', { role: 'ministry', ministry: MINISTRY, label: 'Anna Benchmark' });
    const token: string = issued.token;

    // The sign-in form, as a browser sends it: its cookie and CSRF value, then the token.
    let cookie = '';
    const keepCookie = (answer: Answer) => {
      const set = answer.headers['set-cookie']?.find((c) => c.startsWith('efa_sitzung='));
      if (set) cookie = set.split(';')[0]!;
      return answer;
    };
    const form = keepCookie(await request(agent, origin, 'GET', '/anmelden', {}));
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body.toString())?.[1];
    if (!csrf) throw new Error(`sign-in form without CSRF value (${form.status})`);
    const signedIn = keepCookie(
      await request(agent, origin, 'POST', '/anmelden', { cookie, origin, 'content-type': 'application/x-www-form-urlencoded' }, new URLSearchParams({ _csrf: csrf, token }).toString()),
    );
    if (signedIn.status !== 303 || signedIn.headers.location !== '/verwaltung') throw new Error(`sign-in: ${signedIn.status} ${String(signedIn.headers.location)}`);

    // The largest solution: in rollout at Gemeinde level, with tickets if any has them.
    const measuredSolution = [...solutions].sort((a, b) => b.participants - a.participants || b.tickets - a.tickets).find((s) => s.stage === 'rollout') ?? solutions[0]!;
    const id = measuredSolution.id;
    const facts = {
      participantsByStage: (await api.expect(200, 'GET', `/api/v1/solutions/${id}`)).participantsByStage as Record<string, number>,
      tickets: (await api.expect(200, 'GET', `/api/v1/tickets?solutionId=${id}&limit=1`)).total as number,
    };
    const pairs: [string, string, string, string][] = [
      ['Lösungsliste', '/verwaltung', '/api/v1/solutions', ''],
      ['Seite einer Lösung', `/verwaltung/loesungen/${id}`, `/api/v1/solutions/${id}`, ''],
      ['Teilnehmendentabelle', `/verwaltung/loesungen/${id}/teilnehmende`, `/api/v1/solutions/${id}/participants?limit=${settings.pageSize}`, '/verwaltung/loesungen/:id/teilnehmende'],
      // the solution's other pages, each beside the JSON route of its main list
      ['Mailings', `/verwaltung/loesungen/${id}/mailings`, `/api/v1/solutions/${id}/mailings`, ''],
      ['Piloten', `/verwaltung/loesungen/${id}/piloten`, `/api/v1/solutions/${id}/pilot-candidates`, ''],
      ['Wellen', `/verwaltung/loesungen/${id}/wellen`, `/api/v1/solutions/${id}/waves`, ''],
      ['BUS-BB und Abgleich', `/verwaltung/loesungen/${id}/bus-bb`, `/api/v1/solutions/${id}/participants?stage=onboarding,bus-bb-verknuepft&limit=50`, ''],
      ['Tickets der Lösung', `/verwaltung/loesungen/${id}/tickets`, `/api/v1/tickets?solutionId=${id}`, ''],
      ['Ticket-Board', '/verwaltung/tickets', '/api/v1/tickets', ''],
      // issue 17: who is missing where, the maps, the statewide picture – each beside the JSON of the same facts
      ['Abdeckung nach Kreis', `/verwaltung/loesungen/${id}/abdeckung`, `/api/v1/solutions/${id}/coverage`, ''],
      ['Karte der Lösung', `/verwaltung/loesungen/${id}/karte`, `/api/v1/solutions/${id}/participants?limit=${PAGE_LIMIT_MAX}`, ''],
      ['Karte aller Lösungen', '/verwaltung/karte', '/api/v1/overview', ''],
      ['Lagebild', '/verwaltung/lagebild', '/api/v1/overview', ''],
    ];

    const measure = async (route: string, kind: 'page' | 'json'): Promise<Measured> => {
      const auth: Record<string, string> = kind === 'page' ? { cookie } : { authorization: `Bearer ${token}` };
      const compressedHeaders = { ...auth, 'accept-encoding': 'gzip, br' };
      const plain = await request(agent, origin, 'GET', route, { ...auth, 'accept-encoding': 'identity' });
      if (plain.status !== 200) return { route, kind, status: plain.status, p50: NaN, p95: NaN, compressedBytes: NaN, uncompressedBytes: plain.body.length, encoding: '' };
      for (let i = 0; i < settings.warmup; i++) await request(agent, origin, 'GET', route, compressedHeaders);
      const times: number[] = [];
      let last: Answer | null = null;
      for (let i = 0; i < settings.rounds; i++) {
        last = await request(agent, origin, 'GET', route, compressedHeaders);
        if (last.status !== 200) throw new Error(`${route}: ${last.status} in round ${i + 1}`);
        times.push(last.ms);
      }
      times.sort((a, b) => a - b);
      return {
        route,
        kind,
        status: 200,
        p50: percentile(times, 0.5),
        p95: percentile(times, 0.95),
        compressedBytes: last!.body.length,
        uncompressedBytes: plain.body.length,
        encoding: String(last!.headers['content-encoding'] ?? 'identity'),
      };
    };

    const result: Pair[] = [];
    let participantRowsOnPage: number | null = null;
    for (const [name, page, json, routePattern] of pairs) {
      progress(`measuring: ${name}`);
      const pageMeasured = await measure(page, 'page');
      const jsonMeasured = await measure(json, 'json');
      const pageRouteExists = !routePattern || runtime.app.hasRoute({ method: 'GET', url: routePattern });
      result.push({ name, page: pageMeasured, json: jsonMeasured, pageRouteExists });
      if (routePattern && pageMeasured.status === 200) {
        const plain = await request(agent, origin, 'GET', page, { cookie, 'accept-encoding': 'identity' });
        const tbody = /<tbody>([\s\S]*?)<\/tbody>/.exec(plain.body.toString())?.[1] ?? '';
        participantRowsOnPage = (tbody.match(/<tr[\s>]/g) ?? []).length;
      }
    }
    return { solutions, measuredSolution, facts, pairs: result, participantRowsOnPage };
  } finally {
    agent.destroy();
    await service.close();
  }
}
