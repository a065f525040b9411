import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, describe, expect, it } from 'vitest';
import { addDays, yesterdayUtc } from '../../domain/logical-date';
import { startTemporalDevServer, type RunningTemporal } from '../../infra/local-servers';
import { freePort } from '../../infra/ports';
import { REPO_ROOT } from '../../infra/tools';
import { installWorkerLogging } from '../../runtime/logging';
import { createWorkers } from '../../runtime/worker-runtime';
import { testConfig, testEnv, testStack, uniqueName } from '../helpers/stack';

// `mastoflow run --wait` and `mastoflow backfill` only follow runs that live in Temporal: a
// Temporal restart must not kill them. This test runs its OWN Temporal dev server on a SQLite
// file (killing the suite's shared one would break every other test), a worker, and both CLI
// commands as child processes; it SIGKILLs the server mid-run and starts it again on the same
// port and file. Both commands must say they lost the connection and reconnected, then finish
// with success, and never print a stack trace.

const BIN = path.join(REPO_ROOT, 'bin', 'mastoflow.js');
const SLEEP_MS = 30_000; // the `wait` task: long enough to be running across the restart

interface Cli {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

function cli(config: string, args: string[]): Cli {
  let out = '';
  let err = '';
  const child = spawn(process.execPath, [BIN, '--config', config, ...args], {
    cwd: REPO_ROOT,
    env: { ...testEnv(), MASTOFLOW_LOG_LEVEL: 'WARN' },
  });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

async function until(what: string, check: () => boolean, timeoutMs: number, show: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${show()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('CLI commands that follow a run survive a Temporal restart', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  });

  it('run --wait and backfill say they reconnect, then finish', { timeout: 240_000 }, async () => {
    const stack = testStack();
    const dir = mkdtempSync(path.join(stack.tempDir, 'reconnect-'));
    const port = await freePort();
    const serverOpts = {
      port,
      uiPort: 0,
      headless: true,
      namespace: 'default',
      dbFile: path.join(dir, 'temporal.sqlite'),
      logFile: path.join(dir, 'temporal.log'),
    };
    let temporal: RunningTemporal = await startTemporalDevServer(serverOpts);
    cleanups.push(() => temporal.stop());

    const name = uniqueName('reconnect');
    const temporalSettings = { address: temporal.address, namespace: 'default', taskQueue: name };
    const config = testConfig(name, { temporal: { ...temporalSettings, storeTaskQueue: `${name}-store` } });
    installWorkerLogging('ERROR');
    const connection = await NativeConnection.connect({ address: temporal.address });
    const { workers } = await createWorkers({
      config,
      env: testEnv(),
      serveStore: false,
      workflowBundlePath: stack.workflowBundlePath,
      connection,
    });
    const running = Promise.all(workers.map((w) => w.run()));
    cleanups.push(async () => {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await running;
      await connection.close();
    });

    const configFile = path.join(dir, 'config.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        instances: [{ name: 'sim.local', baseUrl: 'http://127.0.0.1:1', userAgentContact: 'mailto:test@example.org' }],
        s3: { endpoint: stack.s3Endpoint, bucket: 'mastoflow-test', forcePathStyle: true },
        duckdb: { path: path.join(dir, 'mastoflow.duckdb') },
        temporal: { ...temporalSettings, storeTaskQueue: `${name}-store` },
        loadExamples: true,
      }),
    );
    const day = yesterdayUtc(Date.now());
    const params = { sleepMs: SLEEP_MS };
    const run = cli(configFile, ['run', 'example_chain', '--date', day, '--param', `sleepMs=${SLEEP_MS}`, '--wait']);
    const backfill = cli(configFile, [
      'backfill',
      'example_chain',
      '--from',
      addDays(day, -2),
      '--to',
      addDays(day, -1),
      '--max-active',
      '2',
      '--params',
      JSON.stringify(params),
    ]);
    const both = () => `run:\n${run.stdout()}${run.stderr()}\nbackfill:\n${backfill.stdout()}${backfill.stderr()}`;
    cleanups.push(async () => {
      for (const c of [run, backfill]) if (c.child.exitCode === null) c.child.kill('SIGKILL');
    });

    // Mid-run: the run's sleeping task has started, and the backfill has started its days.
    await until('the run to be mid-way', () => /wait\s+running/.test(run.stdout()), 90_000, both);
    await until('the backfill to start', () => backfill.stdout().includes('started backfill'), 30_000, both);

    temporal.child.kill('SIGKILL');
    await temporal.stop();
    await until(
      'both followers to notice',
      () => run.stderr().includes('lost the connection') && backfill.stderr().includes('lost the connection'),
      30_000,
      both,
    );
    temporal = await startTemporalDevServer(serverOpts);

    const [runCode, backfillCode] = await Promise.all([run.exit, backfill.exit]);
    const output = both();
    expect(runCode, output).toBe(0);
    expect(backfillCode, output).toBe(0);
    expect(run.stdout()).toContain(`run: dag/example_chain/${day} succeeded`);
    expect(backfill.stdout()).toMatch(/backfill backfill\/example_chain\/\S+ finished: 2\/2 days done: 2 succeeded/);
    for (const [who, c] of [
      ['run', run],
      ['backfill', backfill],
    ] as const) {
      expect(c.stderr()).toContain(`${who}: lost the connection to Temporal at ${temporal.address}`);
      expect(c.stderr()).toContain(`${who}: reconnected to Temporal at ${temporal.address}`);
      // Never a raw stack trace or gRPC's own wording for a closed channel.
      expect(c.stderr()).not.toMatch(/^\s+at /m);
      expect(c.stderr()).not.toContain('Channel has been shut down');
    }
  });
});
