/**
 * The dependency checker: reads the import graph of src/ and workflows/ (TypeScript's own
 * scanner, so type-only imports, re-exports and `import()` count – they are arrows in the
 * design too), checks it against the rules (architecture.rules.ts) and draws README's
 * architecture section from the same rules and graph.
 *
 *   npm run architecture            rewrite README's section, list the violations
 *   node scripts/architecture.ts --check   exit 1 on a violation or a stale README section
 *
 * The checks are pure functions over a graph, so test/architecture.test.ts also runs them
 * on small made-up graphs and sees each one fail.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { RULES, type ArchitectureRules, type LayerRule, type ModuleRule } from './architecture.rules.ts';

/** Repository-relative paths (posix) of the files under the roots, each with the files it imports. */
export type SourceGraph = ReadonlyMap<string, SourceFile>;

export interface SourceFile {
  /** Resolved repository-relative paths of relative imports; imports of packages are left out. */
  readonly imports: readonly string[];
  /** The file names the raw-HTML door (an identifier, so an aliased import counts too). */
  readonly usesTrustedHtml: boolean;
}

export type CheckName = 'unassigned' | 'file-cycle' | 'upward-import' | 'engine-imports-above' | 'module-cycle' | 'domain-imports-http' | 'trusted-html';

export type Violations = Record<CheckName, string[]>;

export const CHECKS: Record<CheckName, string> = {
  unassigned: 'every file under src/ and workflows/ belongs to a module of a layer',
  'file-cycle': 'no import cycle between files',
  'upward-import': 'no import into a higher layer',
  'engine-imports-above': 'the engine imports no feature, web, http or auth module',
  'module-cycle': 'no cycle between modules (folders): two features never import each other',
  'domain-imports-http': 'services, queries, activities, repositories and validators import nothing from http',
  'trusted-html': 'trustedHtml is used only where the rules allow it, and each allowed file uses it',
};

const REPOSITORY = fileURLToPath(new URL('..', import.meta.url));

// ---------------------------------------------------------------- the graph

function filesUnder(root: string): string[] {
  return readdirSync(posix.join(REPOSITORY, root), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
    .map((entry) => posix.relative(REPOSITORY, posix.join(entry.parentPath, entry.name)))
    .sort();
}

function usesIdentifier(source: ts.SourceFile, name: string): boolean {
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isIdentifier(node) && node.text === name) found = true;
    else ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** What the checks need of one file: its relative imports resolved (type-only, re-exports and import() included), and whether it names the raw-HTML door. */
export function readSourceFile(file: string, text: string, rules: ArchitectureRules = RULES): SourceFile {
  const imports = ts
    .preProcessFile(text, true, true)
    .importedFiles.map((ref) => ref.fileName)
    .filter((specifier) => specifier.startsWith('./') || specifier.startsWith('../'))
    .map((specifier) => posix.normalize(posix.join(posix.dirname(file), specifier)));
  const door = rules.trustedHtml.name;
  const usesTrustedHtml = text.includes(door) && usesIdentifier(ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false), door);
  return { imports: [...new Set(imports)], usesTrustedHtml };
}

/** The import graph of the rules' roots, read from disk. */
export function readSourceGraph(rules: ArchitectureRules = RULES): SourceGraph {
  return new Map(rules.roots.flatMap(filesUnder).map((file) => [file, readSourceFile(file, readFileSync(posix.join(REPOSITORY, file), 'utf8'), rules)]));
}

// ---------------------------------------------------------------- modules and layers

interface Placement {
  readonly module: ModuleRule;
  readonly layer: LayerRule;
  readonly layerIndex: number;
}

function placementOf(file: string, rules: ArchitectureRules): Placement | undefined {
  for (const [layerIndex, layer] of rules.layers.entries()) {
    for (const module of layer.modules) {
      if (module.paths.some((path) => file === path || file.startsWith(`${path}/`))) return { module, layer, layerIndex };
    }
  }
  return undefined;
}

