import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/tools';
import { ensureThreadBundle } from '../../runtime/thread-bundle';

// ensureThreadBundle bundles a TypeScript thread entry with esbuild and reuses the bundle while
// every file the build read keeps its bytes. The entry here is a two-file thread in a temp dir
// inside the repo's (git-ignored) .cache/, where it resolves npm packages as the real entries do.

const temps: string[] = [];
function tempDir(prefix: string, parent = os.tmpdir()): string {
  mkdirSync(parent, { recursive: true });
  const dir = mkdtempSync(path.join(parent, prefix));
  temps.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

/** Runs a bundled thread and returns the first message it posts. */
function firstMessage(file: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const w = new Worker(file);
    w.once('message', (m) => {
      resolve(m);
      void w.terminate();
    });
    w.once('error', reject);
  });
}

describe('ensureThreadBundle', () => {
  const src = tempDir('test-thread-src-', path.join(REPO_ROOT, '.cache'));
  const cacheDir = tempDir('thread-cache-');
  const entry = path.join(src, 'entry.ts');
  const dep = path.join(src, 'dep.ts');
  writeFileSync(
    entry,
    "import { parentPort } from 'node:worker_threads';\nimport { z } from 'zod';\nimport { answer } from './dep';\nparentPort!.postMessage(z.number().parse(answer(20)));\n",
  );
  writeFileSync(dep, 'export const answer = (n: number): number => n + 1;\n');

  it('builds a plain-JS bundle of the entry, its imports and npm packages, that runs as a thread', async () => {
    const first = await ensureThreadBundle(entry, { cacheDir });
    expect(first.cached).toBe(false);
    expect(first.path.endsWith('.mjs')).toBe(true);
    expect(await firstMessage(first.path)).toBe(21);
  });

  it('reuses the bundle while no input changed, and rebuilds when an imported file did', async () => {
    const before = await ensureThreadBundle(entry, { cacheDir });
    expect(before.cached).toBe(true);
    writeFileSync(dep, 'export const answer = (n: number): number => n * 2;\n');
    const after = await ensureThreadBundle(entry, { cacheDir });
    expect(after.cached).toBe(false);
    expect(after.path).not.toBe(before.path);
    expect(await firstMessage(after.path)).toBe(40);
    expect((await ensureThreadBundle(entry, { cacheDir })).cached).toBe(true);
    // Bundles are named by content: no temp files are left behind.
    expect(readdirSync(cacheDir).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('names the entry and the cause when the build fails', async () => {
    const broken = path.join(src, 'broken.ts');
    writeFileSync(broken, "import { nothing } from './missing-module';\nconsole.log(nothing);\n");
    await expect(ensureThreadBundle(broken, { cacheDir })).rejects.toThrow(/broken\.ts failed: .*missing-module/s);
  });
});
