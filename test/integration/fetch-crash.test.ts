import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { rawManifestKey, rawPageKey, rawSourcePrefix } from '../../domain/keys';
import { REPO_ROOT } from '../../infra/tools';
import type { MastodonSim } from '../../infra/mastodon-sim/server';
import { FETCH_DAY_WORKFLOW_TYPE, type FetchDayResult } from '../../workflows/contracts';
import type { Checkpoint, FetchRuntime } from '../../activities/mastodon/fetch-context';
import { rateLimiterFor } from '../../activities/mastodon/rate-limiter';
import { MastodonSession } from '../../activities/mastodon/session';
import { fetchPublicTimelineSource } from '../../activities/mastodon/sources';
import { ensureBucket } from '../../runtime/clients';
import {
  DAY,
  groundTruth,
  listKeys,
  manifestOf,
  segmentProblems,
  setEquals,
  simConfig,
  startSim,
  storedDayIds,
} from '../helpers/fetch-fixtures';
import { startTestWorkers, testClient, testEnv, testS3, testStack, uniqueName } from '../helpers/stack';

// Kill the worker (SIGKILL, no goodbye) in the middle of a long fetch. Temporal notices through
// the heartbeat timeout and gives the activity to another worker, which must continue from the
// stored pages: every page key is written exactly once (the bucket is versioned, so a second PUT
// would show as a second version) and the final manifest lists the whole day.

