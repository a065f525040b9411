import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../infra/ports';
import { REPO_ROOT } from '../../infra/tools';
import { testStack } from '../helpers/stack';

// The user's path through the CLI: `mastoflow dev` brings the embedded stack up on the ports in
// the config, `mastoflow smoke` runs against it, Ctrl-C stops everything, and a restart keeps the
// Temporal history and the MinIO objects.
const BIN = path.join(REPO_ROOT, 'bin', 'mastoflow.js');

function startDev(config: string): { child: ChildProcess; output: () => string; ready: Promise<void> } {
  let out = '';
  const child = spawn(process.execPath, [BIN, '--config', config, 'dev'], {
    cwd: REPO_ROOT,
    env: { ...process.env, MASTOFLOW_LOG_LEVEL: 'WARN' },
  });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (out.includes('dev: ready')) {
        clearInterval(timer);
        resolve();
      } else if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`dev exited ${child.exitCode}:\n${out}`));
      }
    }, 100);
  });
  return { child, output: () => out, ready };
}

/** The direct children of a process, from /proc. */
function childPids(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
    readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number),
  );
}

/**
 * Command lines of the processes listening on a loopback TCP port (from /proc/net/tcp{,6} and the
 * processes' socket fds): another test may have taken a port freed a moment ago, so a test that
 * wants "nothing of ours listens there" must look at who listens.
 */
function listenersOn(port: number): string[] {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local address (hex ip:port), state 0A = LISTEN, inode in column 10
      if (f[3] === '0A' && Number.parseInt(f[1]?.split(':')[1] ?? '', 16) === port && f[9]) inodes.add(f[9]);
    }
  }
  const out: string[] = [];
  if (inodes.size === 0) return out;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    const listens = fds.some((fd) => {
      try {
        return inodes.has(/^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1] ?? '');
      } catch {
        return false;
      }
    });
    if (listens) out.push(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '));
  }
  return out;
}

/** Alive and not a zombie. */
function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

function startWorker(
  config: string,
  ...args: string[]
): { child: ChildProcess; output: () => string; ready: Promise<void> } {
  let out = '';
  const child = spawn(process.execPath, [BIN, '--config', config, 'worker', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, MASTOFLOW_LOG_LEVEL: 'WARN' },
  });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (out.includes('worker: polling')) {
        clearInterval(timer);
        resolve();
      } else if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`worker exited ${child.exitCode}:\n${out}`));
      }
    }, 100);
  });
  return { child, output: () => out, ready };
}

async function stopWithSigint(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGINT');
  return exited;
}

function cli(config: string, ...args: string[]) {
  return spawnSync(process.execPath, [BIN, '--config', config, ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 90_000,
  });
}

