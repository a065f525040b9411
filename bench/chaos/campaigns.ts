import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { writeIntentPath } from '../../activities/store/write-intent';
import { Rng } from '../../infra/mastodon-sim/prng';
import { startMastodonSim, type MastodonSim, type MastodonSimOptions } from '../../infra/mastodon-sim/server';
import { scanHistories, scanLogFiles, type SecretHit } from '../../test/helpers/secret-scan';
import { compareSnapshots, partitionRows, snapshotStore, type StoreSnapshot } from './compare';
import { startRound, type Round, type RoundOutcome } from './runs';
import { startCampaignStack, type CampaignStack, type CampaignStackOptions, type WorkerProcess } from './stack';

// The chaos campaigns (issue #12): each runs mastodon_daily over a few days on a stack of its
// own while something fails, then compares the store row by row with a clean run of the same
// days. Shared by `npm run chaos` (bench/chaos.ts) and the test suite
// (test/integration/chaos-campaigns.test.ts), which runs the short versions.

export const CAMPAIGNS = [
  'worker-kill',
  'two-workers',
  'temporal-restart',
  'minio-restart',
  'store-kill',
  'source-faults',
] as const;
export type CampaignName = (typeof CAMPAIGNS)[number];

export interface ChaosOptions {
  /** SIGKILLs of the worker in the worker-kill campaign. */
  kills: number;
  /** SIGKILLs of the store worker during loads. */
  storeKills: number;
  days: string[];
  statusesPerDay: number;
  seed: number;
  campaigns: readonly CampaignName[];
  /** Progress lines. */
  log: (line: string) => void;
  /** Campaigns run side by side (each on its own stack); 1 = one after the other. */
  parallel?: number;
  /** A run (round of days) not closed after this long counts as stuck. */
  roundTimeoutMs?: number;
  keepDirs?: boolean;
}

export const DEFAULT_CHAOS_OPTIONS: Omit<ChaosOptions, 'log'> = {
  kills: 20,
  storeKills: 3,
  days: ['2026-03-01', '2026-03-02', '2026-03-03'],
  statusesPerDay: 2_000,
  seed: 12,
  campaigns: CAMPAIGNS,
};

/** The simulated present: after the campaign days, so they are complete (the fetch tests' NOW). */
const SIM_NOW = Date.parse('2026-03-05T06:00:00Z');

export interface CampaignResult {
  name: string;
  /** What was done to it, e.g. "20 worker kills". */
  disruption: string;
  /** How many kills or restarts (0 for the source faults). */
  disruptions: number;
  runs: number;
  completed: number;
  partitions: number;
  partitionsIdentical: number;
  quarantined: number;
  wallMs: number;
  identical: boolean;
  problems: string[];
  notes: string[];
}

export interface ChaosReport {
  clean: { wallMs: number; rows: number; parquetRows: number; partitions: number; quarantined: number };
  campaigns: CampaignResult[];
  secrets: { histories: number; listed: number; logBytes: number; hits: SecretHit[] };
}

/** Everything a campaign body may use. */
interface CampaignCtx {
  stack: CampaignStack;
  sim: MastodonSim;
  /** The clean run's store. */
  clean: StoreSnapshot;
  opts: ChaosOptions;
  rng: Rng;
  cleanMs: number;
  notes: string[];
  log: (line: string) => void;
  round(): Promise<Round>;
}

type CampaignBody = (
  ctx: CampaignCtx,
) => Promise<{ outcomes: RoundOutcome[]; disruptions: number; disruption: string }>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wait `ms` or until the round closes, whichever first; true if the round is still running. */
async function waitWhileRunning(round: Round, ms: number): Promise<boolean> {
  await Promise.race([round.done, sleep(ms)]);
  return !round.finished();
}

function between(rng: Rng, lo: number, hi: number): number {
  return Math.round(lo + rng.float() * (hi - lo));
}

