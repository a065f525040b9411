import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { createActivities, createStoreActivities, type ActivityDeps } from '../activities';
import { createDagCatalog } from '../dags/catalog';
import type { MastoflowConfig } from '../domain/config';
import { connectTemporalWorker, createS3Client, ensureBucket, s3SetupMessage } from './clients';
import { installWorkerLogging } from './logging';
import { ensureThreadBundle } from './thread-bundle';
import { ensureWorkflowBundle, WORKFLOWS_PATH, workflowsPathFor } from './workflow-bundle';
import { acquireStoreWriterLock } from '../activities/store/store-writer-lock';
import { VIEW_CATALOG } from '../domain/metrics/catalog';
import { staticDashboardFrom } from './dashboard/write-static';

export { WORKFLOWS_PATH };

export interface WorkerRunOptions {
  config: MastoflowConfig;
  env?: NodeJS.ProcessEnv;
  /** Serve the DuckDB store queue here too (exactly one process may). Defaults to config.worker.serveStore. */
  serveStore?: boolean;
  /**
   * A pre-built workflow bundle (tests build it once). Else ensureWorkflowBundle() supplies one:
   * cached on disk, or built by webpack in a child process, so webpack's memory (~150 MB of idle
   * RSS) never enters the worker.
   */
  workflowBundlePath?: string;
  /**
   * The workflow entry to bundle: by default workflows/index.ts, or workflows/with-examples.ts when
   * the config's `loadExamples` is on. Benchmarks pass the test entry (test/dags/workflows.ts).
   */
  workflowsPath?: string;
  /** Escape hatch: bundle workflows/ inside this process at start (the SDK's workflowsPath), as before. */
  bundleInProcess?: boolean;
  /** Progress lines of the bundle step (console.log by default). */
  log?: (line: string) => void;
  connection?: NativeConnection;
  /** Extra activity deps (the report's dashboard renderer; tests: a chart renderer that fails). */
  activityDeps?: Pick<ActivityDeps, 'renderDashboard' | 'renderChart'>;
  onReady?: (info: { taskQueues: string[] }) => void;
}

export function buildActivityDeps(config: MastoflowConfig, env: NodeJS.ProcessEnv): ActivityDeps {
  return {
    config,
    s3: createS3Client(config.s3, env),
    bucket: config.s3.bucket,
    duckdbPath: config.duckdb.path,
    env,
    threadCode: async (entry) => (await ensureThreadBundle(entry)).path,
    // The report task writes the day's dashboard too (reports/<instance>/<date>/dashboard.html).
    renderDashboard: ({ conn, instance, from, to }) =>
      staticDashboardFrom(conn, {
        from,
        to,
        instances: config.instances.map((i) => i.name),
        instance,
        lookbackDays: config.schedule.lookbackDays,
        views: VIEW_CATALOG,
        now: new Date(),
      }),
  };
}

/**
 * Create the workers of one process: the `mastoflow` queue (workflows + stateless activities) and,
 * when serving the store, the `mastoflow-store` queue (DuckDB writes, one activity at a time is
 * not required: DuckDB serialises writers in-process, but only this process may open the file).
 */
export async function createWorkers(
  opts: WorkerRunOptions,
): Promise<{ workers: Worker[]; connection: NativeConnection; ownsConnection: boolean; release: () => void }> {
  installWorkerLogging();
  // A broken DAG definition stops the worker at start with every problem listed, rather than
  // failing runs one by one later.
  const { config } = opts;
  createDagCatalog(config);
  const env = opts.env ?? process.env;
  const workflowsPath = opts.workflowsPath ?? workflowsPathFor(config);
  // First of all, before any build or connection: a second writer process of the DuckDB file is
  // refused here, naming the one that serves the store queue. (A start that fails later leaves the
  // lock to this process, which then exits: the next start finds its PID gone and takes it over.)
  const serveStore = opts.serveStore ?? config.worker.serveStore;
  const lock = serveStore ? acquireStoreWriterLock(config.duckdb.path) : undefined;
  const release = () => lock?.release();
  // The bundle (a cache hit, or a child process) is made while the bucket and connection are set up.
  const bundlePath: Promise<string | undefined> =
    opts.workflowBundlePath || opts.bundleInProcess
      ? Promise.resolve(opts.workflowBundlePath)
      : ensureWorkflowBundle({ workflowsPath, log: opts.log }).then((b) => b.path);
  bundlePath.catch(() => {}); // awaited below; an earlier failure must not leave it unhandled
  const deps: ActivityDeps = { ...buildActivityDeps(config, env), ...opts.activityDeps };
  try {
    await ensureBucket(deps.s3, deps.bucket);
  } catch (err) {
    throw new Error(s3SetupMessage(config.s3, env, err));
  }
  const ownsConnection = !opts.connection;
  const connection = opts.connection ?? (await connectTemporalWorker(config.temporal, env));
  const common: Pick<WorkerOptions, 'connection' | 'namespace'> = { connection, namespace: config.temporal.namespace };
  let codePath: string | undefined;
  try {
    codePath = await bundlePath;
  } catch (err) {
    if (ownsConnection) await connection.close();
    throw err;
  }
  const workflowSource: Pick<WorkerOptions, 'workflowsPath' | 'workflowBundle'> = codePath
    ? { workflowBundle: { codePath } }
    : { workflowsPath };
  const workers = [
    await Worker.create({
      ...common,
      ...workflowSource,
      taskQueue: config.temporal.taskQueue,
      activities: createActivities(deps),
      maxConcurrentActivityTaskExecutions: config.worker.maxConcurrentActivities,
    }),
  ];
  if (serveStore) {
    workers.push(
      await Worker.create({
        ...common,
        taskQueue: config.temporal.storeTaskQueue,
        activities: createStoreActivities(deps),
        maxConcurrentActivityTaskExecutions: 4,
      }),
    );
  }
  return { workers, connection, ownsConnection, release };
}

/** Run until SIGINT/SIGTERM (the SDK runtime shuts the workers down gracefully on those). */
export async function runWorkers(opts: WorkerRunOptions): Promise<void> {
  const { workers, connection, ownsConnection, release } = await createWorkers(opts);
  opts.onReady?.({ taskQueues: workers.map((w) => w.options.taskQueue) });
  try {
    await Promise.all(workers.map((w) => w.run()));
  } finally {
    release();
    if (ownsConnection) await connection.close();
  }
}
