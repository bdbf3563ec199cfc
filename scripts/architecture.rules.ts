/**
 * The layers of efa-rollout, as data: the dependency checker (scripts/architecture.ts,
 * run by test/architecture.test.ts) enforces them, and README's architecture section is
 * generated from them (`npm run architecture`), so the picture cannot drift from the rules.
 *
 * Layers top → bottom. A file may import its own module and modules of LOWER layers.
 * Modules of the same layer may import each other only while the module graph stays
 * acyclic (two feature folders never import each other both ways). A file under src/ or
 * workflows/ that no module claims fails the check: a new folder gets its place here.
 */

export interface ModuleRule {
  /** Shown in the diagram and the table. */
  readonly name: string;
  /** Folders (every file below them) or single files, relative to the repository root. */
  readonly paths: readonly string[];
  /** One line: what lives there. */
  readonly purpose: string;
}

export interface LayerRule {
  readonly name: string;
  readonly modules: readonly ModuleRule[];
  /**
   * Only for the diagram: draw this layer's arrows once per layer they reach (outgoing) or
   * once per layer they come from (incoming), instead of one per module – for the
   * composition root, which imports nearly everything, and for the layers everyone uses.
   */
  readonly diagramArrows?: 'per-layer-outgoing' | 'per-layer-incoming';
}

export interface ArchitectureRules {
  /** The folders whose files are checked; every file below them must belong to a module. */
  readonly roots: readonly string[];
  readonly layers: readonly LayerRule[];
  /** The generic runner: it may import no module of these layers (its own message; the issue names it). */
  readonly engine: { readonly module: string; readonly forbiddenLayers: readonly string[] };
  /** Files with these role suffixes hold domain logic: they import nothing from the http module. */
  readonly domainFileSuffixes: readonly string[];
  readonly httpModule: string;
  /** The one raw door into HTML and the files allowed to use it, each with the reason. */
  readonly trustedHtml: { readonly definedIn: string; readonly name: string; readonly allowedIn: Readonly<Record<string, string>> };
}

const folder = (name: string, purpose: string): ModuleRule => ({ name, paths: [`src/${name}`], purpose });

export const RULES: ArchitectureRules = {
  roots: ['src', 'workflows'],
  layers: [
    {
      name: 'composition',
      diagramArrows: 'per-layer-outgoing',
      modules: [
        {
          name: 'composition root',
          paths: ['src/app.ts', 'src/runtime.ts', 'src/server.ts', 'src/cli.ts', 'src/cli.commands.ts', 'src/compile-cache.ts', 'src/config.ts', 'src/composition.ts'],
          purpose: 'reads the environment (config.ts), wires app and worker (app.ts, runtime.ts), listens (server.ts), the CLI; may import any module',
        },
      ],
    },
    {
      name: 'web',
      modules: [folder('web', 'every HTML page – answer forms, pilot page, ticket pages, error pages, staff pages – through one auto-escaping template mechanism')],
    },
    {
      name: 'features',
      modules: [
        folder('solutions', 'registering solutions, Zuständigkeit, participants, history, bulk events, ministry names'),
        folder('directory', 'Kommunalverzeichnis: encodings, CSV, kvdaten and Destatis formats, UTM33, import, search'),
        folder('mailings', 'templates, mailings, reminders, escalation, the mail bodies'),
        folder('responses', 'the authorities\' answers through their links, link renewal'),
        folder('pilots', 'step 2: candidates, checklist per pilot, go-live gate, support'),
        folder('pilot-calls', 'Kommunale Mitarbeit gesucht: the public list of solutions looking for pilot authorities'),
        folder('tickets', 'Kaz tickets: SLA, automatic tickets, notices and ticket mails'),
        folder('busbb', 'BUS-BB: Leistungsbeschreibung, reconciliation with the PVOG'),
        folder('waves', 'rollout waves: planning, membership, start, progress'),
        folder('diagrams', 'process diagrams drawn from the machines of workflows/: walk, layout (dagre), SVG and text alternative'),
        folder('coverage', 'coverage per Kreis: responsible, live, flächendeckend, the missing authorities and what each waits for'),
        folder('exports', 'exports of a solution: participants, tickets, waves as CSV (German spreadsheets, formulas neutralised) or JSON'),
        folder('snapshots', 'quarterly snapshots of a solution\'s progress: taken once per quarter by a job, compared with the one before and with now'),
        folder('map', 'the map of Brandenburg: BKG VG5000 outlines projected once (d3-geo), the areas of authorities, the SVG with legend and source line'),
        folder('overview', 'the statewide Lagebild: solutions per stage, authorities live, where rollouts are stuck – a few grouped queries for all solutions'),
        folder('jobs', 'the job list and retries as the API shows them'),
        folder('tokens', 'API tokens as the API hands them out and revokes them'),
      ],
    },
    {
      name: 'http',
      modules: [folder('http', 'problem+json and the mapping of domain outcomes, input guard, validators, body limits, OpenAPI, route table')],
    },
    {
      name: 'auth',
      modules: [folder('auth', 'roles, API tokens stored as hashes, the authentication hook')],
    },
    {
      name: 'core',
      modules: [
        folder('engine', 'the generic durable runner of machines: load, transition, save, history, job queue'),
        folder('links', 'signed answer links: issue, hash, verify, expire, renew, current URLs'),
        folder('mail', 'delivery: pooled SMTP or local outbox, the send activity'),
      ],
    },
    {
      name: 'base',
      diagramArrows: 'per-layer-incoming',
      modules: [
        folder('validation', 'request building blocks (ARS, dates, mail addresses, bounds), German field errors'),
        folder('markup', 'the HTML template mechanism: the html tagged template, escaping, the one raw door trustedHtml'),
        folder('errors', 'domain errors (invalid input, not found, conflict, …) and the configuration error'),
        folder('db', 'Kysely database (PGlite or PostgreSQL), schema types, migrator'),
        folder('time', 'Berlin clock, working days and office hours for SLAs'),
        folder('logging', 'logger, link redaction in logs, admin-token banner, start-failure lines'),
      ],
    },
    {
      name: 'machines',
      diagramArrows: 'per-layer-incoming',
      modules: [{ name: 'workflows', paths: ['workflows'], purpose: 'pure XState machines, one per lifecycle; import nothing from src/' }],
    },
  ],
  engine: { module: 'engine', forbiddenLayers: ['web', 'features', 'http', 'auth'] },
  domainFileSuffixes: ['.service.ts', '.queries.ts', '.activities.ts', '.repository.ts', '.validate.ts'],
  httpModule: 'http',
  trustedHtml: {
    definedIn: 'src/markup/html.ts',
    name: 'trustedHtml',
    allowedIn: {
      'src/web/layout.ts': "the pages' style sheet, a constant of the program that never holds input",
      'src/mailings/template.render.ts':
        "a mail template's HTML part is markup by definition, written by the ministry's staff and checked on saving; every value filled into its placeholders is escaped by html``",
    },
  },
};
