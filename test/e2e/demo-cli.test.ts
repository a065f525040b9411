import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
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
    const [temporalPort, temporalUiPort, minioPort, minioConsolePort, simPort] = [
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
  }, 300_000);
});
