import { describe, expect, it } from 'vitest';
import { CAMPAIGNS, formatSummary, runChaos } from '../../bench/chaos/campaigns';

// The short version of `npm run chaos` (bench/chaos.ts): every campaign, each on a stack of its
// own (its own Temporal dev server, MinIO, DuckDB file and worker processes: killing the shared
// test servers would break the other test files), with few kills over two small days. Each must
// end with the store equal row by row to a clean run's, and no history or worker log may hold
// the instance token or the S3 secret.

describe('chaos campaigns (short)', () => {
  it('every campaign ends with the clean run’s rows, and no secret leaks', { timeout: 15 * 60_000 }, async () => {
    const lines: string[] = [];
    const report = await runChaos({
      kills: 2,
      storeKills: 1,
      days: ['2026-03-02', '2026-03-03'],
      statusesPerDay: 800,
      seed: 12,
      campaigns: CAMPAIGNS,
      roundTimeoutMs: 5 * 60_000,
      // Side by side: a campaign mostly waits (timeouts noticing a dead worker, restarts), so
      // three at once keep the whole within the suite's budget on two cores.
      parallel: 3,
      log: (line) => {
        lines.push(line);
        console.log(line);
      },
    });
    for (const line of formatSummary(report)) console.log(line);

    expect(report.clean.partitions).toBe(2);
    expect(report.clean.quarantined).toBeGreaterThan(0);
    expect(
      report.campaigns.map((c) => ({ name: c.name, identical: c.identical, problems: c.problems })),
      lines.join('\n'),
    ).toEqual(CAMPAIGNS.map((name) => ({ name, identical: true, problems: [] })));
    // The disruptions happened: a campaign whose runs ended before its kill proves nothing.
    const disruptions = Object.fromEntries(report.campaigns.map((c) => [c.name, c.disruptions]));
    expect(disruptions).toEqual({
      'worker-kill': 2,
      'two-workers': 1,
      'temporal-restart': 1,
      'minio-restart': 1,
      'store-kill': 1,
      'source-faults': 0,
    });
    for (const c of report.campaigns) {
      expect(c.completed, c.name).toBe(c.runs);
      expect(c.partitionsIdentical, c.name).toBe(c.partitions);
      expect(c.quarantined, c.name).toBe(report.clean.quarantined);
    }
    expect(report.secrets.hits).toEqual([]);
    expect(report.secrets.histories).toBeGreaterThanOrEqual(7 * 2);
    expect(report.secrets.logBytes).toBeGreaterThan(0);
  });
});
