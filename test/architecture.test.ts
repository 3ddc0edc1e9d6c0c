// The house rules of src/, read from the import lines themselves (static, `export ... from` and
// dynamic `import('...')`, type-only ones included: a type import is a dependency too): no module
// reaches a module of a higher layer, the import graph has no cycle, and nothing in the repository
// points into the design notes outside it.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import t from 'tap';
import { repoRoot } from './helpers/paths.js';

const SRC = join(repoRoot, 'src');

/** Lowest first; a module may import from its own layer or a lower one (docs/architecture.md). */
const LAYERS: ReadonlyArray<readonly string[]> = [
  ['errors.ts', 'router.ts', 'log.ts'],
  ['config/'],
  ['tls/'],
  ['project/'],
  ['proxy/'],
  ['supervisor.ts', 'supervisor/'],
  ['status/'],
  ['server.ts'],
  ['verify/', 'doctor/', 'export/'],
  ['cli/'],
  ['index.ts'],
];

function filesUnder(dir: string, keep: (path: string) => boolean, skip: ReadonlySet<string> = new Set()): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return skip.has(name) ? [] : filesUnder(path, keep, skip);
    return keep(path) ? [path] : [];
  });
}

/** `src/`-relative, with forward slashes: `proxy/upstream.ts`. */
function moduleName(path: string): string {
  return relative(SRC, path).split(sep).join('/');
}

function layerOf(module: string): number {
  const layer = LAYERS.findIndex((members) => members.some((member) => (member.endsWith('/') ? module.startsWith(member) : module === member)));
  if (layer === -1) throw new Error(`src/${module} is in no layer: add it to LAYERS in test/architecture.test.ts and to docs/architecture.md`);
  return layer;
}

const STATIC_IMPORT = /^\s*(?:import|export)\s+(?:type\s+)?(?:[\w$*{},\s]+?\s+from\s+)?['"]([^'"]+)['"]/gm;
const DYNAMIC_IMPORT = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The src/ modules a module imports, from its import lines. */
function importsOf(path: string, text = readFileSync(path, 'utf8')): string[] {
  const specifiers = [...text.matchAll(STATIC_IMPORT), ...text.matchAll(DYNAMIC_IMPORT)].map((match) => match[1]!);
  return [...new Set(specifiers.filter((specifier) => specifier.startsWith('.')).map((specifier) => moduleName(resolve(dirname(path), specifier).replace(/\.js$/, '.ts'))))];
}

const modules = filesUnder(SRC, (path) => path.endsWith('.ts'));
const graph = new Map(modules.map((path) => [moduleName(path), importsOf(path)]));

/** Every cycle once, as the path that closes it: a → b → a. */
function cyclesOf(edges: ReadonlyMap<string, readonly string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (state.get(next) === undefined) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...edges.keys()].sort()) if (state.get(node) === undefined) visit(node);
  return cycles;
}

t.test('the import parser sees every form of import line', async (t) => {
  const file = join(SRC, 'cli', 'commands', 'example.ts');
  const text = [
    "import { a } from '../../config/resolve.js';",
    "import type { B } from '../context.js';",
    "import {\n  c,\n  type D,\n} from '../../project/detect.js';",
    "import * as e from '../../errors.js';",
    "import f, { g } from '../../router.js';",
    "import '../../log.js';",
    "export { h } from '../../server.js';",
    "export * from '../../supervisor.js';",
    "const { Supervisor } = await import('../../supervisor/plan.js');",
    "import { execa } from 'execa';",
    "import { join } from 'node:path';",
  ].join('\n');
  t.same(importsOf(file, text).sort(), [
    'cli/context.ts',
    'config/resolve.ts',
    'errors.ts',
    'log.ts',
    'project/detect.ts',
    'router.ts',
    'server.ts',
    'supervisor.ts',
    'supervisor/plan.ts',
  ]);
});

t.test('the cycle finder finds a cycle, and only a cycle', async (t) => {
  t.same(cyclesOf(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]])), [['a', 'b', 'c', 'a']]);
  t.same(cyclesOf(new Map([['a', ['b', 'c']], ['b', ['c']], ['c', []]])), []);
});

t.test('every module sits in a layer, and imports only from its own layer or lower ones', async (t) => {
  t.ok(graph.size > 50, `${graph.size} modules read`);
  const upward: string[] = [];
  for (const [module, imports] of graph) {
    for (const imported of imports) {
      t.ok(graph.has(imported), `src/${module} imports src/${imported}, which exists`);
      if (layerOf(imported) > layerOf(module)) upward.push(`src/${module} → src/${imported}`);
    }
  }
  t.same(upward, [], `layers, lowest first: ${LAYERS.map((members) => members.join(' ')).join(' < ')}`);
});

t.test('the import graph has no cycles', async (t) => {
  t.same(
    cyclesOf(graph).map((cycle) => cycle.join(' → ')),
    [],
    'a shared type or value belongs to the module that owns it, which both sides import',
  );
});

t.test('nothing in src, docs, README.md or test points into the design notes outside the repository', async (t) => {
  const needle = ['shared', 'design'].join('/');
  const roots = ['src', 'docs', 'README.md', 'test'].map((name) => join(repoRoot, name)).filter((path) => existsSync(path));
  const files = roots.flatMap((root) => (statSync(root).isDirectory() ? filesUnder(root, () => true, new Set(['node_modules', '__pycache__', '.web'])) : [root]));
  t.ok(files.length > 100, `${files.length} files read`);
  const hits = files.flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .flatMap((line, index) => (line.includes(needle) ? [`${relative(repoRoot, file)}:${index + 1}: ${line.trim()}`] : [])),
  );
  t.same(hits, [], 'cite docs/ instead');
});
