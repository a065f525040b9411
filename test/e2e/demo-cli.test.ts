import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../infra/ports';
import { REPO_ROOT } from '../../infra/tools';
import { testStack } from '../helpers/stack';

// `mastoflow demo` as a user runs it (own stack on the config's ports, simulated instance,
// mastodon_daily through Temporal, summary from DuckDB), shortened to one day.
describe('mastoflow demo', () => {
  it('runs mastodon_daily on the embedded stack and prints the DuckDB summary', async () => {
    const dir = mkdtempSync(path.join(testStack().tempDir, 'demo-'));
    const [temporalPort, temporalUiPort, minioPort, minioConsolePort, simPort, servePort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const config = path.join(dir, 'mastoflow.config.json');
    writeFileSync(
      config,
      JSON.stringify({
        instances: [
          { name: 'sim.local', baseUrl: `http://127.0.0.1:${simPort}`, userAgentContact: 'mailto:t@example.org' },
        ],
        hashtags: ['mastodon'],
        s3: { bucket: 'mastoflow' },
        duckdb: { path: path.join(dir, 'mastoflow.duckdb') },
        temporal: { address: `127.0.0.1:${temporalPort}` },
        dev: { dataDir: path.join(dir, 'data'), temporalPort, temporalUiPort, minioPort, minioConsolePort },
      }),
    );
    const res = spawnSync(
      process.execPath,
      [
        path.join(REPO_ROOT, 'bin', 'mastoflow.js'),
        '--config',
        config,
        'demo',
        '--exit',
        '--days',
        '1',
        '--statuses-per-day',
        '400',
        '--serve-port',
        String(servePort),
      ],
      {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        timeout: 240_000,
      },
    );
    const out = res.stdout + res.stderr;
    expect(res.status, out).toBe(0);
    expect(out).toMatch(/load\s+success · 1\/1 items/);
    expect(out).toContain('daily summary from DuckDB');
    // One summary row for the day with the simulated day's toots (400 ± late arrivals).
    const row = out.split('\n').find((l) => /^sim\.local\s+\d{4}-\d{2}-\d{2}\s+\d+/.test(l));
    expect(row, out).toBeDefined();
    expect(Number(row!.split(/\s+/)[2])).toBeGreaterThan(350);
    expect(out).toContain(`Temporal UI   http://127.0.0.1:${temporalUiPort}`);
    // The demo ends on the dashboard: the static page exists, serve ran on the port asked for.
    const staticUrl = /Dashboard \(static\): (file:\S+)/.exec(out)?.[1];
    expect(staticUrl, out).toBeDefined();
    expect(existsSync(fileURLToPath(staticUrl!))).toBe(true);
    expect(out).toContain(`Dashboard (live):   http://127.0.0.1:${servePort}/`);
    expect(out).toContain(`API:                http://127.0.0.1:${servePort}/api/views`);
    expect(out).toMatch(/report\s+success/);
  }, 300_000);

  it('keeps serve up with the stack: the live address answers /healthz', async () => {
    // Exercised separately from the --exit run above: there serve stops with the demo.
    const { spawn } = await import('node:child_process');
    const dir = mkdtempSync(path.join(testStack().tempDir, 'demo-live-'));
    const [temporalPort, temporalUiPort, minioPort, minioConsolePort, simPort, servePort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const config = path.join(dir, 'mastoflow.config.json');
    writeFileSync(
      config,
      JSON.stringify({
        instances: [
          { name: 'sim.local', baseUrl: `http://127.0.0.1:${simPort}`, userAgentContact: 'mailto:t@example.org' },
        ],
        s3: { bucket: 'mastoflow' },
        duckdb: { path: path.join(dir, 'mastoflow.duckdb') },
        temporal: { address: `127.0.0.1:${temporalPort}` },
        dev: { dataDir: path.join(dir, 'data'), temporalPort, temporalUiPort, minioPort, minioConsolePort },
      }),
    );
    const child = spawn(
      process.execPath,
      [
        path.join(REPO_ROOT, 'bin', 'mastoflow.js'),
        '--config',
        config,
        'demo',
        '--days',
        '1',
        '--statuses-per-day',
        '200',
        '--serve-port',
        String(servePort),
      ],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 240_000;
      while (!out.includes('stack stays up') && Date.now() < deadline) {
        if (child.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(out, out).toContain('stack stays up');
      const live = /Dashboard \(live\):\s+(http:\S+)/.exec(out)?.[1];
      expect(live, out).toBe(`http://127.0.0.1:${servePort}/`);
      const health = await fetch(`${live}healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ ok: true });
    } finally {
      child.kill('SIGINT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 60_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 300_000);
});
