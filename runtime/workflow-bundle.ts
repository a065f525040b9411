import { fork } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { writableDir } from './cache-dir';

// The workflow bundle, built once per change of its sources in a child process and cached on
// disk. Bundling in the worker itself (the SDK's `workflowsPath`) leaves webpack's heap and
// module graph in the worker for its whole life: measured idle VmHWM of `worker.ts --store`
// ~410-450 MB that way against ~265-272 MB with this (the worker's goal: peak RSS ≤ 512 MB on a
// 1M-status day). The test is test/unit/workflow-bundle.test.ts.

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(HERE, '..');

/** The production workflows (the bundle of a worker whose config has `loadExamples` off). */
export const WORKFLOWS_PATH = path.join(REPO_ROOT, 'workflows', 'index.ts');
/** The same workflows with the example DAGs registered (`loadExamples` on). */
export const WORKFLOWS_WITH_EXAMPLES_PATH = path.join(REPO_ROOT, 'workflows', 'with-examples.ts');

/** The workflow entry a worker of this config bundles. */
export function workflowsPathFor(config: { loadExamples: boolean }): string {
  return config.loadExamples ? WORKFLOWS_WITH_EXAMPLES_PATH : WORKFLOWS_PATH;
}

/**
 * What the cache key hashes by default: every file under these (repo-relative) paths. workflows/
 * imports domain/ and dags/index.ts (activities/ as types only, which the compiler erases), and
 * webpack reads package.json; package-lock.json pins every package the bundle pulls in. The
 * entry's own folder is added when it lies elsewhere (test/dags/workflows.ts for test workers).
 */
export const DEFAULT_HASH_INPUTS = ['workflows', 'domain', 'dags', 'package.json', 'package-lock.json'];

/**
 * npm packages the bundle contains (besides the bundler itself); their installed versions are part
 * of the key too, so a node_modules out of step with the lockfile still rebuilds. Checked after
 * every build: a package webpack read that is not listed here is reported in `uncovered`.
 */
export const BUNDLED_PACKAGES = [
  '@temporalio/workflow',
  '@temporalio/common',
  '@temporalio/worker',
  'nexus-rpc',
  'long',
  'ms',
  'zod',
];

/** Bump when the bundle options below change, so older cached bundles are not reused. */
const FORMAT = 2;
const PREFIX = 'workflow-bundle-';
/** Cached bundles kept per cache dir (the newest; one per recent change of the sources). */
const KEEP = 4;
const CHILD_SCRIPT = path.join(HERE, 'build-workflow-bundle.ts');

export interface WorkflowBundleOptions {
  /** The workflows module to bundle. */
  workflowsPath?: string;
  /** Files or directories (absolute, or relative to the repo root) whose contents key the cache. */
  hashInputs?: string[];
  /**
   * Where bundles are cached: `.cache/` in the repo by default; when that cannot be written, a
   * bundle is built into `<tmpdir>/mastoflow-workflow-bundles/` instead (a cached bundle in either
   * is reused).
   */
  cacheDir?: string;
  /** Progress lines; console.log by default. */
  log?: (line: string) => void;
}

export interface WorkflowBundle {
  /** The bundle file, for `WorkerOptions.workflowBundle.codePath`. */
  path: string;
  hash: string;
  /** True when an existing bundle was reused (nothing was built). */
  cached: boolean;
  /**
   * After a build only: repo files and npm packages webpack read that the cache key does not
   * cover. Non-empty means an edit to them would not rebuild the bundle; add them to the hash
   * inputs or BUNDLED_PACKAGES.
   */
  uncovered?: string[];
}

/** The message the child process sends back. */
export type ChildResult = { ok: true; inputs: string[] } | { ok: false; error: string };

function listFiles(abs: string): string[] {
  if (!existsSync(abs)) return [];
  if (!statSync(abs).isDirectory()) return [abs];
  return readdirSync(abs, { withFileTypes: true })
    .filter((d) => !d.name.startsWith('.') && d.name !== 'node_modules')
    .flatMap((d) => listFiles(path.join(abs, d.name)));
}

