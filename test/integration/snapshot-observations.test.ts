// Snapshots keep their time (README "Snapshots: observations with a time"), on the real stack:
// the simulated instance's clock is set to each day's own window, its follower counts change
// between runs, and a later reprocess of a day keeps the numbers observed then; a first backfill
// of past days shows account snapshots as "not observed" (with the reason, in the views and the
// report) and weekly activity and trend history exactly as the instance's own history gives them;
// a day manifest from before observations had keys is read as an observation at its fetch time.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readReportFromStore } from '../../activities/report/read-report';
import { rawManifestKey, rawPageKey } from '../../domain/keys';
import { addDays } from '../../domain/logical-date';
import { isOptedOut } from '../../domain/privacy';
import { formatText } from '../../domain/report/formats';
import { buildReport } from '../../domain/report/model';
import { activity, trendingTags } from '../../infra/mastodon-sim/instance';
import type { MastodonSim } from '../../infra/mastodon-sim/server';
import type { RunDagSummary } from '../../workflows/contracts';
import { listKeys, manifestOf, simConfig, startSim, sourcesOn } from '../helpers/fetch-fixtures';
import { startTestWorkers, testClient, testS3, uniqueName } from '../helpers/stack';

const INSTANCE = 'sim.local';
const at = (iso: string) => Date.parse(iso);
/** One hour into the day's snapshot window (the day after, 01:00 UTC), as a scheduled run. */
const ownWindow = (day: string) => at(`${addDays(day, 1)}T01:00:00Z`);

