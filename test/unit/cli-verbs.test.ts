import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/main';

// A mistyped verb is an error, with or without --help (it used to print the main help, exit 0).

describe('mastoflow verbs', () => {
  afterEach(() => {
    process.exitCode = undefined;
    vi.restoreAllMocks();
  });

  it.each([[['reprot', '--help']], [['reprot']], [['--config', 'x.json', 'reprot', '-h']]])(
    'refuses an unknown verb: %j',
    async (argv) => {
      const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
      await main(argv);
      expect(process.exitCode).toBe(1);
      const printed = err.mock.calls.map((c) => String(c[0])).join('');
      expect(printed).toContain("unknown command 'reprot'");
      expect(printed).toContain('report');
    },
  );

  it('still answers --help of a known verb with exit 0', async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    await main(['report', '--help']);
    expect(process.exitCode ?? 0).toBe(0);
    expect(out.mock.calls.map((c) => String(c[0])).join('')).toContain('Usage: mastoflow report');
  });
});

describe('mastoflow run checks its arguments before it connects', () => {
  afterEach(() => {
    process.exitCode = undefined;
    vi.restoreAllMocks();
  });

  // Nothing listens on this address: a check that needed Temporal would report the connection.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mastoflow-verbs-'));
  const config = path.join(dir, 'cfg.json');
  writeFileSync(
    config,
    JSON.stringify({
      instances: [{ name: 'a.example', baseUrl: 'https://a.example', userAgentContact: 'mailto:me@example.org' }],
      s3: { bucket: 'mastoflow' },
      temporal: { address: '127.0.0.1:9' },
    }),
  );

  it.each([
    [
      ['run', 'mastodon_daily', '--date', '2026-13-45'],
      '--date: expected a real calendar day as YYYY-MM-DD, got "2026-13-45"',
    ],
    [['run', 'no_such_dag'], 'unknown DAG "no_such_dag"'],
    [['run', 'mastodon_daily', '--param', 'lookbackDays=99'], 'lookbackDays'],
  ])('%j', async (argv, message) => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    const started = Date.now();
    await main(['--config', config, ...argv]);
    expect(process.exitCode).toBe(1);
    expect(err.mock.calls.map((c) => String(c[0])).join('\n')).toContain(message);
    expect(Date.now() - started).toBeLessThan(5_000); // no connection attempt (its deadline is 10 s)
  });
});
