// `mastoflow report` over real runs: two consecutive days of mastodon_daily on the simulated
// instance (each with the default look-back of one day), then the report model and its text are
// checked against a direct SQL computation over metrics_kv (exact numbers, deltas included), and
// the days' final / provisional marks against the runs that happened.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../../cli/main';
import { readReportFromStore } from '../../activities/report/read-report';
import { addDays } from '../../domain/logical-date';
import { isOptedOut } from '../../domain/privacy';
import { formatText } from '../../domain/report/formats';
import { buildReport, type ReportModel } from '../../domain/report/model';
import { formatCount, formatKpiWithDelta } from '../../domain/report/numbers';
import type { MastodonSim } from '../../infra/mastodon-sim/server';
import type { RunDagSummary } from '../../workflows/contracts';
import { DAY, NOW, simConfig, startSim, sourcesOn } from '../helpers/fetch-fixtures';
import { startTestWorkers, testClient, testStack, uniqueName } from '../helpers/stack';

const D1 = DAY;
const D2 = addDays(DAY, 1);

describe('mastoflow report over two real days', () => {
  let sim: MastodonSim;
  let temporal: Awaited<ReturnType<typeof testClient>>;
  let workers: Awaited<ReturnType<typeof startTestWorkers>>;
  let config: ReturnType<typeof simConfig>;
  let tracked: string;

  beforeAll(async () => {
    sim = await startSim({ statusesPerDay: 2000, rateLimit: false });
    tracked = sim.world.accounts.accounts
      .map((a) => sim.world.accounts.toJson(a, NOW))
      .find((a) => !a.acct.includes('@') && !isOptedOut(a))!.acct;
    config = simConfig('report', sim, {
      sources: sourcesOn('publicLocal', 'publicRemote', 'accounts'),
      accounts: [tracked],
    });
    workers = await startTestWorkers(config);
    temporal = await testClient();
  });
  afterAll(async () => {
    await workers?.stop();
    await temporal?.close();
    await sim?.close();
  });

  async function run(day: string): Promise<void> {
    const handle = await temporal.client.workflow.start('runDag', {
      workflowId: uniqueName(`dag/mastodon_daily/${day}`),
      taskQueue: config.temporal.taskQueue,
      args: [{ dagId: 'mastodon_daily', logicalDate: day }],
      memo: { storeTaskQueue: config.temporal.storeTaskQueue },
    });
    expect(((await handle.result()) as RunDagSummary).state).toBe('success');
  }

  /** metric#key → value of one partition, straight from metrics_kv. */
  async function kv(day: string): Promise<Map<string, number>> {
    const db = await DuckDBInstance.create(config.duckdb.path, { access_mode: 'READ_ONLY' });
    const conn = await db.connect();
    try {
      const rows = (
        await conn.runAndReadAll(`SELECT metric, key, value FROM metrics_kv WHERE day = $1::DATE`, [day])
      ).getRows();
      return new Map(rows.map(([m, k, v]) => [`${m}#${k}`, Number(v)]));
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  }

  async function report(from: string, to: string): Promise<ReportModel> {
    const input = await readReportFromStore(config.duckdb.path, {
      from,
      to,
      by: 'day',
      instances: config.instances.map((i) => i.name),
      lookbackDays: config.schedule.lookbackDays,
    });
    return buildReport(input);
  }

  /** The KPIs as the SQL over metrics_kv gives them (engagement: null until its family is registered). */
  function expected(m: Map<string, number>, day: string) {
    const toots = m.get(`toots_per_day#${day}`) as number;
    const eng = m.get('engagement_total#total');
    return {
      toots,
      activeAccounts: m.get('active_accounts#all') as number,
      botShare: (m.get('toots_by_account_type#bot') ?? 0) / toots,
      engagement: eng ?? null,
      mediaShare: m.get('content_share#with_media') as number,
      meanSentiment: m.get('sentiment#mean_compound') as number,
    };
  }

  it('numbers equal SQL over metrics_kv, deltas included; day 1 final after day 2’s run, day 2 provisional', async () => {
    await run(D1);
    let m = await report(D1, D1);
    expect(m.days.map((d) => [d.day, d.finality.state])).toEqual([[D1, 'provisional']]);

    await run(D2);
    m = await report(D1, D2);
    expect(m.days.map((d) => [d.day, d.finality.state])).toEqual([
      [D1, 'final'],
      [D2, 'provisional'],
    ]);
    expect(m.days[0]!.finality.reason).toBe(`final: re-read by the run of ${D2} (look-back 1)`);
    // The look-back day of the first run was loaded only by a later run: final too.
    const m0 = await report(addDays(D1, -1), addDays(D1, -1));
    expect(m0.days[0]?.finality.state).toBe('final');

    const [kv0, kv1, kv2] = [await kv(addDays(D1, -1)), await kv(D1), await kv(D2)];
    const e0 = expected(kv0, addDays(D1, -1));
    const e1 = expected(kv1, D1);
    const e2 = expected(kv2, D2);
    expect(e1.toots).toBeGreaterThan(1000);
    const [k1, k2] = m.kpis;
    expect(k1!.values).toEqual(e1);
    expect(k2!.values).toEqual(e2);
    const minus = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);
    for (const [k, cur, prev] of [
      [k1!, e1, e0],
      [k2!, e2, e1],
    ] as const)
      expect(k.deltas).toEqual({
        toots: cur.toots - prev.toots,
        activeAccounts: cur.activeAccounts - prev.activeAccounts,
        botShare: cur.botShare - prev.botShare,
        engagement: minus(cur.engagement, prev.engagement),
        mediaShare: cur.mediaShare - prev.mediaShare,
        meanSentiment: cur.meanSentiment - prev.meanSentiment,
      });

    // Details of day 2: tops, sentiment split, data quality, viral toots with their URLs.
    const d2 = m.days[1]!;
    const top5 = (metric: string) =>
      [...kv2.entries()]
        .filter(([k]) => k.startsWith(`${metric}#`))
        .map(([k, v]) => ({ key: k.slice(metric.length + 1), count: v }))
        .sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
        .slice(0, 5);
    expect(d2.hashtags).toEqual(top5('top_hashtags'));
    expect(d2.languages).toEqual(top5('toots_by_language'));
    expect(d2.apps).toEqual(top5('toots_by_app'));
    expect(d2.hashtags.length).toBe(5);
    expect(d2.sentiment).toEqual({
      scored: kv2.get('sentiment#scored'),
      negative: kv2.get('sentiment#negative'),
      neutral: kv2.get('sentiment#neutral'),
      positive: kv2.get('sentiment#positive'),
    });
    expect(d2.quality).toEqual({
      records: kv2.get('map_counts#input'),
      quarantined: kv2.get('map_counts#quarantined'),
      duplicates: kv2.get('map_counts#duplicates'),
    });
    expect(d2.viralCount).toBe(kv2.get('viral_stats#viral_toots'));
    const viral = top5('viral_toots');
    expect(d2.viral.map((v) => ({ key: v.statusId, count: v.engagement }))).toEqual(viral);
    expect(viral.length).toBeGreaterThan(0);
    for (const v of d2.viral) expect(v.url).toMatch(new RegExp(`^https?://.+/${v.statusId}$`));
    // The tracked account: its profile of day 2 and the change since day 1.
    const t = d2.tracked.find((x) => x.account === tracked)!;
    expect(t.followers).toBe(kv2.get(`tracked_account_followers#${tracked}`));
    expect(t.followersDelta).toBe(kv2.get(`tracked_account_followers_delta#${tracked}`) ?? null);

    // The text shows those numbers, formatted.
    const text = formatText(await report(D2, D2));
    expect(text.length).toBeLessThanOrEqual(2000);
    expect(text).toContain(`${config.instances[0]!.name} — ${D2} (provisional)`);
    expect(text).toContain(`toots ${formatKpiWithDelta('toots', e2.toots, e2.toots - e1.toots)}`);
    expect(text).toContain(
      `active accounts ${formatKpiWithDelta('activeAccounts', e2.activeAccounts, e2.activeAccounts - e1.activeAccounts)}`,
    );
    expect(text).toContain(
      `mean sentiment ${formatKpiWithDelta('meanSentiment', e2.meanSentiment, e2.meanSentiment - e1.meanSentiment)}`,
    );
    expect(text).toContain(`${formatCount(kv2.get('map_counts#input') as number)} records read`);
    expect(text).toContain(`${tracked}: ${formatCount(t.followers)} followers`);
    if (process.env.MASTOFLOW_SHOW_REPORT) console.log(text);

    // The CLI: `report` writes the same text; `status` shows the same finality next to its grid.
    const configFile = path.join(testStack().tempDir, `${uniqueName('report')}-config.json`);
    const outFile = `${configFile}.txt`;
    writeFileSync(configFile, JSON.stringify(config));
    await buildProgram().parseAsync(['--config', configFile, 'report', '--date', D2, '--out', outFile], {
      from: 'user',
    });
    expect(readFileSync(outFile, 'utf8')).toBe(text);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    let printed = '';
    try {
      await buildProgram().parseAsync(
        ['--config', configFile, 'status', 'mastodon_daily', '--from', addDays(D1, -1), '--to', D2, '--table'],
        { from: 'user' },
      );
      printed = log.mock.calls.map((c) => c.map(String).join(' ')).join('\n');
    } finally {
      log.mockRestore();
    }
    expect(printed).toContain(`  ${config.instances[0]!.name}: final ${addDays(D1, -1)}..${D1} · provisional ${D2}`);
  }, 600_000);
});
