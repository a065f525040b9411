import { builtinModules } from 'node:module';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

// The repository's import graph and the layering rules over it (test/unit/architecture.test.ts).
// Imports are read with the TypeScript parser, so every form counts: `import`, `export … from`,
// side-effect imports and dynamic `import('…')` with a literal. An import is type-only when the
// compiler erases it (`import type`, `export type`, or only `type` bindings, `typeof import()`).

export interface ImportEdge {
  /** The specifier as written. */
  spec: string;
  /** Repo-relative file it resolves to (relative specifiers), or the package name (bare ones). */
  target: string;
  /** True for a package or Node built-in, false for a file of ours. */
  external: boolean;
  typeOnly: boolean;
  dynamic: boolean;
}

/** Repo-relative file (forward slashes) → the imports it makes. */
export type ImportGraph = Map<string, ImportEdge[]>;

export interface Violation {
  rule: string;
  file: string;
  /** The import as written (or the cycle, for the cycle rule). */
  spec: string;
  message: string;
}

const SKIP_DIRS = new Set(['node_modules', '.tools', '.cache', '.data', '.git', 'data']);

/** Every .ts file under root (repo-relative, sorted), skipping dependencies, caches and data. */
export function listTsFiles(root: string, dir = ''): string[] {
  return readdirSync(path.join(root, dir))
    .sort()
    .flatMap((name) => {
      const rel = dir ? `${dir}/${name}` : name;
      if (statSync(path.join(root, rel)).isDirectory()) {
        return SKIP_DIRS.has(name) || name.startsWith('.') ? [] : listTsFiles(root, rel);
      }
      return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [rel] : [];
    });
}

/** The package an external specifier names (`@scope/name` or `name`; `node:` stays as written). */
export function packageName(spec: string): string {
  if (spec.startsWith('node:')) return spec;
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? spec);
}

function resolveRelative(root: string, fromFile: string, spec: string): string {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(fromFile), spec));
  const stem = base.replace(/\.(js|mjs)$/, '');
  for (const candidate of [base, `${stem}.ts`, `${base}.ts`, `${base}/index.ts`]) {
    const abs = path.join(root, candidate);
    if (existsSync(abs) && statSync(abs).isFile()) return candidate;
  }
  return base; // unresolved: kept as written, so a rule still sees where it points
}

function isTypeOnlyImport(node: ts.ImportDeclaration): boolean {
  const clause = node.importClause;
  if (!clause) return false; // `import 'x'` runs the module
  if (clause.isTypeOnly) return true;
  if (clause.name) return false;
  const bindings = clause.namedBindings;
  if (!bindings || ts.isNamespaceImport(bindings)) return false;
  return bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
}

function isTypeOnlyExport(node: ts.ExportDeclaration): boolean {
  if (node.isTypeOnly) return true;
  const clause = node.exportClause;
  return (
    !!clause && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly)
  );
}

/** The imports of one file's source text. */
export function importsOf(root: string, file: string, text: string): ImportEdge[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const edges: ImportEdge[] = [];
  const add = (spec: string, typeOnly: boolean, dynamic: boolean): void => {
    const external = !spec.startsWith('.');
    const target = external ? packageName(spec) : resolveRelative(root, file, spec);
    edges.push({ spec, target, external, typeOnly, dynamic });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, isTypeOnlyImport(node), false);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, isTypeOnlyExport(node), false);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      add(node.arguments[0].text, false, true);
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      add(node.argument.literal.text, true, false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

/** The import graph of every .ts file in the repo. */
export function buildImportGraph(root: string): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const file of listTsFiles(root))
    graph.set(file, importsOf(root, file, readFileSync(path.join(root, file), 'utf8')));
  return graph;
}

// ---------------------------------------------------------------------------------------------
// The rules

const under = (file: string, dir: string): boolean => file.startsWith(`${dir}/`);

/** Packages domain/ may use: pure computation, no I/O (zod schemas, the VADER lexicon, Temporal's search-attribute keys). */
export const DOMAIN_PACKAGES = ['zod', 'vader-sentiment', '@temporalio/common'];
/** Packages workflows/ may use: the workflow API, the workflow-safe common types and zod (pure). */
export const WORKFLOW_PACKAGES = ['@temporalio/workflow', '@temporalio/common', 'zod'];
/** dags/ files that are not pure DAG data (cron-parser, the activity modules): never in the workflow bundle. */
export const DAGS_NOT_DATA = ['dags/registry.ts', 'dags/catalog.ts'];
/** The workflow bundle's entry points: production, with the example DAGs, and the test workers'. */
export const WORKFLOW_ENTRIES = ['workflows/index.ts', 'workflows/with-examples.ts', 'test/dags/workflows.ts'];

