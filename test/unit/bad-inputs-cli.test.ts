import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/main';
import { REPO_ROOT } from '../../infra/tools';
import { badInputCases } from '../helpers/bad-inputs';

// The CLI part of the bad-input corpus (test/fixtures/bad-inputs/cli.json). Nothing listens on
// the config's Temporal address: every case must fail on its own check, naming what is wrong,
// and never by trying to connect (which takes seconds and says "cannot reach Temporal").
// Cases run in-process through the CLI's entry point (`main`, what bin/mastoflow.js calls);
// those marked `spawn` also run as real processes, for the exit status and stderr a shell sees.

interface CliCase {
  name: string;
  argv: string[];
  stderr: string[];
  exitCode: number;
  spawn?: boolean;
}

const CASES = badInputCases<CliCase>('cli.json');
const BIN = path.join(REPO_ROOT, 'bin', 'mastoflow.js');
const NO_CONNECTION = [/cannot reach Temporal/, /Failed to connect/, /deadline/i];

const dir = mkdtempSync(path.join(os.tmpdir(), 'mastoflow-bad-cli-'));
const config = path.join(dir, 'config.json');
writeFileSync(
  config,
  JSON.stringify({
    instances: [{ name: 'a.example', baseUrl: 'https://a.example', userAgentContact: 'mailto:me@example.org' }],
    s3: { bucket: 'mastoflow', endpoint: 'http://127.0.0.1:9' },
    duckdb: { path: path.join(dir, 'no-store-yet.duckdb') },
    temporal: { address: '127.0.0.1:9' },
  }),
);

describe('bad CLI arguments fail at once, naming what is wrong (in-process)', () => {
  afterEach(() => {
    process.exitCode = undefined;
    vi.restoreAllMocks();
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const printed: string[] = [];
    const keep = (...args: unknown[]) => {
      printed.push(args.map(String).join(' '));
      return true;
    };
    vi.spyOn(console, 'error').mockImplementation(keep);
    vi.spyOn(console, 'log').mockImplementation(keep);
    vi.spyOn(process.stderr, 'write').mockImplementation(keep);
    vi.spyOn(process.stdout, 'write').mockImplementation(keep);
    const started = Date.now();
    await main(['--config', config, ...c.argv]);
    const elapsed = Date.now() - started;
    vi.restoreAllMocks();
    const output = printed.join('\n');
    expect(process.exitCode, output).toBe(c.exitCode);
    for (const text of c.stderr) expect(output).toContain(text);
    for (const re of NO_CONNECTION) expect(output).not.toMatch(re);
    expect(elapsed).toBeLessThan(5_000); // a connection attempt alone takes 10 s to give up
  });
});

describe('bad CLI arguments, as a shell sees them (node bin/mastoflow.js)', () => {
  const spawned = CASES.filter((c) => c.spawn);

  it('has a few spawned cases', () => {
    expect(spawned.length).toBeGreaterThanOrEqual(3);
  });

  it('each exits with its code and says why on stderr', { timeout: 60_000 }, async () => {
    // In parallel: each process spends most of its time loading TypeScript.
    const results = await Promise.all(
      spawned.map(
        (c) =>
          new Promise<{ c: CliCase; code: number | null; stderr: string }>((resolve) => {
            let stderr = '';
            const child = spawn(process.execPath, [BIN, '--config', config, ...c.argv], { cwd: REPO_ROOT });
            child.stderr.on('data', (d) => (stderr += d));
            child.once('exit', (code) => resolve({ c, code, stderr }));
          }),
      ),
    );
    for (const { c, code, stderr } of results) {
      expect(code, `${c.name}: ${stderr}`).toBe(c.exitCode);
      for (const text of c.stderr) expect(stderr, c.name).toContain(text);
      expect(stderr, c.name).not.toMatch(/^\s+at /m); // one line, no stack trace
    }
  });
});