/** The folder (or root file) a file without a module stands for: `src/monitoring/x.ts` → `src/monitoring`. */
function unassignedUnit(file: string, rules: ArchitectureRules): string {
  const root = rules.roots.find((candidate) => file.startsWith(`${candidate}/`));
  if (!root) return file;
  const [first, ...rest] = file.slice(root.length + 1).split('/');
  return rest.length ? `${root}/${first}` : file;
}

/** Module-level edges, each with the file imports that make it. */
export function moduleEdges(graph: SourceGraph, rules: ArchitectureRules = RULES): Map<string, Map<string, string[]>> {
  const edges = new Map<string, Map<string, string[]>>();
  for (const [file, { imports }] of graph) {
    const from = placementOf(file, rules);
    for (const target of imports) {
      const to = placementOf(target, rules);
      if (!from || !to || from.module === to.module) continue;
      const targets = edges.get(from.module.name) ?? new Map<string, string[]>();
      edges.set(from.module.name, targets);
      targets.set(to.module.name, [...(targets.get(to.module.name) ?? []), `${file} → ${target}`]);
    }
  }
  return edges;
}

// ---------------------------------------------------------------- cycles

/** Strongly connected components with a cycle (more than one node, or a node importing itself). */
function cyclicComponents(nodes: readonly string[], next: (node: string) => readonly string[]): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let counter = 0;
  const connect = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    onStack.add(node);
    for (const target of next(node)) {
      if (!index.has(target)) {
        connect(target);
        low.set(node, Math.min(low.get(node)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node)!, index.get(target)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || next(node).includes(node)) components.push(component.sort());
  };
  for (const node of [...nodes].sort()) if (!index.has(node)) connect(node);
  return components;
}

/** One cycle through the component's first node: the shortest way back to it (breadth first). */
function oneCycle(component: readonly string[], next: (node: string) => readonly string[]): string[] {
  const members = new Set(component);
  const start = component[0]!;
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const node = queue.shift()!;
    for (const target of next(node)) {
      if (!members.has(target)) continue;
      if (target === start) {
        const path = [node];
        while (path[0] !== start) path.unshift(cameFrom.get(path[0]!)!);
        return [...path, start];
      }
      if (!cameFrom.has(target)) {
        cameFrom.set(target, node);
        queue.push(target);
      }
    }
  }
  return [start, start];
}

// ---------------------------------------------------------------- the checks

