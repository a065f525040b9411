import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { writableDir } from './cache-dir';

// A worker thread's code as one plain JavaScript file, built by esbuild and cached on disk.
// Worker threads do not inherit the parent's module hooks: a TypeScript entry needs tsx registered
// again in every thread, and tsx's loader runs on a hooks thread of its own. Measured with two
// idle map threads: +107 MB RSS through tsx against +42 MB from a bundle, and seconds of start-up
// (transpiling the module graph per thread) against a fraction of one.
//
// The cache is keyed by the bytes of every file the previous build read (esbuild's metafile), so
// an edit anywhere in the thread's module graph, or an npm update under it, rebuilds it. Files are
// written atomically (temp file + rename): concurrent starts (test workers) never see half a file.

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(HERE, '..');

/** Bump when the build options below change, so older cached bundles are not reused. */
const FORMAT = 1;
const PREFIX = 'thread-';
/** Built bundles kept per entry (the newest; one per recent change of the sources). */
const KEEP = 3;

const CacheRecord = z.object({
  format: z.number(),
  esbuild: z.string(),
  bundle: z.string(),
  /** Every file the build read, repo-relative, with the sha256 of its bytes. */
  inputs: z.array(z.object({ file: z.string(), sha256: z.string() })),
});
type CacheRecord = z.output<typeof CacheRecord>;

export interface ThreadBundleOptions {
  /** `.cache/` in the repo by default; when that cannot be written, the temp dir. */
  cacheDir?: string;
  log?: (line: string) => void;
}

export interface ThreadBundle {
  /** The bundle file, for `new Worker(path)`. */
  path: string;
  /** True when an existing bundle was reused (nothing was built). */
  cached: boolean;
}

const sha256 = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');

function esbuildVersion(): string {
  try {
    return (
      JSON.parse(readFileSync(path.join(REPO_ROOT, 'node_modules', 'esbuild', 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
  } catch {
    return 'absent';
  }
}

/** The cached bundle of `record`, when every input still has the bytes it was built from. */
async function stillValid(dir: string, record: CacheRecord): Promise<string | undefined> {
  if (record.format !== FORMAT || record.esbuild !== esbuildVersion()) return undefined;
  const file = path.join(dir, record.bundle);
  if (!existsSync(file)) return undefined;
  for (const input of record.inputs) {
    const bytes = await readFile(path.join(REPO_ROOT, input.file)).catch(() => undefined);
    if (!bytes || sha256(bytes) !== input.sha256) return undefined;
  }
  return file;
}

async function readRecord(file: string): Promise<CacheRecord | undefined> {
  try {
    const parsed = CacheRecord.safeParse(JSON.parse(await readFile(file, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

async function writeAtomically(file: string, body: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(tmp, body);
    await rename(tmp, file);
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Keep the KEEP newest bundles of an entry besides `keep`. */
async function prune(dir: string, stem: string, keep: string): Promise<void> {
  try {
    const names = (await readdir(dir)).filter(
      (n) => n.startsWith(`${stem}-`) && n.endsWith('.mjs') && path.join(dir, n) !== keep,
    );
    const entries = await Promise.all(
      names.map(async (n) => ({ n, t: (await stat(path.join(dir, n)).catch(() => undefined))?.mtimeMs ?? 0 })),
    );
    const old = entries.sort((a, b) => b.t - a.t).slice(KEEP - 1);
    await Promise.all(old.map((e) => rm(path.join(dir, e.n), { force: true })));
  } catch {
    // pruning is best-effort
  }
}

/**
 * A bundle of the TypeScript module `entry` (absolute, or relative to the repo root) with its
 * whole import graph, npm packages included: reused from the cache when its inputs are
 * unchanged, else built by esbuild (a few hundred ms).
 */
export async function ensureThreadBundle(entry: string, opts: ThreadBundleOptions = {}): Promise<ThreadBundle> {
  const log = opts.log ?? (() => {});
  const entryAbs = path.resolve(REPO_ROOT, entry);
  const rel = path.relative(REPO_ROOT, entryAbs);
  const stem = `${PREFIX}${path.basename(entryAbs).replace(/\.[cm]?[jt]s$/, '')}-${sha256(rel).slice(0, 8)}`;
  const preferred = path.resolve(opts.cacheDir ?? path.join(REPO_ROOT, '.cache'));
  const fallback = opts.cacheDir ? preferred : path.join(os.tmpdir(), 'mastoflow-thread-bundles');
  for (const dir of new Set([preferred, fallback])) {
    const record = await readRecord(path.join(dir, `${stem}.json`));
    const file = record && (await stillValid(dir, record));
    if (file) return { path: file, cached: true };
  }

  const started = performance.now();
  // Imported here: only a build needs esbuild, and its service process stops right after.
  const esbuild = await import('esbuild');
  let result: import('esbuild').BuildResult<{ write: false; metafile: true }>;
  try {
    result = await esbuild.build({
      entryPoints: [entryAbs],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      write: false,
      metafile: true,
      // No source map: a thread reports its errors by name and message only (see map-pool.ts).
      absWorkingDir: REPO_ROOT,
      // CommonJS packages inside an ES module bundle may still call require() for Node built-ins.
      banner: {
        js: "import { createRequire as __mfCreateRequire } from 'node:module'; const require = __mfCreateRequire(import.meta.url);",
      },
      logLevel: 'silent',
    });
  } catch (err) {
    throw new Error(`thread bundle: building ${rel} failed: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    await esbuild.stop();
  }
  const code = result.outputFiles[0]?.text;
  if (code === undefined) throw new Error(`thread bundle: esbuild wrote no output for ${rel}`);
  const inputs = await Promise.all(
    Object.keys(result.metafile.inputs)
      .sort()
      .map(async (file) => ({ file, sha256: sha256(await readFile(path.join(REPO_ROOT, file))) })),
  );
  const dir = (await writableDir(preferred)) ? preferred : fallback;
  await mkdir(dir, { recursive: true });
  const bundleName = `${stem}-${sha256(code).slice(0, 16)}.mjs`;
  const file = path.join(dir, bundleName);
  await writeAtomically(file, code);
  const record: CacheRecord = { format: FORMAT, esbuild: esbuildVersion(), bundle: bundleName, inputs };
  await writeAtomically(path.join(dir, `${stem}.json`), JSON.stringify(record, null, 1));
  await prune(dir, stem, file);
  log(
    `thread bundle: built ${path.relative(REPO_ROOT, file)} from ${inputs.length} files in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return { path: file, cached: false };
}