describe('snapshots keep their time', () => {
  let sim: MastodonSim;
  let temporal: Awaited<ReturnType<typeof testClient>>;
  let workers: Awaited<ReturnType<typeof startTestWorkers>>;
  let config: ReturnType<typeof simConfig>;
  let acct: string;

  beforeAll(async () => {
    sim = await startSim({ now: at('2026-03-05T06:00:00Z'), statusesPerDay: 300, rateLimit: false });
    acct = sim.world.accounts.accounts
      .filter((a) => a.createdMs < at('2026-01-01T00:00:00Z'))
      .map((a) => sim.world.accounts.toJson(a, at('2026-02-01T00:00:00Z')))
      .find((a) => !a.acct.includes('@') && !isOptedOut(a))!.acct;
    config = simConfig('snapshots', sim, {
      sources: sourcesOn('publicLocal', 'accounts', 'activity', 'peers', 'trends'),
      accounts: [acct],
    });
    workers = await startTestWorkers(config);
    temporal = await testClient();
  });
  afterAll(async () => {
    await workers?.stop();
    await temporal?.close();
    await sim?.close();
  });

  /** mastodon_daily for `day` (no look-back), with the simulated instance's clock at `nowMs`. */
  async function run(day: string, nowMs: number): Promise<void> {
    sim.setNow(nowMs);
    const handle = await temporal.client.workflow.start('runDag', {
      workflowId: uniqueName(`dag/mastodon_daily/${day}`),
      taskQueue: config.temporal.taskQueue,
      args: [{ dagId: 'mastodon_daily', logicalDate: day, params: { lookbackDays: 0 } }],
      memo: { storeTaskQueue: config.temporal.storeTaskQueue },
    });
    const summary = (await handle.result()) as RunDagSummary;
    if (process.env.DEBUG_SNAP) console.log(JSON.stringify(summary).slice(0, 3000));
    expect(summary.state).toBe('success');
  }

  async function query(sql: string, params: string[]): Promise<Record<string, unknown>[]> {
    const db = await DuckDBInstance.create(config.duckdb.path, { access_mode: 'READ_ONLY' });
    const conn = await db.connect();
    try {
      return (await conn.runAndReadAll(sql, params)).getRowObjects();
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  }
  const tracked = (day: string) =>
    query(`SELECT followers, followers_delta FROM v_tracked_accounts WHERE day = $1::DATE AND account = $2`, [
      day,
      acct,
    ]);
  const status = async (day: string) =>
    Object.fromEntries(
      (
        await query(`SELECT source, status, reason FROM v_snapshot_status WHERE day = $1::DATE ORDER BY source`, [day])
      ).map((r) => [
        String(r.source),
        { status: String(r.status), reason: r.reason === null ? null : String(r.reason) },
      ]),
    );
  const followersAt = (ms: number) =>
    sim.world.accounts.toJson(sim.world.accounts.findByAcct(acct)!, ms).followers_count;
  const accountSource = () => `account-${acct.toLowerCase()}`;
  const observationsOf = (source: string, dayOfObservation: string) =>
    listKeys(
      testS3(config),
      config.s3.bucket,
      `raw/v1/instance=${INSTANCE}/date=${dayOfObservation}/observations/source=${source}/`,
    ).then((keys) => keys.filter((k) => k.endsWith('/_manifest.json')));

  it('a reprocess of a past day keeps the numbers observed in its window; deltas between observed days', async () => {
    const [d1, d2] = ['2026-02-20', '2026-02-21'];
    await run(d1, ownWindow(d1));
    await run(d2, ownWindow(d2));
    const [f1, f2] = [followersAt(ownWindow(d1)), followersAt(ownWindow(d2))];
    expect(f2).not.toBe(f1);
    expect(await tracked(d1)).toEqual([{ followers: BigInt(f1), followers_delta: null }]);
    expect(await tracked(d2)).toEqual([{ followers: BigInt(f2), followers_delta: BigInt(f2 - f1) }]);
    expect((await status(d1))[`account:${acct}`]).toEqual({ status: 'observed', reason: null });

    // Weeks later the instance reports other counts; a reprocess of d1 reuses d1's observation.
    const later = at('2026-03-04T12:00:00Z');
    expect(followersAt(later)).not.toBe(f1);
    sim.resetStats();
    await run(d1, later);
    expect(sim.stats().byEndpoint['accounts/lookup'] ?? 0).toBe(0);
    expect(sim.stats().byEndpoint['instance/activity'] ?? 0).toBe(0);
    expect(await tracked(d1)).toEqual([{ followers: BigInt(f1), followers_delta: null }]);
    expect(await tracked(d2)).toEqual([{ followers: BigInt(f2), followers_delta: BigInt(f2 - f1) }]);
    const m = await manifestOf(testS3(config), config, rawManifestKey(INSTANCE, d1, accountSource()));
    expect(m.observation?.observedAt).toBe(new Date(ownWindow(d1)).toISOString());
    expect(m.profile?.followersCount).toBe(f1);
    expect(await observationsOf(accountSource(), addDays(d1, 1))).toHaveLength(1);
  }, 300_000);

  it('a first backfill: account snapshots "not observed" (views and report), weekly activity and trend history exact', async () => {
    const [b1, b2, b3] = ['2026-02-10', '2026-02-11', '2026-02-12'];
    // Backfilled on 02-13 at noon: past b2's window (02-12 00:00 .. 02-13 12:00), within 7 days of b1.
    const backfillAt = at('2026-02-13T12:00:00Z');
    await run(b1, backfillAt);
    await run(b2, backfillAt);
    // b3 is run by its schedule, in its own window.
    await run(b3, ownWindow(b3));

    for (const day of [b1, b2]) {
      expect(await tracked(day)).toEqual([]);
      const st = await status(day);
      expect(st[`account:${acct}`]).toEqual({
        status: 'not_observed',
        reason: 'not observed: first fetched 2026-02-13',
      });
      expect(st.peers).toEqual({ status: 'not_observed', reason: 'not observed: first fetched 2026-02-13' });
      expect(st.activity?.status).toBe('from_history');
      expect(
        (await query(`SELECT count(*) AS n FROM v_peers WHERE day = $1::DATE`, [day]))[0]?.n,
        'no peers count of today under an old date',
      ).toBe(0n);
    }
    // b3 was observed, but the day before was not: no delta across the gap, and the report says so.
    expect(await tracked(b3)).toEqual([{ followers: BigInt(followersAt(ownWindow(b3))), followers_delta: null }]);

    // Weekly activity of b1: exactly the weeks of the instance's answer on 02-13 that had ended by b1's end.
    const weeks = activity(sim.world, backfillAt)
      .map((w) => ({ ...w, start: new Date(Number(w.week) * 1000).toISOString().slice(0, 10) }))
      .filter((w) => addDays(w.start, 6) <= b1 && w.start > addDays(b1, -84));
    expect(weeks.length).toBeGreaterThan(5);
    const loadedWeeks = await query(
      `SELECT strftime(week, '%Y-%m-%d') AS week, statuses, logins, registrations FROM v_instance_activity WHERE day = $1::DATE ORDER BY week DESC`,
      [b1],
    );
    expect(loadedWeeks).toEqual(
      weeks.map((w) => ({
        week: w.start,
        statuses: BigInt(w.statuses),
        logins: BigInt(w.logins),
        registrations: BigInt(w.registrations),
      })),
    );
    // Trend history of b1: each tag's days b1-6..b1 from the 02-13 answer; no rank (a fact of 02-13).
    const expectedUses = trendingTags(sim.world, backfillAt, 0, 100)
      .flatMap((t) =>
        t.history.map((h) => ({
          tag: t.name.toLowerCase(),
          day: new Date(Number(h.day) * 1000).toISOString().slice(0, 10),
          uses: BigInt(h.uses),
        })),
      )
      .filter((h) => h.day <= b1 && h.day >= addDays(b1, -6))
      .sort((a, b) => (a.tag + a.day < b.tag + b.day ? -1 : 1));
    expect(expectedUses.length).toBeGreaterThan(0);
    const loadedUses = await query(
      `SELECT tag, strftime(history_day, '%Y-%m-%d') AS day, uses FROM v_trending_tag_history WHERE snapshot_day = $1::DATE ORDER BY tag || strftime(history_day, '%Y-%m-%d')`,
      [b1],
    );
    expect(loadedUses).toEqual(expectedUses);
    expect((await query(`SELECT count(*) AS n FROM v_trending_tags WHERE day = $1::DATE`, [b1]))[0]?.n).toBe(0n);

    const text = formatText(
      buildReport(
        await readReportFromStore(config.duckdb.path, {
          from: b1,
          to: b3,
          by: 'day',
          instances: [INSTANCE],
          lookbackDays: 0,
        }),
      ),
    );
    expect(text).toContain(`snapshot account:${acct}: not observed: first fetched 2026-02-13`);
    expect(text).toContain(
      'snapshot activity: not observed; filled from the history the instance reported on 2026-02-13',
    );
    expect(text).toMatch(new RegExp(`tracked ${acct}: [\\d,]+ followers \\(no delta: day before not observed\\)`));

    // A re-fetch of b1 later adds an observation of its own moment; the day keeps its first fetch.
    await run(b1, at('2026-02-15T08:00:00Z'));
    // On 02-13: b1's and b2's (12:00, outside their windows) and b3's (01:00, in its own).
    expect(await observationsOf(accountSource(), '2026-02-13')).toHaveLength(3);
    expect(await observationsOf(accountSource(), '2026-02-15')).toHaveLength(1);
    expect((await status(b1))[`account:${acct}`]?.reason).toBe('not observed: first fetched 2026-02-13');
  }, 300_000);

  it('a day manifest from before observations had keys is read as an observation at its fetch time', async () => {
    const day = '2026-02-05';
    const s3 = testS3(config);
    const put = (key: string, body: string) =>
      s3.send(
        new PutObjectCommand({ Bucket: config.s3.bucket, Key: key, Body: body, ContentType: 'application/json' }),
      );
    const peers = ['a.example', 'b.example', 'c.example'];
    const page = rawPageKey(INSTANCE, day, 'peers', 1);
    const body = JSON.stringify(peers);
    await put(page, body);
    const fetchedAt = '2026-02-06T00:40:00.000Z';
    await put(
      rawManifestKey(INSTANCE, day, 'peers'),
      JSON.stringify({
        manifestVersion: 1,
        instance: INSTANCE,
        source: 'peers',
        day,
        kind: 'peers',
        pages: [{ page: 1, key: page, path: '/api/v1/instance/peers', httpStatus: 200, bytes: body.length, count: 3 }],
        statusesInWindow: 0,
        duplicates: 0,
        brokenRecords: 0,
        complete: true,
        cursors: { items: 3, lastOffset: 0, truncatedAtMaxPages: null },
        fetchedAt,
        attempts: 1,
        rateLimit: { requests: 1, waits: 0, waitedMs: 0, http429: 0 },
      }),
    );
    sim.resetStats();
    await run(day, at('2026-03-01T09:00:00Z'));
    // Fetched in its window: the day's observation, reused (no request), its numbers kept.
    expect(sim.stats().byEndpoint['instance/peers'] ?? 0).toBe(0);
    expect((await query(`SELECT peers FROM v_peers WHERE day = $1::DATE`, [day]))[0]?.peers).toBe(3n);
    expect((await status(day)).peers?.status).toBe('observed');
    const [migrated] = await observationsOf('peers', '2026-02-06');
    expect(migrated).toMatch(/at=20260206t004000z-legacy\/_manifest\.json$/);
    const m = await manifestOf(s3, config, migrated!);
    expect(m.migratedFrom).toBe(rawManifestKey(INSTANCE, day, 'peers'));
    expect(m.pages.map((p) => p.key)).toEqual([page]);
  }, 300_000);
});