export function checkArchitecture(graph: SourceGraph, rules: ArchitectureRules = RULES): Violations {
  const violations: Violations = {
    unassigned: [],
    'file-cycle': [],
    'upward-import': [],
    'engine-imports-above': [],
    'module-cycle': [],
    'domain-imports-http': [],
    'trusted-html': [],
  };

  const unassigned = new Map<string, string[]>();
  for (const file of graph.keys()) {
    if (placementOf(file, rules)) continue;
    const unit = unassignedUnit(file, rules);
    unassigned.set(unit, [...(unassigned.get(unit) ?? []), file]);
  }
  for (const [unit, files] of unassigned) {
    const what = unit.endsWith('.ts') ? 'unassigned file' : 'unassigned folder';
    violations.unassigned.push(`${what} ${unit} (${files.length} file${files.length === 1 ? '' : 's'}, e.g. ${files[0]}): give it a layer in scripts/architecture.rules.ts`);
  }

  const fileTargets = (file: string) => (graph.get(file)?.imports ?? []).filter((target) => graph.has(target));
  for (const component of cyclicComponents([...graph.keys()], fileTargets)) {
    violations['file-cycle'].push(`${oneCycle(component, fileTargets).join(' → ')}${component.length > 2 ? ` (${component.length} files in the cycle)` : ''}`);
  }

  for (const [file, { imports }] of graph) {
    const from = placementOf(file, rules);
    for (const target of imports) {
      const to = placementOf(target, rules);
      if (from && to && to.layerIndex < from.layerIndex) {
        if (from.module.name === rules.engine.module && rules.engine.forbiddenLayers.includes(to.layer.name)) {
          violations['engine-imports-above'].push(`${file} → ${target} (the engine imports ${to.module.name}, layer ${to.layer.name})`);
        } else {
          violations['upward-import'].push(`${file} → ${target} (${from.layer.name} imports the higher layer ${to.layer.name})`);
        }
      }
      const base = posix.basename(file);
      if (to?.module.name === rules.httpModule && from?.module.name !== rules.httpModule && rules.domainFileSuffixes.some((suffix) => base.endsWith(suffix))) {
        violations['domain-imports-http'].push(`${file} → ${target}`);
      }
    }
  }

  const edges = moduleEdges(graph, rules);
  const moduleTargets = (module: string) => [...(edges.get(module)?.keys() ?? [])];
  const modules = [...new Set([...edges.keys(), ...[...edges.values()].flatMap((targets) => [...targets.keys()])])];
  const arrow = (from: string, to: string) => `    ${from} → ${to}: ${edges.get(from)!.get(to)!.join(', ')}`;
  for (const component of cyclicComponents(modules, moduleTargets)) {
    // Each pair importing each other both ways is named with its imports; a longer cycle without such a pair, by one path.
    const pairs = component.flatMap((a) => component.filter((b) => a < b && moduleTargets(a).includes(b) && moduleTargets(b).includes(a)).map((b) => [a, b] as const));
    for (const [a, b] of pairs) violations['module-cycle'].push(`${a} ⇄ ${b}\n${arrow(a, b)}\n${arrow(b, a)}`);
    if (component.length > 2 || !pairs.length) {
      const cycle = oneCycle(component, moduleTargets);
      const path = cycle.length > 3 || !pairs.length ? `, e.g. ${cycle.join(' → ')}\n${cycle.slice(1).map((to, i) => arrow(cycle[i]!, to)).join('\n')}` : '';
      violations['module-cycle'].push(`${component.length} modules in one cycle: ${component.join(', ')}${path}`);
    }
  }

  const door = rules.trustedHtml;
  for (const [file, { usesTrustedHtml }] of graph) {
    if (file === door.definedIn) continue;
    if (usesTrustedHtml && !(file in door.allowedIn)) violations['trusted-html'].push(`${file} uses ${door.name} but is not on the allow-list in scripts/architecture.rules.ts`);
  }
  for (const file of Object.keys(door.allowedIn)) {
    if (!graph.get(file)?.usesTrustedHtml) violations['trusted-html'].push(`${file} is on the ${door.name} allow-list but does not use it: remove it from the list`);
  }
  return violations;
}

export function describeViolations(violations: Violations): string {
  return (Object.keys(CHECKS) as CheckName[])
    .filter((check) => violations[check].length)
    .map((check) => `${check} – ${CHECKS[check]} (${violations[check].length}):\n${violations[check].map((line) => `  ${line}`).join('\n')}`)
    .join('\n\n');
}

// ---------------------------------------------------------------- README's section

export const README_BEGIN = '<!-- architecture:begin -->';
export const README_END = '<!-- architecture:end -->';

const nodeId = (module: string) => `m_${module.replace(/[^A-Za-z0-9]/g, '_')}`;
const layerId = (layer: string) => `layer_${layer.replace(/[^A-Za-z0-9]/g, '_')}`;

function presentFiles(module: ModuleRule, graph: SourceGraph): string[] {
  return [...graph.keys()].filter((file) => module.paths.some((path) => file === path || file.startsWith(`${path}/`)));
}

function moduleLabel(module: ModuleRule, graph: SourceGraph): string {
  if (module.paths.every((path) => path.endsWith('.ts'))) return presentFiles(module, graph).map((file) => posix.basename(file)).join(' · ');
  return `${module.paths.map((path) => path.replace(/^src\//, '')).join(', ')}/`;
}

