import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/tools';
import {
  DEFAULT_HASH_INPUTS,
  ensureWorkflowBundle,
  WORKFLOWS_PATH,
  WORKFLOWS_WITH_EXAMPLES_PATH,
  workflowBundleHash,
  workflowsPathFor,
} from '../../runtime/workflow-bundle';
import { TEST_WORKFLOWS_PATH } from '../dags/registry';

// ensureWorkflowBundle builds in a child process (webpack: seconds) and caches by a content hash.
// Builds go to temp cache dirs; the real sources are only read.

const temps: string[] = [];
function tempDir(parent: string, prefix: string): string {
  mkdirSync(parent, { recursive: true });
  const dir = mkdtempSync(path.join(parent, prefix));
  temps.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});
const quiet = () => {};

describe('workflowBundleHash', () => {
  it('is stable, and changes when any hash input changes', () => {
    const dir = tempDir(os.tmpdir(), 'wf-hash-');
    const extra = path.join(dir, 'extra.ts');
    writeFileSync(extra, 'export const a = 1;\n');
    const inputs = [...DEFAULT_HASH_INPUTS, dir];
    const first = workflowBundleHash({ hashInputs: inputs });
    expect(workflowBundleHash({ hashInputs: inputs })).toBe(first);
    expect(workflowBundleHash()).not.toBe(first);
    writeFileSync(extra, 'export const a = 2;\n');
    expect(workflowBundleHash({ hashInputs: inputs })).not.toBe(first);
    writeFileSync(extra, 'export const a = 1;\n');
    expect(workflowBundleHash({ hashInputs: inputs })).toBe(first);
    writeFileSync(path.join(dir, 'new.ts'), '');
    expect(workflowBundleHash({ hashInputs: inputs })).not.toBe(first);
  });

  it('keys each workflow entry apart: production, with the example DAGs, the test workers', () => {
    expect(workflowsPathFor({ loadExamples: false })).toBe(WORKFLOWS_PATH);
    expect(workflowsPathFor({ loadExamples: true })).toBe(WORKFLOWS_WITH_EXAMPLES_PATH);
    const hashes = [WORKFLOWS_PATH, WORKFLOWS_WITH_EXAMPLES_PATH, TEST_WORKFLOWS_PATH].map((workflowsPath) =>
      workflowBundleHash({ workflowsPath }),
    );
    expect(new Set(hashes).size).toBe(3);
  });
});