describe('mastoflow dev / smoke / config check (CLI, real processes)', () => {
  const dir = mkdtempSync(path.join(testStack().tempDir, 'dev-cli-'));
  const configFile = path.join(dir, 'mastoflow.config.json');
  let running: ChildProcess | undefined;
  afterAll(() => {
    running?.kill('SIGKILL');
  });

  it('starts, serves the UI, runs the smoke workflow, stops on Ctrl-C and keeps data across restarts', async () => {
    const [temporalPort, temporalUiPort, minioPort, minioConsolePort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    writeFileSync(
      configFile,
      JSON.stringify({
        instances: [{ name: 'sim.local', baseUrl: 'http://127.0.0.1:3001', userAgentContact: 'mailto:t@example.org' }],
        s3: { bucket: 'mastoflow' },
        duckdb: { path: path.join(dir, 'mastoflow.duckdb') },
        temporal: { address: `127.0.0.1:${temporalPort}` },
        dev: { dataDir: path.join(dir, 'data'), temporalPort, temporalUiPort, minioPort, minioConsolePort },
      }),
    );
    const first = startDev(configFile);
    running = first.child;
    await first.ready;
    expect(first.output()).toContain(`Temporal UI   http://127.0.0.1:${temporalUiPort}`);
    expect(first.output()).toContain(`S3 endpoint   http://127.0.0.1:${minioPort}`);
    const ui = await fetch(`http://127.0.0.1:${temporalUiPort}/`);
    expect(ui.status).toBe(200);

    const smoke = cli(configFile, 'smoke', '--run-id', 'e2e-1');
    expect(smoke.stderr + smoke.stdout).toContain('smoke: smoke/e2e-1 completed');
    expect(smoke.status).toBe(0);

    // One more worker joins the running stack on the mastoflow queue (not the store queue).
    expect(first.output()).toContain('npx mastoflow worker --dev');
    const extra = startWorker(configFile, '--dev');
    await extra.ready;
    expect(extra.output()).toContain(`Temporal 127.0.0.1:${temporalPort}`);
    expect(extra.output()).toMatch(/worker: polling mastoflow \(/);
    expect(await stopWithSigint(extra.child)).toBe(0);
    // A second writer of the DuckDB file is refused at start, naming the one that serves it.
    await expect(startWorker(configFile, '--dev', '--store').ready).rejects.toThrow(
      `the store queue of ${path.join(dir, 'mastoflow.duckdb')} is already served by process ${first.child.pid}`,
    );

    // A second `dev` on the same ports fails with the port and the setting named.
    const clash = startDev(configFile);
    await expect(clash.ready).rejects.toThrow(
      new RegExp(`port ${temporalPort} on 127.0.0.1 is already in use; choose another with dev.temporalPort`),
    );

    expect(await stopWithSigint(first.child)).toBe(0);
    expect(first.output()).toContain('dev: stopped');

    // Restart: history (SQLite) and objects (MinIO data dir) survive.
    const second = startDev(configFile);
    running = second.child;
    await second.ready;
    const connection = await Connection.connect({ address: `127.0.0.1:${temporalPort}` });
    try {
      const desc = await new Client({ connection }).workflow.getHandle('smoke/e2e-1').describe();
      expect(desc.status.name).toBe('COMPLETED');
    } finally {
      await connection.close();
    }
    const again = cli(configFile, 'smoke', '--run-id', 'e2e-2');
    expect(again.stdout).toMatch(/DuckDB smoke_runs has 2 row/);
    expect(await stopWithSigint(second.child)).toBe(0);
    running = undefined;

    // With no stack: --dev says how to start one; a plain worker names the S3 settings.
    const lonely = cli(configFile, 'worker', '--dev');
    expect(lonely.status).toBe(1);
    expect(lonely.stderr).toContain(`no dev stack answers on 127.0.0.1:${temporalPort} (dev.temporalPort)`);
    expect(lonely.stderr).toContain('npm run dev');
    const noS3 = spawnSync(process.execPath, [BIN, '--config', configFile, 'worker'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 90_000,
      env: { ...process.env, MASTOFLOW_S3_ENDPOINT: `http://127.0.0.1:${minioPort}` },
    });
    expect(noS3.status).toBe(1);
    expect(noS3.stderr).toContain(`cannot use bucket "mastoflow" on S3 at http://127.0.0.1:${minioPort}`);
    expect(noS3.stderr).toContain('MASTOFLOW_S3_ENDPOINT');
    expect(noS3.stderr).toContain('mastoflow worker --dev');
  }, 300_000);

  it('takes its servers with it when it is SIGKILLed (no orphaned MinIO or Temporal)', async () => {
    const [temporalPort, temporalUiPort, minioPort, minioConsolePort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const killedDir = path.join(dir, 'killed');
    const config = path.join(dir, 'killed.config.json');
    writeFileSync(
      config,
      JSON.stringify({
        instances: [{ name: 'sim.local', baseUrl: 'http://127.0.0.1:3001', userAgentContact: 'mailto:t@example.org' }],
        s3: { bucket: 'mastoflow' },
        duckdb: { path: path.join(killedDir, 'mastoflow.duckdb') },
        temporal: { address: `127.0.0.1:${temporalPort}` },
        dev: { dataDir: killedDir, temporalPort, temporalUiPort, minioPort, minioConsolePort },
      }),
    );
    const dev = startDev(config);
    running = dev.child;
    await dev.ready;
    const servers = childPids(dev.child.pid!);
    expect(servers.length).toBeGreaterThanOrEqual(2); // Temporal and MinIO
    // The check below can see them: while dev runs, its servers listen there with its data dir.
    for (const port of [temporalPort, minioPort])
      expect(
        listenersOn(port).some((cmd) => cmd.includes(killedDir)),
        `port ${port}`,
      ).toBe(true);
    const exited = new Promise((r) => dev.child.once('exit', r));
    dev.child.kill('SIGKILL');
    await exited;
    running = undefined;
    const deadline = Date.now() + 15_000;
    while (servers.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(servers.filter(alive)).toEqual([]);
    // Whoever listens on those ports now (another test may have taken one) is none of this dev's servers.
    for (const port of [temporalPort, minioPort])
      expect(listenersOn(port).filter((cmd) => cmd.includes(killedDir))).toEqual([]);
  }, 120_000);

  it('config check prints the resolved config without secrets, and names bad fields', () => {
    const ok = spawnSync(process.execPath, [BIN, '--config', configFile, 'config', 'check'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, MASTOFLOW_S3_SECRET_ACCESS_KEY: 'do-not-print-me' },
    });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('config OK');
    expect(ok.stdout).toContain('MASTOFLOW_S3_SECRET_ACCESS_KEY (set)');
    expect(ok.stdout).not.toContain('do-not-print-me');

    const bad = path.join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({ instances: [{ name: 'x', baseUrl: 'ftp://x', userAgentContact: 'me@x.org' }], s3: {} }),
    );
    const res = cli(bad, 'config', 'check');
    expect(res.status).toBe(1);
    expect(res.stderr).toContain(`${bad}: instances[0].baseUrl: expected a URL with scheme http:// or https://`);
    expect(res.stderr).toContain(`${bad}: s3.bucket: expected string`);
  });
});