function installedVersion(pkg: string): string {
  try {
    return (
      JSON.parse(readFileSync(path.join(REPO_ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }
    ).version;
  } catch {
    return 'absent';
  }
}

function resolveInputs(opts: WorkflowBundleOptions): { workflowsPath: string; inputs: string[] } {
  const workflowsPath = path.resolve(REPO_ROOT, opts.workflowsPath ?? WORKFLOWS_PATH);
  const inputs = (opts.hashInputs ?? DEFAULT_HASH_INPUTS).map((p) => path.resolve(REPO_ROOT, p));
  const entryDir = path.dirname(workflowsPath);
  if (!opts.hashInputs && !inputs.some((i) => entryDir === i || entryDir.startsWith(i + path.sep)))
    inputs.push(entryDir);
  return { workflowsPath, inputs };
}

/** The cache key: the bundle format, the paths, package versions and every input file (path and bytes). */
export function workflowBundleHash(opts: WorkflowBundleOptions = {}): string {
  const { workflowsPath, inputs } = resolveInputs(opts);
  const h = createHash('sha256');
  // The root too: the source map names files by absolute path.
  h.update(`format ${FORMAT}\nroot ${REPO_ROOT}\nworkflows ${path.relative(REPO_ROOT, workflowsPath)}\n`);
  for (const pkg of BUNDLED_PACKAGES) h.update(`package ${pkg}@${installedVersion(pkg)}\n`);
  const files = [...new Set(inputs.flatMap(listFiles))].sort();
  for (const file of files) {
    const bytes = readFileSync(file);
    h.update(`file ${path.relative(REPO_ROOT, file)} ${bytes.length}\n`);
    h.update(bytes);
  }
  return h.digest('hex').slice(0, 20);
}

/**
 * Bundle in this process (webpack's memory stays here). The child process runs this; so does the
 * worker when asked to bundle in-process. Returns the code and every file webpack read.
 */
export async function bundleWorkflowsHere(workflowsPath: string): Promise<{ code: string; inputs: string[] }> {
  const inputs = new Set<string>();
  const errors: string[] = [];
  const logger = {
    log: () => {},
    trace: () => {},
    debug: () => {},
    info: () => {},
    warn: (m: string) => console.warn(m),
    error: (m: string) => errors.push(m),
  };
  try {
    const { code } = await bundleWorkflowCode({
      workflowsPath: path.resolve(workflowsPath),
      logger,
      webpackConfigHook: (config) => ({
        ...config,
        // The SDK requires an inline source map (stack traces map to the .ts files through it) but
        // uses the embedded sources only for showStackTraceSources, which we leave off. Without
        // them the bundle is 1.7 MB instead of 3.2 MB, held in the worker in several copies
        // (file text, parsed map, the workflow thread's copy): ~25 MB less RSS.
        devtool: 'inline-nosources-source-map',
        plugins: [
          ...(config.plugins ?? []),
          {
            apply(compiler) {
              compiler.hooks.done.tap('mastoflow-bundle-inputs', (stats) => {
                for (const f of stats.compilation.fileDependencies) inputs.add(f);
              });
            },
          },
        ],
      }),
    });
    return { code, inputs: [...inputs] };
  } catch (err) {
    // The SDK's error only points at its troubleshooting page; webpack's report says what broke.
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(errors.length ? `${errors.join('\n').trim()}\n${message}` : message);
  }
}

/** Files and packages webpack read that the key misses (directories and in-memory files skipped). */
function uncoveredInputs(read: string[], hashInputs: string[]): string[] {
  const covered = (f: string) => hashInputs.some((i) => f === i || f.startsWith(i + path.sep));
  const out = new Set<string>();
  for (const f of read) {
    const pkg = /[\\/]node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(f)?.[1]?.replace(/\\/g, '/');
    if (pkg) {
      // The bundler's own loader is not in the bundle; the SDK version is keyed via @temporalio/worker.
      if (!BUNDLED_PACKAGES.includes(pkg) && pkg !== 'swc-loader' && pkg !== '@swc/core') out.add(`npm:${pkg}`);
      continue;
    }
    let isFile = false;
    try {
      isFile = statSync(f).isFile();
    } catch {
      // the bundler's generated entrypoint lives in memory only
    }
    if (isFile && !covered(f)) out.add(path.relative(REPO_ROOT, f));
  }
  return [...out].sort();
}

function runChild(workflowsPath: string, outFile: string): Promise<string[]> {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return new Promise((resolve, reject) => {
    const child = fork(CHILD_SCRIPT, [workflowsPath, outFile], {
      cwd: REPO_ROOT,
      execArgv: ['--import', tsx],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let result: ChildResult | undefined;
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => process.stderr.write(d));
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
      process.stderr.write(d);
    });
    child.on('message', (m: ChildResult) => (result = m));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (result?.ok && code === 0) return resolve(result.inputs);
      const why =
        result && !result.ok
          ? result.error
          : `exited with ${signal ?? code}${stderr ? `: ${stderr.trim().split('\n').slice(-5).join('\n')}` : ''}`;
      reject(new Error(`workflow bundle: bundling ${path.relative(REPO_ROOT, workflowsPath)} failed: ${why}`));
    });
  });
}