/** The Markdown between the markers: a mermaid diagram of the module graph by layer, and the table of layers. */
export function renderArchitectureSection(graph: SourceGraph, rules: ArchitectureRules = RULES): string {
  const present = (module: ModuleRule) => presentFiles(module, graph).length > 0;
  const lines = ['```mermaid', 'flowchart TB'];
  for (const [index, layer] of rules.layers.entries()) {
    const modules = layer.modules.filter(present);
    if (!modules.length) continue;
    lines.push(`  subgraph ${layerId(layer.name)}["${index + 1} ${layer.name}"]`);
    for (const module of modules) lines.push(`    ${nodeId(module.name)}["${moduleLabel(module, graph)}"]`);
    lines.push('  end');
  }
  const placements = new Map(rules.layers.flatMap((layer, layerIndex) => layer.modules.map((module) => [module.name, { module, layer, layerIndex }] as const)));
  const layersWith = (arrows: LayerRule['diagramArrows']) => rules.layers.filter((layer) => layer.diagramArrows === arrows).map((layer) => layer.name).join(' and ');
  const arrows = new Set<string>();
  for (const [from, targets] of moduleEdges(graph, rules)) {
    const source = placements.get(from)!;
    for (const to of targets.keys()) {
      const target = placements.get(to)!;
      if (target.layerIndex < source.layerIndex) arrows.add(`  ${nodeId(from)} -. upward .-> ${nodeId(to)}`);
      else if (source.layer.diagramArrows === 'per-layer-outgoing' && target.layer !== source.layer) arrows.add(`  ${nodeId(from)} --> ${layerId(target.layer.name)}`);
      else if (target.layer.diagramArrows === 'per-layer-incoming' && target.layer !== source.layer) arrows.add(`  ${source.layer.diagramArrows === 'per-layer-incoming' ? nodeId(from) : layerId(source.layer.name)} --> ${layerId(target.layer.name)}`);
      else arrows.add(`  ${nodeId(from)} --> ${nodeId(to)}`);
    }
  }
  lines.push(...[...arrows].sort(), '```', '');
  lines.push(
    'Arrows are imports between modules, type-only imports included. To keep the picture readable, the imports of',
    `the ${layersWith('per-layer-outgoing')} layer are drawn once per layer they reach, and the imports into the ${layersWith('per-layer-incoming')}`,
    'layers once per layer they come from.',
    'A dotted "upward" arrow breaks the rules and fails `test/architecture.test.ts`.',
    '',
    '| Layer | Module | What lives there |',
    '| --- | --- | --- |',
  );
  for (const [index, layer] of rules.layers.entries()) {
    for (const [position, module] of layer.modules.filter(present).entries()) {
      const where = module.paths.filter((path) => presentFiles({ ...module, paths: [path] }, graph).length).map((path) => `\`${path}${path.endsWith('.ts') ? '' : '/'}\``).join(', ');
      lines.push(`| ${position === 0 ? `${index + 1} ${layer.name}` : ''} | ${where} | ${module.purpose.replace(/\|/g, '\\|')} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** README with its section replaced; throws when the markers are missing. */
export function withArchitectureSection(readme: string, section: string): string {
  const begin = readme.indexOf(README_BEGIN);
  const end = readme.indexOf(README_END);
  if (begin < 0 || end < begin) throw new Error(`README.md needs the markers ${README_BEGIN} and ${README_END}`);
  return `${readme.slice(0, begin + README_BEGIN.length)}\n${section}${readme.slice(end)}`;
}

export const README_PATH = posix.join(REPOSITORY, 'README.md');

if (process.argv[1] && fileURLToPath(import.meta.url) === posix.resolve(process.argv[1])) {
  const graph = readSourceGraph();
  const readme = readFileSync(README_PATH, 'utf8');
  const expected = withArchitectureSection(readme, renderArchitectureSection(graph));
  const report = describeViolations(checkArchitecture(graph));
  if (process.argv.includes('--check')) {
    if (expected !== readme) console.error('README.md: the architecture section is out of date – run npm run architecture');
    if (report) console.error(report);
    process.exit(expected !== readme || report ? 1 : 0);
  }
  if (expected !== readme) writeFileSync(README_PATH, expected);
  console.log(expected !== readme ? 'README.md: architecture section rewritten' : 'README.md: architecture section up to date');
  if (report) console.log(`\nThe import graph breaks the rules:\n\n${report}`);
}