const BUILTINS = new Set(builtinModules);
const IO_PACKAGES = [
  /^megalodon$/,
  /^@aws-sdk\//,
  /^@duckdb\//,
  /^duckdb$/,
  /^@temporalio\/(worker|client|activity|testing)$/,
  /^cron-parser$/,
  /^commander$/,
  /^esbuild$/,
  /^tsx$/,
  /^axios$/,
];

/** A Node built-in or a package that does I/O (or cannot run in Temporal's workflow sandbox). */
export function isIoModule(pkg: string): boolean {
  return pkg.startsWith('node:') || BUILTINS.has(pkg) || IO_PACKAGES.some((re) => re.test(pkg));
}

const violation = (rule: string, file: string, spec: string, why: string): Violation => ({
  rule,
  file,
  spec,
  message: `${file}: import '${spec}' breaks rule "${rule}": ${why}`,
});

/** Import cycles between our files over imports that run (type-only ones are erased): one per cycle. */
export function findCycles(graph: ImportGraph): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const seen = new Set<string>();
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const edge of graph.get(file) ?? []) {
      if (edge.external || edge.typeOnly || !graph.has(edge.target)) continue;
      const s = state.get(edge.target);
      if (s === 'open') {
        const cycle = [...stack.slice(stack.indexOf(edge.target)), edge.target];
        const key = [...cycle.slice(0, -1)].sort().join(' ');
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push(cycle);
        }
      } else if (s === undefined) {
        visit(edge.target);
      }
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);
  return cycles;
}

/** Files reachable from the entries over imports that run (the modules a bundle of them contains). */
export function reachable(graph: ImportGraph, entries: string[]): Set<string> {
  const out = new Set<string>();
  const todo = entries.filter((e) => graph.has(e));
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (out.has(file)) continue;
    out.add(file);
    for (const edge of graph.get(file) ?? []) {
      if (!edge.external && !edge.typeOnly && graph.has(edge.target)) todo.push(edge.target);
    }
  }
  return out;
}

/** Every layering rule's violations over the graph, in a stable order. */
export function checkLayering(graph: ImportGraph): Violation[] {
  const out: Violation[] = [];
  for (const cycle of findCycles(graph)) {
    out.push({
      rule: 'no import cycles',
      file: cycle[0]!,
      spec: cycle.join(' -> '),
      message: `${cycle[0]}: import cycle ${cycle.join(' -> ')} breaks rule "no import cycles"`,
    });
  }

  const bundle = reachable(graph, WORKFLOW_ENTRIES);
  for (const [file, edges] of [...graph].sort(([a], [b]) => a.localeCompare(b))) {
    const product = !under(file, 'test') && !under(file, 'bench');
    for (const e of edges) {
      if (under(file, 'domain')) {
        // A type-only import of a package vanishes when compiled (e.g. vega-lite's spec types).
        const ok = e.external ? e.typeOnly || DOMAIN_PACKAGES.includes(e.target) : under(e.target, 'domain');
        if (!ok)
          out.push(
            violation(
              'domain/ imports only domain/',
              file,
              e.spec,
              `domain/ is pure: it may import domain/, the packages ${DOMAIN_PACKAGES.join(', ')}, and types of any package`,
            ),
          );
      }
      if (under(file, 'workflows')) {
        const ok = e.external
          ? WORKFLOW_PACKAGES.includes(e.target)
          : under(e.target, 'workflows') ||
            under(e.target, 'domain') ||
            (under(e.target, 'dags') && !DAGS_NOT_DATA.includes(e.target)) ||
            (under(e.target, 'activities') && e.typeOnly);
        if (!ok)
          out.push(
            violation(
              'workflows/ imports only domain/, dags/ data, workflow-safe packages and activity types',
              file,
              e.spec,
              `allowed: workflows/, domain/, dags/ data files (not ${DAGS_NOT_DATA.join(', ')}), ` +
                `${WORKFLOW_PACKAGES.join(', ')}, and \`import type\` from activities/`,
            ),
          );
      }
      if (bundle.has(file) && e.external && !e.typeOnly && isIoModule(e.target)) {
        out.push(
          violation(
            'the workflow bundle does no I/O',
            file,
            e.spec,
            `${file} is in the workflow bundle (reachable from ${WORKFLOW_ENTRIES.join(', ')}) and ${e.target} does I/O`,
          ),
        );
      }
      if (under(file, 'activities') && !e.external && (under(e.target, 'runtime') || under(e.target, 'cli'))) {
        out.push(
          violation(
            'activities/ never imports runtime/ or cli/',
            file,
            e.spec,
            'activities get what they need through ActivityDeps (activities/deps.ts)',
          ),
        );
      }
      if (product && !e.external && (under(e.target, 'test') || under(e.target, 'bench'))) {
        out.push(
          violation(
            'product code never imports test/ or bench/',
            file,
            e.spec,
            'test and benchmark code (and the test DAGs) stay out of the product',
          ),
        );
      }
    }
  }
  return out;
}