/** Keep the KEEP newest bundles; drop temp files of builds that died more than an hour ago. */
async function prune(dir: string, keep: string): Promise<void> {
  try {
    const names = (await readdir(dir)).filter((n) => n.startsWith(PREFIX));
    const entries = await Promise.all(
      names.map(async (n) => ({ n, s: await stat(path.join(dir, n)).catch(() => undefined) })),
    );
    const now = Date.now();
    const tmp = entries.filter((e) => e.s && e.n.includes('.tmp-') && now - e.s.mtimeMs > 3_600_000);
    const done = entries
      .filter((e) => e.s && e.n.endsWith('.js') && path.join(dir, e.n) !== keep)
      .sort((a, b) => b.s!.mtimeMs - a.s!.mtimeMs)
      .slice(KEEP - 1);
    await Promise.all([...tmp, ...done].map((e) => rm(path.join(dir, e.n), { force: true })));
  } catch {
    // pruning is best-effort
  }
}

/**
 * The path of a workflow bundle for the current sources: reused from the cache when one with the
 * same key exists, else built by webpack in a child process (so its memory never enters the
 * caller) and written atomically (temp file + rename), so concurrent starts never see half a file.
 */
export async function ensureWorkflowBundle(opts: WorkflowBundleOptions = {}): Promise<WorkflowBundle> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const { workflowsPath, inputs } = resolveInputs(opts);
  const hash = workflowBundleHash(opts);
  const name = `${PREFIX}${hash}.js`;
  const preferred = path.resolve(opts.cacheDir ?? path.join(REPO_ROOT, '.cache'));
  // Only the default dir falls back to the temp dir (e.g. an image whose app dir is read-only).
  const fallback = opts.cacheDir ? preferred : path.join(os.tmpdir(), 'mastoflow-workflow-bundles');
  for (const dir of new Set([preferred, fallback])) {
    const file = path.join(dir, name);
    if (existsSync(file)) {
      log(`workflow bundle: cached ${file}`);
      return { path: file, hash, cached: true };
    }
  }
  const dir = (await writableDir(preferred)) ? preferred : fallback;
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, name);
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const started = performance.now();
  log(`workflow bundle: bundling ${path.relative(REPO_ROOT, workflowsPath) || workflowsPath} in a child process …`);
  try {
    const read = await runChild(workflowsPath, tmp);
    // rename() replaces atomically: a concurrent start that built the same key wrote the same bytes.
    await rename(tmp, file);
    const uncovered = uncoveredInputs(read, inputs);
    const secs = ((performance.now() - started) / 1000).toFixed(1);
    log(`workflow bundle: built ${file} in ${secs} s`);
    if (uncovered.length)
      log(`workflow bundle: warning: the cache key misses inputs webpack read: ${uncovered.join(', ')}`);
    await prune(dir, file);
    return { path: file, hash, cached: false, uncovered };
  } finally {
    await rm(tmp, { force: true });
  }
}
