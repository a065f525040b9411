import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearFeedAccessCache } from '../../activities/mastodon/feed-access';
import { rawManifestKey, rawPageKey, rawSourcePrefix } from '../../domain/keys';
import { isOptedOut } from '../../domain/privacy';
import type { MastodonSim } from '../../infra/mastodon-sim/server';
import {
  DAY,
  groundTruth,
  listKeys,
  manifestOf,
  segmentProblems,
  NOW,
  runFetchDay,
  setEquals,
  simConfig,
  startSim,
  storedDayIds,
  sourcesOn,
} from '../helpers/fetch-fixtures';
import { startTestWorkers, testClient, testS3 } from '../helpers/stack';

// fetchDay against the simulated instance, on the real Temporal dev server and MinIO: every
// source of a day, checked against the simulator's own record of what was posted that day.

describe('fetchDay on a simulated instance', () => {
  let sim: MastodonSim;
  let temporal: Awaited<ReturnType<typeof testClient>>;
  let workers: Awaited<ReturnType<typeof startTestWorkers>>;
  let config: ReturnType<typeof simConfig>;
  let tag: string;
  let localAcct: string;
  let remoteAcct: string;
  let optedOutAcct: string;
  const s3 = () => testS3(config);

  beforeAll(async () => {
    sim = await startSim();
    // The day's most used hashtag, one posting local account, one posting remote account.
    const tagCounts = new Map<string, number>();
    const posters = new Map<string, number>();
    for (const e of sim.world.iterateDay(DAY, { visibleAt: NOW, atMs: NOW })) {
      for (const t of e.status.tags)
        tagCounts.set(t.name.toLowerCase(), (tagCounts.get(t.name.toLowerCase()) ?? 0) + 1);
      if (!isOptedOut(e.status.account))
        posters.set(e.status.account.acct, (posters.get(e.status.account.acct) ?? 0) + 1);
    }
    tag = [...tagCounts.entries()].sort((a, b) => b[1] - a[1])[0]![0];
    const active = [...posters.entries()].sort((a, b) => b[1] - a[1]).map(([a]) => a);
    localAcct = active.find((a) => !a.includes('@'))!;
    remoteAcct = active.find((a) => a.includes('@'))!;
    optedOutAcct = sim.world.accounts.accounts
      .map((a) => sim.world.accounts.toJson(a, NOW))
      .find((a) => isOptedOut(a) && !a.acct.includes('@'))!.acct;
    config = simConfig('fetch-day', sim, {
      sources: sourcesOn(
        'publicLocal',
        'publicRemote',
        'hashtags',
        'accounts',
        'instance',
        'activity',
        'peers',
        'trends',
        'directory',
      ),
      hashtags: [tag],
      accounts: [localAcct, remoteAcct, optedOutAcct],
    });
    workers = await startTestWorkers(config);
    temporal = await testClient();
  });
  afterAll(async () => {
    await workers?.stop();
    await temporal?.close();
    await sim?.close();
  });

  it('stores every source of the day, each status of the day exactly once, within the rate limits', async () => {
    const { result } = await runFetchDay(temporal.client, config, { logicalDate: DAY });
    expect(result.failed).toEqual([]);
    expect(result.results.map((r) => r.source).sort()).toEqual(
      [
        `account-${localAcct.toLowerCase()}`,
        `account-${optedOutAcct.toLowerCase()}`,
        `account-${remoteAcct.toLowerCase()}`,
        'activity',
        'directory',
        'instance',
        'peers',
        'public-local',
        'public-remote',
        `tag-${tag}`,
        'trends',
      ].sort(),
    );
    for (const r of result.results) {
      expect(r.complete).toBe(true);
      expect(r.manifestKey).toBe(rawManifestKey('sim.local', DAY, r.source));
    }
    const truth = groundTruth(sim);
    const client = s3();
    for (const [source, ids] of [
      ['public-local', truth.local],
      ['public-remote', truth.remote],
    ] as const) {
      const m = await manifestOf(client, config, rawManifestKey('sim.local', DAY, source));
      expect(m.statusesInWindow).toBe(ids.size);
      expect(m.pages.map((p) => p.key)).toEqual(m.pages.map((_, i) => rawPageKey('sim.local', DAY, source, i + 1)));
      expect(m.cursors.stopReason).toBe('below-window');
      // Every stored page holds the day's statuses exactly once, and all of them.
      const stored = await storedDayIds(client, config.s3.bucket, m);
      expect(setEquals(stored.ids, ids)).toEqual({ missing: [], extra: [] });
      expect(stored.total).toBe(ids.size);
      expect(m.rateLimit.http429).toBe(0);
      expect(m.pages.every((p) => p.httpStatus === 200 && p.count <= 40)).toBe(true);
    }
    expect(sim.stats().rateLimited).toBe(0);

    const tagM = await manifestOf(client, config, rawManifestKey('sim.local', DAY, `tag-${tag}`));
    const tagTruth = [...sim.world.iterateDay(DAY, { visibleAt: NOW, atMs: NOW })].filter(
      (e) =>
        e.status.tags.some((t) => t.name.toLowerCase() === tag) &&
        [...truth.local, ...truth.remote].includes(e.status.id),
    );
    expect(tagM.statusesInWindow).toBe(tagTruth.length);

    for (const acct of [localAcct, remoteAcct]) {
      const m = await manifestOf(client, config, rawManifestKey('sim.local', DAY, `account-${acct.toLowerCase()}`));
      const profile = sim.world.accounts.toJson(sim.world.accounts.findByAcct(acct)!, NOW);
      expect(m.profile).toEqual({
        id: profile.id,
        acct: profile.acct,
        followersCount: profile.followers_count,
        followingCount: profile.following_count,
        statusesCount: profile.statuses_count,
      });
      const theirs = [...sim.world.iterateDay(DAY, { visibleAt: NOW, atMs: NOW })].filter(
        (e) => e.status.account.id === profile.id && [...truth.local, ...truth.remote].includes(e.status.id),
      );
      expect(m.statusesInWindow).toBe(theirs.length);
      expect(m.pages[0]!.path).toContain('/api/v1/accounts/lookup');
    }
    const opted = await manifestOf(
      client,
      config,
      rawManifestKey('sim.local', DAY, `account-${optedOutAcct.toLowerCase()}`),
    );
    expect(opted.pages).toEqual([]);
    expect(opted.unavailable?.reason).toMatch(/opted out/);
    expect(
      await listKeys(
        client,
        config.s3.bucket,
        rawSourcePrefix('sim.local', DAY, `account-${optedOutAcct.toLowerCase()}`),
      ),
    ).toEqual([rawManifestKey('sim.local', DAY, `account-${optedOutAcct.toLowerCase()}`)]);

    const inst = await manifestOf(client, config, rawManifestKey('sim.local', DAY, 'instance'));
    expect(inst.instanceInfo).toEqual({ api: 'v2', domain: sim.host, version: '4.6.4' });
    const peers = await manifestOf(client, config, rawManifestKey('sim.local', DAY, 'peers'));
    expect(peers.pages[0]!.count).toBeGreaterThan(100);
    const trends = await manifestOf(client, config, rawManifestKey('sim.local', DAY, 'trends'));
    expect(trends.pages.length).toBeGreaterThan(1);
    const activity = await manifestOf(client, config, rawManifestKey('sim.local', DAY, 'activity'));
    expect(activity.pages[0]!.count).toBe(12);
    client.destroy();
  });

  it('a re-run overwrites the same keys and leaves no stale page behind', async () => {
    const client = s3();
    const prefix = rawSourcePrefix('sim.local', DAY, 'public-local');
    await runFetchDay(temporal.client, config, { logicalDate: DAY, pageLimit: 20 });
    const small = await manifestOf(client, config, rawManifestKey('sim.local', DAY, 'public-local'));
    await runFetchDay(temporal.client, config, { logicalDate: DAY, pageLimit: 40 });
    const big = await manifestOf(client, config, rawManifestKey('sim.local', DAY, 'public-local'));
    expect(small.pages.length).toBeGreaterThan(big.pages.length);
    expect(big.statusesInWindow).toBe(small.statusesInWindow);
    expect(await listKeys(client, config.s3.bucket, prefix)).toEqual(
      [
        ...big.pages.map((p) => p.key),
        ...big.segments!.map((g) => g.key),
        rawManifestKey('sim.local', DAY, 'public-local'),
      ].sort(),
    );
    expect(await segmentProblems(client, config.s3.bucket, big)).toEqual([]);
    client.destroy();
  });

  it('records closed feeds as unavailable, not as failures', async () => {
    const closed = await startSim({
      faults: { publicTimeline: 'unauthorized', unavailable: ['activity', 'peers', 'directory', 'trends'] },
    });
    const disabled = await startSim({ faults: { publicTimeline: 'disabled' } });
    try {
      clearFeedAccessCache();
      const all = {
        publicLocal: true,
        publicRemote: true,
        hashtags: false,
        accounts: false,
        instance: false,
        activity: true,
        peers: true,
        trends: true,
        directory: true,
      };
      const cfg = simConfig('fetch-closed', closed, { sources: all }, {});
      const cfgInstances = [
        { ...cfg.instances[0]!, name: 'closed.local' },
        {
          ...cfg.instances[0]!,
          name: 'disabled.local',
          baseUrl: disabled.url,
          sources: { ...all, activity: false, peers: false, trends: false, directory: false },
        },
      ];
      const both = { ...config, instances: cfgInstances };
      const w = await startTestWorkers({
        ...both,
        temporal: { ...both.temporal, taskQueue: `${config.temporal.taskQueue}-closed` },
      });
      try {
        const { result } = await runFetchDay(
          temporal.client,
          { ...both, temporal: { ...both.temporal, taskQueue: `${config.temporal.taskQueue}-closed` } },
          { logicalDate: DAY },
        );
        expect(result.failed).toEqual([]);
        const by = Object.fromEntries(result.results.map((r) => [`${r.instance}/${r.source}`, r]));
        expect(by['closed.local/public-local']!.unavailable).toMatchObject({ httpStatus: 401 });
        expect(by['closed.local/public-local']!.unavailable!.reason).toMatch(/authenticated user/);
        expect(by['closed.local/public-remote']!.unavailable).toMatchObject({ httpStatus: 401 });
        for (const s of ['activity', 'peers', 'directory'])
          expect(by[`closed.local/${s}`]!.unavailable).toMatchObject({ httpStatus: 404 });
        expect(by['closed.local/trends']!.unavailable).toMatchObject({ httpStatus: 200 });
        expect(by['disabled.local/public-local']!.unavailable).toMatchObject({ httpStatus: 200 });
        expect(by['disabled.local/public-local']!.unavailable!.reason).toMatch(/live_feeds\.local = "disabled"/);
        expect(by['disabled.local/public-remote']!.unavailable!.reason).toMatch(/live_feeds\.remote = "disabled"/);
        for (const r of result.results) {
          expect(r.complete).toBe(true);
          expect(r.pages).toBe(0);
        }
        // The disabled feed was never asked for: the instance document said so.
        expect(disabled.stats().byEndpoint['timelines/public'] ?? 0).toBe(0);
      } finally {
        await w.stop();
      }
    } finally {
      await closed.close();
      await disabled.close();
    }
  });

  it('an unknown account fails its fetch non-retryably, named in the message and recorded in its manifest', async () => {
    const cfg = {
      ...config,
      instances: [
        {
          ...config.instances[0]!,
          sources: {
            ...config.instances[0]!.sources,
            publicLocal: false,
            publicRemote: false,
            hashtags: false,
            instance: false,
            activity: false,
            peers: false,
            trends: false,
            directory: false,
          },
          accounts: ['nobody_here_at_all'],
        },
      ],
    };
    const queue = `${config.temporal.taskQueue}-acct`;
    const w = await startTestWorkers({ ...cfg, temporal: { ...cfg.temporal, taskQueue: queue } });
    try {
      const { result, handle } = await runFetchDay(
        temporal.client,
        { ...cfg, temporal: { ...cfg.temporal, taskQueue: queue } },
        { logicalDate: DAY },
      );
      expect(result.results).toEqual([]);
      expect(result.failed).toHaveLength(1);
      expect(result.failed[0]!.type).toBe('MastodonClientError');
      expect(result.failed[0]!.message).toBe(
        'sim.local: GET /api/v1/accounts/lookup?acct=nobody_here_at_all answered HTTP 404 (Record not found): not found',
      );
      // Non-retryable: exactly one attempt.
      const history = await handle.fetchHistory();
      const started = (history.events ?? []).filter((e) => e.activityTaskStartedEventAttributes && true);
      expect(started.map((e) => e.activityTaskStartedEventAttributes!.attempt)).toEqual([1, 1]);
      const client = s3();
      const m = await manifestOf(client, config, rawManifestKey('sim.local', DAY, 'account-nobody_here_at_all'));
      expect(m.complete).toBe(false);
      expect(m.error).toEqual({ message: result.failed[0]!.message, httpStatus: 404 });
      client.destroy();
    } finally {
      await w.stop();
    }
  });
});
