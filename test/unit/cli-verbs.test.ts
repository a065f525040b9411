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
