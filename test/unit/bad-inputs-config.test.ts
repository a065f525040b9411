import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/main';
import { badInputCases, BAD_INPUTS_DIR } from '../helpers/bad-inputs';
import { readFileSync } from 'node:fs';

// The config-file part of the bad-input corpus (test/fixtures/bad-inputs/config.json): each case
// is written to a file and checked with `mastoflow --config <file> config check`, the command a
// user runs after editing it; every other command loads the file the same way (cli/context.ts).

interface ConfigCase {
  name: string;
  text?: string;
  set?: Record<string, unknown>;
  unset?: string[];
  stderr: string[];
}

const CASES = badInputCases<ConfigCase>('config.json');
const BASE = (JSON.parse(readFileSync(path.join(BAD_INPUTS_DIR, 'config.json'), 'utf8')) as { base: object }).base;
const dir = mkdtempSync(path.join(os.tmpdir(), 'mastoflow-bad-config-'));

function fileText(c: ConfigCase): string {
  if (c.text !== undefined) return c.text;
  const config: Record<string, unknown> = { ...BASE, ...c.set };
  for (const key of c.unset ?? []) delete config[key];
  return JSON.stringify(config, null, 2);
}

describe('bad config files are refused, naming the file and the field', () => {
  afterEach(() => {
    process.exitCode = undefined;
    vi.restoreAllMocks();
  });

  it('the base config of the cases is valid (so each case tests only its own change)', async () => {
    const file = path.join(dir, 'base.json');
    writeFileSync(file, JSON.stringify(BASE));
    vi.spyOn(console, 'log').mockImplementation(() => {});
    await main(['--config', file, 'config', 'check']);
    expect(process.exitCode ?? 0).toBe(0);
  });

  it.each(CASES.map((c, i) => [c.name, c, i] as const))('%s', async (_name, c, i) => {
    const file = path.join(dir, `case-${i}.json`);
    writeFileSync(file, fileText(c));
    const printed: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void printed.push(a.map(String).join(' ')));
    vi.spyOn(console, 'log').mockImplementation(() => {});
    await main(['--config', file, 'config', 'check']);
    const output = printed.join('\n');
    expect(process.exitCode, output).toBe(1);
    expect(output).toContain(file);
    for (const text of c.stderr) expect(output).toContain(text);
  });
});