/** Restart any worker that died on its own (not killed by us): said in the notes. */
function watchWorkers(ctx: CampaignCtx, killed: Set<WorkerProcess>): () => void {
  let stopped = false;
  const watch = (w: WorkerProcess, store: boolean) => {
    void w.exited.then(async (code) => {
      if (stopped || killed.has(w)) return;
      ctx.notes.push(`${w.name} exited on its own (code ${code}); restarted`);
      ctx.log(`  ${w.name} exited on its own (code ${code}); restarting`);
      const again = await ctx.stack.startWorker({ store }).catch(() => undefined);
      if (again) watch(again, store);
    });
  };
  for (const w of ctx.stack.workers) watch(w, w.name.includes('store'));
  return () => {
    stopped = true;
  };
}

/** One worker serving both queues; `what` (a server) killed once mid-run and restarted. */
async function restartMidRun(ctx: CampaignCtx, what: string, killAndRestart: () => Promise<void>) {
  const killed = new Set<WorkerProcess>();
  await ctx.stack.startWorker({ store: true, name: 'store-worker' });
  const unwatch = watchWorkers(ctx, killed);
  const round = await ctx.round();
  let restarts = 0;
  if (await waitWhileRunning(round, between(ctx.rng, ctx.cleanMs * 0.2, ctx.cleanMs * 0.7))) {
    const t0 = Date.now();
    await killAndRestart();
    restarts++;
    ctx.log(`  ${what} killed and restarted in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } else ctx.notes.push('the runs closed before the restart');
  const outcome = await round.done;
  unwatch();
  return { outcomes: [outcome], disruptions: restarts, disruption: `${restarts} ${what} restart` };
}

const BODIES: Record<CampaignName, CampaignBody> = {
  // The worker (both queues, as `mastoflow worker --store`) SIGKILLed at random moments and
  // restarted each time; when the runs finish before all kills are spent, the days run again.
  'worker-kill': async (ctx) => {
    let worker = await ctx.stack.startWorker({ store: true, name: 'store-worker-1' });
    const outcomes: RoundOutcome[] = [];
    let kills = 0;
    while (kills < ctx.opts.kills) {
      const round = await ctx.round();
      while (kills < ctx.opts.kills) {
        if (!(await waitWhileRunning(round, between(ctx.rng, 500, Math.max(2_000, ctx.cleanMs / 4))))) break;
        await worker.kill('SIGKILL');
        kills++;
        ctx.log(`  kill ${kills}/${ctx.opts.kills} (pid ${worker.pid})`);
        worker = await ctx.stack.startWorker({ store: true, name: `store-worker-${kills + 1}` });
      }
      outcomes.push(await round.done);
    }
    return { outcomes, disruptions: kills, disruption: `${kills} worker kills` };
  },

  // Two workers on the mastoflow queue (one also serves the store queue); the other one is
  // SIGKILLed mid-run and not restarted: the survivor finishes the runs. Two workers run the
  // days faster than the clean run's one, so the kill comes early: 5-30 % of the clean time.
  'two-workers': async (ctx) => {
    await ctx.stack.startWorker({ store: true, name: 'store-worker' });
    const second = await ctx.stack.startWorker({ store: false, name: 'worker-2' });
    const round = await ctx.round();
    let kills = 0;
    // Killed while it runs an activity (a pending activity last given to its identity, the
    // SDK's default `<pid>@<host>`), so the survivor must take that activity over.
    const busy = async (): Promise<string | undefined> => {
      for await (const w of ctx.stack.client.workflow.list({ query: 'ExecutionStatus="Running"' })) {
        const d = await ctx.stack.client.workflow
          .getHandle(w.workflowId, w.runId)
          .describe()
          .catch(() => undefined);
        const a = d?.raw.pendingActivities?.find((p) => p.lastWorkerIdentity?.startsWith(`${second.pid}@`));
        if (a) return `${a.activityType?.name} of ${w.workflowId}`;
      }
      return undefined;
    };
    const minDelay = Date.now() + between(ctx.rng, ctx.cleanMs * 0.05, ctx.cleanMs * 0.3);
    while (!round.finished()) {
      const running = Date.now() >= minDelay ? await busy().catch(() => undefined) : undefined;
      if (running) {
        await second.kill('SIGKILL');
        kills++;
        ctx.log(`  killed worker-2 (pid ${second.pid}) while it ran ${running}; store-worker carries on alone`);
        break;
      }
      await sleep(100);
    }
    if (!kills) ctx.notes.push('the runs closed before worker-2 was seen running an activity');
    return { outcomes: [await round.done], disruptions: kills, disruption: `${kills} of 2 workers killed` };
  },

  // The Temporal dev server SIGKILLed mid-run, restarted on the same SQLite file and port.
  'temporal-restart': (ctx) => restartMidRun(ctx, 'Temporal', () => ctx.stack.killTemporal(2_000)),

  // MinIO SIGKILLed mid-run, restarted on the same data dir and port.
  'minio-restart': (ctx) => restartMidRun(ctx, 'MinIO', () => ctx.stack.killMinio(2_000)),

  // The store worker SIGKILLed while it holds the DuckDB file for a load (its write-intent flag
  // is up). The days are loaded once first from answers with more broken records (so other
  // numbers: the old partitions), then again from the campaign's answers (the new ones) while
  // the store worker is killed during loads: with it dead, each partition must be wholly the
  // old load or wholly the new one, never a mix or a part.
  'store-kill': async (ctx) => {
    await ctx.stack.startWorker({ store: false, name: 'worker' });
    let store = await ctx.stack.startWorker({ store: true, name: 'store-worker-1' });
    const standard = simOptions(ctx.opts, '', false).faults ?? {};
    ctx.sim.setFaults({ ...standard, brokenRecordRate: 0.06 });
    const outcomes = [await (await ctx.round()).done];
    const old = partitionRows(
      await snapshotStore(ctx.stack.config, envFor(ctx.stack), ctx.stack.dir, { parquet: false }),
    );
    const fresh = partitionRows(ctx.clean);
    ctx.sim.setFaults(standard);
    const flag = writeIntentPath(path.resolve(ctx.stack.config.duckdb.path));
    const round = await ctx.round();
    let kills = 0;
    while (kills < ctx.opts.storeKills && !round.finished()) {
      // Poll for the flag raised by this store worker (a killed one leaves its flag behind),
      // held while it has the file: the load transaction, then the Parquet export. One kill per
      // day's load: the same load killed three times would spend its three attempts (retries: 2;
      // Temporal counts a worker's death as a failed attempt) and fail the run by design.
      const mine = () => {
        try {
          return readFileSync(flag, 'utf8').startsWith(`${store.pid} `);
        } catch {
          return false;
        }
      };
      while (!round.finished() && !(round.closed() >= kills && mine())) await sleep(5);
      if (round.finished()) break;
      // Then 0-250 ms later: before or after the commit.
      await sleep(between(ctx.rng, 0, 250));
      await store.kill('SIGKILL');
      kills++;
      const now = partitionRows(
        await snapshotStore(ctx.stack.config, envFor(ctx.stack), ctx.stack.dir, { parquet: false }),
      );
      const seen = [...fresh.keys()].map((k) => {
        const rows = now.get(k);
        const state = rows === fresh.get(k) ? 'new' : rows === old.get(k) ? 'old' : 'HALF';
        return `${k.split(' ')[1]} ${state}`;
      });
      ctx.log(`  store worker killed during a load (${kills}/${ctx.opts.storeKills}): ${seen.join(', ')}`);
      if (seen.some((s) => s.endsWith('HALF')))
        ctx.notes.push(`half partition after kill ${kills}: ${seen.join(', ')}`);
      store = await ctx.stack.startWorker({ store: true, name: `store-worker-${kills + 1}` });
    }
    outcomes.push(await round.done);
    return { outcomes, disruptions: kills, disruption: `${kills} store-worker kills during loads` };
  },

  // Source faults together, on a sim that answers 10 % 5xx, 5 % cut bodies, 1 % HTML error pages,
  // 5 % latency spikes of 1.5 s, bursts of five 429s (5 % of requests start one), and throttles
  // at 10 requests per 2 s (the worker is not told the limit: it learns it from the answers).
  'source-faults': async (ctx) => {
    await ctx.stack.startWorker({ store: true, name: 'store-worker' });
    const round = await ctx.round();
    return { outcomes: [await round.done], disruptions: 0, disruption: 'source faults' };
  },
};

function simOptions(opts: ChaosOptions, token: string, faulty: boolean): MastodonSimOptions {
  return {
    now: SIM_NOW,
    seed: opts.seed,
    statusesPerDay: opts.statusesPerDay,
    requireToken: token,
    // Faulty: Mastodon's throttles compressed (10 requests per 2 s), and the worker paces for an
    // unlimited instance, so it runs into 429 bursts and must wait them out.
    rateLimit: faulty ? { limit: 10, windowMs: 2_000, pagedLimit: 10, pagedWindowMs: 2_000 } : false,
    faults: {
      // Every campaign's sim breaks 2 % of the records the same way (picked by status ID), so
      // every run quarantines the same records and the stores compare row by row.
      brokenRecordRate: 0.02,
      brokenRecordPick: 'id',
      ...(faulty
        ? {
            serverErrorRate: 0.1,
            truncateRate: 0.05,
            invalidJsonRate: 0.01,
            latencySpikeRate: 0.05,
            latencySpikeMs: 1_500,
            // 5 % of requests start a burst of five 429s (reset 1 s later).
            throttleBurstRate: 0.05,
            throttleBurstLength: 5,
            throttleBurstMs: 1_000,
          }
        : {}),
    },
  };
}

function secretsFor(name: string): CampaignStackOptions['secrets'] {
  return {
    simToken: `chaos-sim-token-${name}-${randomBytes(12).toString('hex')}`,
    s3Secret: `chaos-s3-secret-${name}-${randomBytes(12).toString('hex')}`,
  };
}

interface Started {
  sim: MastodonSim;
  stack: CampaignStack;
}

/** Stacks running now, for stopAllStacks (Ctrl-C of `npm run chaos`). */
const running = new Set<Started>();

/** Stop every campaign stack and sim still running (a signal handler's cleanup). */
export async function stopAllStacks(): Promise<void> {
  await Promise.allSettled([...running].map(async (s) => Promise.allSettled([s.stack.stop(), s.sim.close()])));
  running.clear();
}

async function startFor(name: string, opts: ChaosOptions, faulty: boolean): Promise<Started> {
  const secrets = secretsFor(name);
  const sim = await startMastodonSim(simOptions(opts, secrets.simToken, faulty));
  try {
    const stack = await startCampaignStack({ name, sim, secrets, ...(opts.keepDirs ? { keepDir: true } : {}) });
    const started = { sim, stack };
    running.add(started);
    return started;
  } catch (err) {
    await sim.close();
    throw err;
  }
}

async function scanSecrets(stack: CampaignStack, report: ChaosReport): Promise<void> {
  const secrets = { 'instance token': stack.secrets.simToken, 'S3 secret': stack.secrets.s3Secret };
  const h = await scanHistories(stack.client, secrets, { timeoutMs: 120_000 });
  const logs = scanLogFiles(stack.logFiles, secrets);
  report.secrets.histories += h.histories;
  report.secrets.listed += h.listed;
  report.secrets.logBytes += logs.bytes;
  report.secrets.hits.push(...h.hits.map((x) => ({ ...x, where: `${stack.name}: ${x.where}` })), ...logs.hits);
}

/** Partitions of metrics_kv whose rows equal the clean run's. */
function identicalPartitions(clean: StoreSnapshot, run: StoreSnapshot): number {
  const b = partitionRows(run);
  return [...partitionRows(clean).entries()].filter(([k, rows]) => b.get(k) === rows).length;
}

/** Run the clean run, then each campaign, each on its own stack; stops every stack it started. */
export async function runChaos(opts: ChaosOptions): Promise<ChaosReport> {
  const log = opts.log;
  const roundTimeoutMs = opts.roundTimeoutMs ?? 20 * 60_000;
  const report: ChaosReport = {
    clean: { wallMs: 0, rows: 0, parquetRows: 0, partitions: 0, quarantined: 0 },
    campaigns: [],
    secrets: { histories: 0, listed: 0, logBytes: 0, hits: [] },
  };

  log(`chaos: clean run of ${opts.days.join(', ')} (${opts.statusesPerDay} statuses/day)`);
  let clean: StoreSnapshot;
  {
    const { sim, stack } = await startFor('clean', opts, false);
    try {
      await stack.startWorker({ store: true, name: 'store-worker' });
      const t0 = Date.now();
      const outcome = await (await startRound(stack.client, stack.config, opts.days, { timeoutMs: roundTimeoutMs }))
        .done;
      report.clean.wallMs = Date.now() - t0;
      if (outcome.completed !== outcome.runs)
        throw new Error(`the clean run did not complete: ${outcome.notCompleted.join('; ')}`);
      await Promise.allSettled(stack.workers.map((w) => w.kill('SIGKILL')));
      clean = await snapshotStore(stack.config, envFor(stack), stack.dir);
      await scanSecrets(stack, report);
    } finally {
      await stack.stop();
      await sim.close();
      running.clear();
    }
    report.clean.rows = Object.values(clean.tables).reduce((n, t) => n + t.length, 0);
    report.clean.parquetRows = clean.parquet.length;
    report.clean.partitions = clean.partitions.length;
    report.clean.quarantined = clean.quarantined;
    log(
      `chaos: clean run ${(report.clean.wallMs / 1000).toFixed(1)} s, ${report.clean.rows} DuckDB rows, ` +
        `${clean.parquet.length} Parquet rows, ${clean.partitions.length} partitions, ${clean.quarantined} quarantined`,
    );
    if (clean.quarantined === 0)
      throw new Error('the clean run quarantined nothing: the broken records did not arrive');
  }

  const runCampaign = async (name: CampaignName): Promise<void> => {
    // Lines of campaigns running side by side (--parallel) say whose they are.
    const clog = (line: string) => log(opts.parallel && opts.parallel > 1 ? `[${name}] ${line.trimStart()}` : line);
    clog(`chaos: campaign ${name}`);
    const started = await startFor(name, opts, name === 'source-faults');
    const { sim, stack } = started;
    const notes: string[] = [];
    const t0 = Date.now();
    try {
      const ctx: CampaignCtx = {
        stack,
        sim,
        clean,
        opts,
        rng: new Rng(opts.seed * 7919 + CAMPAIGNS.indexOf(name)),
        cleanMs: report.clean.wallMs,
        notes,
        log: clog,
        round: () => {
          const t = Date.now();
          return startRound(stack.client, stack.config, opts.days, {
            timeoutMs: roundTimeoutMs,
            onProgress: (closed, total) =>
              clog(`  runs closed ${closed}/${total} (${((Date.now() - t) / 1000).toFixed(0)} s into the round)`),
          });
        },
      };
      const { outcomes, disruptions, disruption } = await BODIES[name](ctx);
      const wallMs = Date.now() - t0;
      // Every worker stops before the store is read (the store worker holds the file only
      // during loads, but a late report could still open it).
      await Promise.allSettled(stack.workers.map((w) => w.kill('SIGKILL')));
      const snap = await snapshotStore(stack.config, envFor(stack), stack.dir);
      const diff = compareSnapshots(clean, snap);
      const runs = outcomes.reduce((n, o) => n + o.runs, 0);
      const completed = outcomes.reduce((n, o) => n + o.completed, 0);
      const problems = [...diff.problems, ...outcomes.flatMap((o) => o.notCompleted.map((x) => `not completed: ${x}`))];
      problems.push(...notes.filter((n) => n.startsWith('half partition')));
      // A campaign whose runs ended before its kill or restart proves nothing: not identical.
      if (name !== 'source-faults' && disruptions === 0)
        problems.push('the disruption did not happen (the runs closed first)');
      if (snap.quarantined !== clean.quarantined)
        problems.push(`quarantined ${snap.quarantined}, clean run ${clean.quarantined}`);
      if (name === 'source-faults') {
        const st = sim.stats();
        notes.push(
          `sim answered ${st.requests} requests: ${st.rateLimited} × 429 (${st.faults.throttleBursts} in bursts), ` +
            `${st.faults.serverErrors} × 5xx, ` +
            `${st.faults.truncated} cut bodies, ${st.faults.invalidJson} HTML pages`,
        );
        if (st.rateLimited === 0 || st.faults.serverErrors === 0 || st.faults.truncated + st.faults.invalidJson === 0)
          problems.push(
            'the faults did not all happen (no 429, 5xx or cut body): more statuses per day make more requests',
          );
      }
      await scanSecrets(stack, report);
      const result: CampaignResult = {
        name,
        disruption,
        disruptions,
        runs,
        completed,
        partitions: clean.partitions.length,
        partitionsIdentical: identicalPartitions(clean, snap),
        quarantined: snap.quarantined,
        wallMs,
        identical: problems.length === 0,
        problems,
        notes,
      };
      report.campaigns.push(result);
      clog(formatCampaign(result, report.clean.wallMs));
      for (const p of problems) clog(`  problem: ${p}`);
      for (const n of notes) clog(`  note: ${n}`);
    } catch (err) {
      const result: CampaignResult = {
        name,
        disruption: 'aborted',
        disruptions: 0,
        runs: 0,
        completed: 0,
        partitions: clean.partitions.length,
        partitionsIdentical: 0,
        quarantined: 0,
        wallMs: Date.now() - t0,
        identical: false,
        problems: [`campaign failed: ${err instanceof Error ? err.message : String(err)}`],
        notes,
      };
      report.campaigns.push(result);
      clog(formatCampaign(result, report.clean.wallMs));
      clog(`  problem: ${result.problems[0]}`);
    } finally {
      await stack.stop();
      await sim.close();
      running.delete(started);
    }
  };
  const queue = [...opts.campaigns];
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(opts.parallel ?? 1, queue.length)) }, async () => {
      for (let name = queue.shift(); name; name = queue.shift()) await runCampaign(name);
    }),
  );
  // Campaigns side by side finish in any order: report them in the order asked.
  report.campaigns.sort(
    (a, b) => opts.campaigns.indexOf(a.name as CampaignName) - opts.campaigns.indexOf(b.name as CampaignName),
  );
  return report;
}

function envFor(stack: CampaignStack): NodeJS.ProcessEnv {
  return {
    MASTOFLOW_S3_ACCESS_KEY_ID: 'chaos-access',
    MASTOFLOW_S3_SECRET_ACCESS_KEY: stack.secrets.s3Secret,
  };
}

export function formatCampaign(r: CampaignResult, cleanMs: number): string {
  const wall = `${(r.wallMs / 1000).toFixed(0)} s (×${(r.wallMs / Math.max(1, cleanMs)).toFixed(1)} clean)`;
  return (
    `${r.name.padEnd(17)} ${r.identical ? 'identical' : 'DIFFERENT'}  runs ${r.runs}  ${r.disruption}  ` +
    `completed ${r.completed}/${r.runs}  partitions identical ${r.partitionsIdentical}/${r.partitions}  ` +
    `quarantined ${r.quarantined}  wall ${wall}`
  );
}

/** The closing lines: secrets, then `chaos: N/N campaigns identical`. */
export function formatSummary(report: ChaosReport): string[] {
  const s = report.secrets;
  const identical = report.campaigns.filter((c) => c.identical).length;
  return [
    `secrets: ${s.hits.length} hits in ${s.histories} histories, ${s.logBytes} log bytes` +
      (s.histories < s.listed ? ` (${s.listed - s.histories} histories not scanned: time cap)` : ''),
    ...s.hits.map((h) => `  secret hit: ${h.secret} in ${h.where}`),
    `chaos: ${identical}/${report.campaigns.length} campaigns identical`,
  ];
}

/** True when every campaign was identical and no secret was found. */
export function chaosPassed(report: ChaosReport): boolean {
  return report.campaigns.every((c) => c.identical) && report.secrets.hits.length === 0;
}