describe('worker crash mid-fetch', () => {
  let sim: MastodonSim | undefined;
  let child: ChildProcess | undefined;
  let workers: Awaited<ReturnType<typeof startTestWorkers>> | undefined;
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await workers?.stop();
    await sim?.close();
  });

  it('the resumed fetch stores each page once and completes the day', async () => {
    sim = await startSim({ statusesPerDay: 2500, rateLimit: false, faults: { latencyMs: 40 } });
    const bucket = uniqueName('crash').toLowerCase();
    const local = {
      publicLocal: true,
      publicRemote: false,
      hashtags: false,
      accounts: false,
      instance: false,
      activity: false,
      peers: false,
      trends: false,
      directory: false,
    };
    const config = simConfig(
      'fetch-crash',
      sim,
      { sources: local },
      { s3: { endpoint: testStack().s3Endpoint, bucket, forcePathStyle: true } },
    );
    const s3 = testS3(config);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));

    // The first worker lives in its own process so it can die for real.
    child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'test/helpers/fetch-crash-worker.ts')], {
      cwd: REPO_ROOT,
      env: {
        ...testEnv(),
        FETCH_CRASH_CONFIG: JSON.stringify(config),
        FETCH_CRASH_BUNDLE: testStack().workflowBundlePath,
        MASTOFLOW_RATE_LIMITS: JSON.stringify({ '*': { api: { limit: 1_000_000, periodMs: 1_000 }, paging: null } }),
        MASTOFLOW_LOG_LEVEL: 'WARN',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let childErr = '';
    child.stderr!.on('data', (d: Buffer) => (childErr += d.toString()));
    await new Promise<void>((resolve, reject) => {
      child!.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child!.once('exit', (code) => reject(new Error(`crash worker exited early (${code}): ${childErr.slice(-2000)}`)));
    });

    const temporal = await testClient();
    try {
      const handle = await temporal.client.workflow.start(FETCH_DAY_WORKFLOW_TYPE, {
        workflowId: uniqueName('fetch-crash'),
        taskQueue: config.temporal.taskQueue,
        args: [
          { logicalDate: DAY, pageLimit: 10, heartbeatTimeoutMs: 3_000, initialRetryMs: 100, maxRetryIntervalMs: 500 },
        ],
      });
      const prefix = rawSourcePrefix('sim.local', DAY, 'public-local');
      // Kill once a good share of the pages is stored (but far from all of them).
      const deadline = Date.now() + 60_000;
      let storedAtKill = 0;
      for (;;) {
        storedAtKill = (await listKeys(s3, bucket, prefix)).length;
        if (storedAtKill >= 15) break;
        if (Date.now() > deadline)
          throw new Error(`fetch did not get going: ${storedAtKill} pages; ${childErr.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      child.kill('SIGKILL');
      await new Promise((r) => child!.once('exit', r));
      const requestsAtKill = sim.stats().byEndpoint['timelines/public'] ?? 0;

      // A fresh worker takes over after the heartbeat timeout.
      workers = await startTestWorkers(config);
      const result = (await handle.result()) as FetchDayResult;
      expect(result.failed).toEqual([]);

      const manifest = await manifestOf(s3, config, rawManifestKey('sim.local', DAY, 'public-local'));
      expect(manifest.complete).toBe(true);
      expect(manifest.attempts).toBe(2);
      expect(manifest.pages.length).toBeGreaterThan(storedAtKill + 10);
      expect(manifest.pages.map((p) => p.key)).toEqual(
        manifest.pages.map((_, i) => rawPageKey('sim.local', DAY, 'public-local', i + 1)),
      );

      // Each page was PUT exactly once: one version per key.
      const versions = new Map<string, number>();
      let marker: { key?: string; version?: string } = {};
      for (;;) {
        const r = await s3.send(
          new ListObjectVersionsCommand({
            Bucket: bucket,
            Prefix: prefix,
            KeyMarker: marker.key,
            VersionIdMarker: marker.version,
          }),
        );
        for (const v of r.Versions ?? []) versions.set(v.Key!, (versions.get(v.Key!) ?? 0) + 1);
        if (!r.IsTruncated) break;
        marker = { key: r.NextKeyMarker, version: r.NextVersionIdMarker };
      }
      // Pages once each; segments (derived copies, rebuilt from the adopted pages) may be
      // rewritten by the resumed attempt, identically.
      const twice = [...versions.entries()].filter(([k, n]) => n !== 1 && !k.endsWith('.ndjson'));
      expect(twice).toEqual([]);
      expect(versions.size).toBe(manifest.pages.length + manifest.segments!.length + 1);
      expect(await segmentProblems(s3, bucket, manifest)).toEqual([]);

      // Nothing was fetched twice either, except at most the request in flight at the kill.
      const requests = sim.stats().byEndpoint['timelines/public'] ?? 0;
      expect(requests).toBeGreaterThanOrEqual(manifest.pages.length);
      expect(requests).toBeLessThanOrEqual(manifest.pages.length + 1);
      expect(requestsAtKill).toBeLessThan(manifest.pages.length);

      // And the day is whole.
      const truth = groundTruth(sim).local;
      const stored = await storedDayIds(s3, bucket, manifest);
      expect(manifest.statusesInWindow).toBe(truth.size);
      expect(setEquals(stored.ids, truth)).toEqual({ missing: [], extra: [] });
      expect(stored.total).toBe(truth.size);

      const history = await handle.fetchHistory();
      const started = (history.events ?? [])
        .map((e) => e.activityTaskStartedEventAttributes)
        .filter((a) => a?.lastFailure);
      expect(started[0]?.lastFailure?.timeoutFailureInfo?.timeoutType).toBeDefined();
    } finally {
      await temporal.close();
      s3.destroy();
    }
  });

  it('a retried attempt adopts pages stored after its last delivered heartbeat and stores none twice', async () => {
    const small = await startSim({ statusesPerDay: 1200, rateLimit: false });
    try {
      const config = simConfig('fetch-resume', small);
      const real = testS3(config);
      await ensureBucket(real, config.s3.bucket);
      // Count every PUT by key.
      const puts: string[] = [];
      const s3 = new Proxy(real, {
        get(target, prop, receiver) {
          if (prop !== 'send') return Reflect.get(target, prop, receiver);
          return (cmd: { input: { Key?: string } }) => {
            if (cmd instanceof PutObjectCommand) puts.push(cmd.input.Key!);
            return (target.send as (c: unknown) => Promise<unknown>)(cmd);
          };
        },
      }) as S3Client;
      const inst = config.instances[0]!;
      const beats: Checkpoint[] = [];
      const rt = (attempt: number, resume?: Checkpoint): FetchRuntime => ({
        s3,
        bucket: config.s3.bucket,
        fetchId: 'resume-test',
        attempt,
        resume,
        heartbeat: (d) => beats.push(d),
        now: Date.now,
      });
      const sessions = ({ onWait, counters }: { onWait: () => void; counters?: Checkpoint['rateLimit'] }) =>
        new MastodonSession(inst, { limiter: rateLimiterFor(inst.baseUrl), onWait, counters });
      const input = { day: DAY, scope: 'local' as const, pageLimit: 10 };

      // Attempt 1 runs to the end; then pretend it died after page 9 with its last heartbeat
      // (the one Temporal got) saying 4 pages: pages 5..9 are in S3 but not in the checkpoint.
      const first = await fetchPublicTimelineSource(rt(1), sessions, inst, input);
      const total = first.pages;
      expect(total).toBeGreaterThan(12);
      const key = (p: number) => rawPageKey('sim.local', DAY, 'public-local', p);
      for (let p = 10; p <= total; p++)
        await real.send(new DeleteObjectCommand({ Bucket: config.s3.bucket, Key: key(p) }));
      await real.send(new DeleteObjectCommand({ Bucket: config.s3.bucket, Key: first.manifestKey }));
      const staleHeartbeat = beats.find((b) => b.pagesStored === 4)!;
      expect(staleHeartbeat.next).toMatch(/^\d+$/);
      puts.length = 0;
      small.resetStats();

      const second = await fetchPublicTimelineSource(rt(2, staleHeartbeat), sessions, inst, input);
      expect(second.pages).toBe(total);
      expect(second.statusesInWindow).toBe(first.statusesInWindow);
      // Only the missing pages and the manifest were written, plus the segments rebuilt from the
      // adopted and new pages; only the missing pages were requested.
      const m0 = await manifestOf(real, config, first.manifestKey);
      expect(puts.filter((k) => !k.endsWith('.ndjson'))).toEqual([
        ...Array.from({ length: total - 9 }, (_, i) => key(i + 10)),
        first.manifestKey,
      ]);
      expect(puts.filter((k) => k.endsWith('.ndjson'))).toEqual(m0.segments!.map((g) => g.key));
      expect(m0.segments!.length).toBeGreaterThanOrEqual(1);
      expect(await segmentProblems(real, config.s3.bucket, m0)).toEqual([]);
      expect(small.stats().byEndpoint['timelines/public']).toBe(total - 9);
      const m = await manifestOf(real, config, first.manifestKey);
      expect(m.attempts).toBe(2);
      expect(m.pages.map((p) => p.page)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      real.destroy();
    } finally {
      await small.close();
    }
  });
});
