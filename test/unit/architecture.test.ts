import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/tools';
import {
  buildImportGraph,
  checkLayering,
  importsOf,
  listTsFiles,
  type ImportEdge,
  type ImportGraph,
  WORKFLOW_ENTRIES,
} from '../helpers/import-graph';
import { WORKFLOWS_PATH, WORKFLOWS_WITH_EXAMPLES_PATH } from '../../runtime/workflow-bundle';
import { TEST_WORKFLOWS_PATH } from '../dags/registry';

// The layering rules of the README's architecture map, checked over the real import graph of every
// .ts file (test/helpers/import-graph.ts): no import cycles; domain/ imports only domain/ (and
// pure packages); workflows/ only domain/, dags/ data, workflow-safe packages and activity types;
// nothing the workflow bundle reaches does I/O; activities/ never imports runtime/ or cli/;
// product code never imports test/ or bench/. Each violation names the file, the import and the
// rule. The second half proves each rule can fail, on small synthetic graphs.

describe('the layering rules over the repository', () => {
  const graph = buildImportGraph(REPO_ROOT);

  it('reads the whole tree, every relative import resolved to a file', () => {
    expect(graph.size).toBeGreaterThan(150);
    for (const dir of ['activities/', 'cli/', 'dags/', 'domain/', 'runtime/', 'workflows/', 'test/dags/', 'bench/'])
      expect([...graph.keys()].some((f) => f.startsWith(dir))).toBe(true);
    const unresolved = [...graph].flatMap(([file, edges]) =>
      edges.filter((e) => !e.external && !graph.has(e.target)).map((e) => `${file}: '${e.spec}'`),
    );
    expect(unresolved).toEqual([]);
  });

  it('knows every workflow bundle entry the worker runtime and the test workers build', () => {
    const entries = [WORKFLOWS_PATH, WORKFLOWS_WITH_EXAMPLES_PATH, TEST_WORKFLOWS_PATH].map((p) =>
      path.relative(REPO_ROOT, p).split(path.sep).join('/'),
    );
    expect([...WORKFLOW_ENTRIES].sort()).toEqual(entries.sort());
    for (const entry of entries) expect(graph.has(entry)).toBe(true);
  });

  it('holds: no violations', () => {
    expect(checkLayering(graph).map((v) => v.message)).toEqual([]);
  });

  it('type-checks every folder with .ts files (tsconfig.json include)', () => {
    const include = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'tsconfig.json'), 'utf8')) as { include: string[] })
      .include;
    const tops = new Set([...graph.keys()].map((f) => (f.includes('/') ? f.split('/')[0]! : '*.ts')));
    expect([...tops].filter((top) => !include.includes(top))).toEqual([]);
  });

  for (const room of ['workflows', 'domain']) {
    it(`${room}/ reads no wall clock or randomness directly`, () => {
      const bad = listTsFiles(REPO_ROOT, room).filter((f) =>
        /\bDate\.now\(\)|\bMath\.random\(\)|new Date\(\)/.test(readFileSync(path.join(REPO_ROOT, f), 'utf8')),
      );
      expect(bad).toEqual([]);
    });
  }
});

describe('the import reader', () => {
  it('sees every form of import and tells type-only ones apart', () => {
    const text = [
      "import { a } from './a';",
      "import type { B } from './b';",
      "import { type C, type D } from './c';",
      "import { type E, f } from './e';",
      "import './side-effect';",
      "export { g } from './g';",
      "export type { H } from './h';",
      "export * from './star';",
      "const m = await import('./lazy');",
      "let t: typeof import('./typed');",
      "import fs from 'node:fs';",
      "import { z } from 'zod/v4';",
    ].join('\n');
    const edges = importsOf(REPO_ROOT, 'x/file.ts', text);
    expect(edges.map((e) => [e.spec, e.target, e.typeOnly, e.dynamic])).toEqual([
      ['./a', 'x/a', false, false],
      ['./b', 'x/b', true, false],
      ['./c', 'x/c', true, false],
      ['./e', 'x/e', false, false],
      ['./side-effect', 'x/side-effect', false, false],
      ['./g', 'x/g', false, false],
      ['./h', 'x/h', true, false],
      ['./star', 'x/star', false, false],
      ['./lazy', 'x/lazy', false, true],
      ['./typed', 'x/typed', true, false],
      ['node:fs', 'node:fs', false, false],
      ['zod/v4', 'zod', false, false],
    ]);
  });
});

/** A synthetic graph: file → imports as `target` (ours: a repo path; else a package), `type:` prefix for type-only. */
function graphOf(spec: Record<string, string[]>): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const file of Object.keys(spec)) graph.set(file, []);
  for (const [file, imports] of Object.entries(spec)) {
    graph.set(
      file,
      imports.map((raw): ImportEdge => {
        const typeOnly = raw.startsWith('type:');
        const target = raw.replace(/^type:/, '');
        const external = !target.includes('.ts');
        return { spec: external ? target : `./${target}`, target, external, typeOnly, dynamic: false };
      }),
    );
  }
  return graph;
}