describe('ensureWorkflowBundle', () => {
  it('builds the real workflows once, then reuses the cached bundle', { timeout: 120_000 }, async () => {
    const cacheDir = tempDir(os.tmpdir(), 'wf-cache-');
    const lines: string[] = [];
    const built = await ensureWorkflowBundle({ cacheDir, log: (l) => lines.push(l) });
    expect(built.cached).toBe(false);
    expect(path.dirname(built.path)).toBe(cacheDir);
    expect(path.basename(built.path)).toBe(`workflow-bundle-${built.hash}.js`);
    // The default hash inputs cover every repo file and npm package webpack read.
    expect(built.uncovered).toEqual([]);
    const code = readFileSync(built.path, 'utf8');
    expect(code.length).toBeGreaterThan(100_000);
    expect(code).toContain('runDag');
    expect(code).toContain('scheduledDagRun');
    // The production DAGs only: example DAGs need loadExamples (another entry), test DAGs the test entry.
    expect(code).toContain("'mastodon_daily'");
    expect(code).not.toContain("'example_chain'");
    expect(code).not.toContain("'test_trigger_rules'");
    expect(code).toContain('@temporalio/workflow/lib/worker-interface.js');
    // The inline source map the SDK requires, mapping to the .ts files, without their text.
    const mapAt = code.lastIndexOf('//# sourceMappingURL=data:application/json');
    expect(mapAt).toBeGreaterThan(0);
    const map = JSON.parse(Buffer.from(code.slice(code.indexOf('base64,', mapAt) + 7), 'base64').toString('utf8'));
    expect(map.sources).toContain(path.join(REPO_ROOT, 'workflows', 'run-dag.ts'));
    expect(map.sourcesContent).toBeUndefined();
    expect(lines[0]).toMatch(/^workflow bundle: bundling workflows\/index\.ts in a child process/);
    expect(lines[1]).toMatch(/^workflow bundle: built .* in \d+\.\d s$/);

    const mtime = statSync(built.path).mtimeMs;
    const again = await ensureWorkflowBundle({ cacheDir, log: (l) => lines.push(l) });
    expect(again).toEqual({ path: built.path, hash: built.hash, cached: true });
    expect(statSync(built.path).mtimeMs).toBe(mtime);
    expect(lines.at(-1)).toBe(`workflow bundle: cached ${built.path}`);
  });

  it('builds the entry with the example DAGs when loadExamples is on', { timeout: 120_000 }, async () => {
    const cacheDir = tempDir(os.tmpdir(), 'wf-cache-');
    const built = await ensureWorkflowBundle({ workflowsPath: WORKFLOWS_WITH_EXAMPLES_PATH, cacheDir, log: quiet });
    expect(built.uncovered).toEqual([]);
    const code = readFileSync(built.path, 'utf8');
    expect(code).toContain("'example_chain'");
    expect(code).toContain("'example_fanout'");
    expect(code).not.toContain("'test_trigger_rules'");
  });

  it('builds a new bundle when a hash input changes', { timeout: 120_000 }, async () => {
    // A tiny workflows dir inside the repo (so webpack resolves @temporalio/workflow from its node_modules).
    const src = tempDir(path.join(REPO_ROOT, '.cache'), 'test-workflows-');
    const cacheDir = tempDir(os.tmpdir(), 'wf-cache-');
    const workflowsPath = path.join(src, 'index.ts');
    const opts = { workflowsPath, hashInputs: [src, 'package.json'], cacheDir, log: quiet };
    writeFileSync(workflowsPath, 'export async function firstTinyWorkflow(): Promise<string> { return "one"; }\n');
    const one = await ensureWorkflowBundle(opts);
    expect(one.cached).toBe(false);
    expect(one.uncovered).toEqual([]);
    expect(readFileSync(one.path, 'utf8')).toContain('firstTinyWorkflow');
    expect((await ensureWorkflowBundle(opts)).cached).toBe(true);

    writeFileSync(workflowsPath, 'export async function secondTinyWorkflow(): Promise<string> { return "two"; }\n');
    const two = await ensureWorkflowBundle(opts);
    expect(two.cached).toBe(false);
    expect(two.hash).not.toBe(one.hash);
    expect(two.path).not.toBe(one.path);
    const code = readFileSync(two.path, 'utf8');
    expect(code).toContain('secondTinyWorkflow');
    expect(code).not.toContain('firstTinyWorkflow');
    // The old bundle stays (another worker may be starting from it); pruning keeps a few.
    expect(readFileSync(one.path, 'utf8')).toContain('firstTinyWorkflow');
  });

  it('reports a broken workflow with the bundler error and writes nothing', { timeout: 120_000 }, async () => {
    const src = tempDir(path.join(REPO_ROOT, '.cache'), 'test-workflows-');
    const cacheDir = tempDir(os.tmpdir(), 'wf-cache-');
    const workflowsPath = path.join(src, 'index.ts');
    writeFileSync(
      workflowsPath,
      "import { nothing } from './missing';\nexport async function brokenWorkflow() { return nothing; }\n",
    );
    await expect(ensureWorkflowBundle({ workflowsPath, hashInputs: [src], cacheDir, log: quiet })).rejects.toThrow(
      /workflow bundle: bundling .*index\.ts failed: .*missing/s,
    );
    expect(readdirSync(cacheDir)).toEqual([]);
  });
});