const rulesBroken = (spec: Record<string, string[]>) =>
  checkLayering(graphOf(spec)).map((v) => [v.rule, v.file, v.spec]);

describe('each rule can fail (synthetic graphs)', () => {
  it('a clean layering passes', () => {
    expect(
      rulesBroken({
        'domain/a.ts': ['zod', 'domain/b.ts'],
        'domain/b.ts': [],
        'dags/index.ts': ['domain/a.ts'],
        'workflows/index.ts': ['@temporalio/workflow', 'dags/index.ts', 'type:activities/x.ts'],
        'activities/x.ts': ['node:fs', 'domain/a.ts'],
        'runtime/w.ts': ['activities/x.ts', '@temporalio/worker'],
        'test/t.ts': ['runtime/w.ts', 'bench/b.ts'],
        'bench/b.ts': ['test/u.ts'],
        'test/u.ts': [],
      }),
    ).toEqual([]);
  });

  it('an import cycle, printed whole (type-only imports do not count)', () => {
    const violations = checkLayering(
      graphOf({
        'cli/main.ts': ['cli/commands/worker.ts'],
        'cli/commands/worker.ts': ['cli/main.ts'],
        'cli/x.ts': ['type:cli/y.ts'],
        'cli/y.ts': ['type:cli/x.ts'],
      }),
    );
    expect(violations.map((v) => v.message)).toEqual([
      'cli/commands/worker.ts: import cycle cli/commands/worker.ts -> cli/main.ts -> cli/commands/worker.ts breaks rule "no import cycles"',
    ]);
  });

  it('domain/ importing anything of ours but domain/, or an I/O package', () => {
    expect(rulesBroken({ 'domain/a.ts': ['dags/index.ts', 'node:fs', 'type:activities/x.ts', 'zod'] })).toEqual([
      ['domain/ imports only domain/', 'domain/a.ts', './dags/index.ts'],
      ['domain/ imports only domain/', 'domain/a.ts', 'node:fs'],
      ['domain/ imports only domain/', 'domain/a.ts', './activities/x.ts'],
    ]);
  });

  it('workflows/ importing activities as values, the DAG registry, runtime/ or another package', () => {
    const rule = 'workflows/ imports only domain/, dags/ data, workflow-safe packages and activity types';
    expect(
      rulesBroken({
        'workflows/other.ts': ['activities/x.ts', 'dags/registry.ts', 'type:runtime/r.ts', 'megalodon'],
      }).filter(([r]) => r === rule),
    ).toEqual([
      [rule, 'workflows/other.ts', './activities/x.ts'],
      [rule, 'workflows/other.ts', './dags/registry.ts'],
      [rule, 'workflows/other.ts', './runtime/r.ts'],
      [rule, 'workflows/other.ts', 'megalodon'],
    ]);
  });

  it('a module the workflow bundle reaches doing I/O, however deep', () => {
    const violations = checkLayering(
      graphOf({
        'workflows/index.ts': ['dags/index.ts'],
        'dags/index.ts': ['dags/helper.ts'],
        'dags/helper.ts': ['cron-parser', 'node:crypto', 'type:@temporalio/client'],
        'dags/registry.ts': ['cron-parser'], // not in the bundle: allowed
      }),
    );
    expect(violations.map((v) => v.message)).toEqual([
      'dags/helper.ts: import \'cron-parser\' breaks rule "the workflow bundle does no I/O": dags/helper.ts is in the workflow bundle (reachable from workflows/index.ts, workflows/with-examples.ts, test/dags/workflows.ts) and cron-parser does I/O',
      'dags/helper.ts: import \'node:crypto\' breaks rule "the workflow bundle does no I/O": dags/helper.ts is in the workflow bundle (reachable from workflows/index.ts, workflows/with-examples.ts, test/dags/workflows.ts) and node:crypto does I/O',
    ]);
  });

  it('activities/ importing runtime/ or cli/', () => {
    expect(rulesBroken({ 'activities/aggregate/map-pool.ts': ['runtime/thread-bundle.ts', 'type:cli/c.ts'] })).toEqual([
      ['activities/ never imports runtime/ or cli/', 'activities/aggregate/map-pool.ts', './runtime/thread-bundle.ts'],
      ['activities/ never imports runtime/ or cli/', 'activities/aggregate/map-pool.ts', './cli/c.ts'],
    ]);
  });

  it('product code importing test/ or bench/', () => {
    expect(
      rulesBroken({
        'dags/index.ts': ['test/dags/testing.ts'],
        'runtime/w.ts': ['bench/b.ts'],
        'worker.ts': ['test/x.ts'],
      }),
    ).toEqual([
      ['product code never imports test/ or bench/', 'dags/index.ts', './test/dags/testing.ts'],
      ['product code never imports test/ or bench/', 'runtime/w.ts', './bench/b.ts'],
      ['product code never imports test/ or bench/', 'worker.ts', './test/x.ts'],
    ]);
  });
});
