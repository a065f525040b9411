import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { Client } from '@temporalio/client';
import { readManifest, type SourceManifest } from '../../activities/mastodon';
import { configureInstanceThrottles } from '../../activities/mastodon/rate-limiter';
import type { MastoflowConfig } from '../../domain/config';
import { fetchWindow } from '../../domain/paging';
import { startMastodonSim, type MastodonSim, type MastodonSimOptions } from '../../infra/mastodon-sim/server';
import { FETCH_DAY_WORKFLOW_TYPE, type FetchDayInput, type FetchDayResult } from '../../workflows/contracts';
import { testConfig, testStack, uniqueName } from './stack';

const SOURCE_NAMES = [
  'publicLocal',
  'publicRemote',
  'hashtags',
  'accounts',
  'instance',
  'activity',
  'peers',
  'trends',
  'directory',
] as const;
type SourceName = (typeof SOURCE_NAMES)[number];

/** An instance's `sources` with just these on (the tests' way of saying what a run fetches). */
export function sourcesOn(...on: SourceName[]): Record<SourceName, boolean> {
  return Object.fromEntries(SOURCE_NAMES.map((name) => [name, on.includes(name)])) as Record<SourceName, boolean>;
}

// Shared by the fetch integration tests: a simulated instance wired into a test config, the
// day's ground truth from the simulator's generator, and readers for what the fetch stored.

export const NOW = Date.parse('2026-03-05T06:00:00Z');
export const DAY = '2026-03-03';
export const COMPRESSED = { limit: 300, windowMs: 5_000, pagedLimit: 300, pagedWindowMs: 15_000 };

export async function startSim(opts: Partial<MastodonSimOptions> = {}): Promise<MastodonSim> {
  const sim = await startMastodonSim({ now: NOW, seed: 7, statusesPerDay: 1500, rateLimit: COMPRESSED, ...opts });
  const rl = opts.rateLimit === undefined ? COMPRESSED : opts.rateLimit;
  // The worker runs in this process: its limiter for the sim learns the sim's throttle shapes.
  configureInstanceThrottles(
    sim.url,
    rl === false
      ? { api: { limit: 1_000_000, periodMs: 1_000 }, paging: null }
      : {
          api: { limit: rl.limit ?? 300, periodMs: rl.windowMs ?? 300_000 },
          paging: { limit: rl.pagedLimit ?? 300, periodMs: rl.pagedWindowMs ?? 900_000 },
        },
  );
  return sim;
}

/**
 * A test config with the sim as instance `sim.local`, in a bucket of its own: test files run in
 * parallel and fetch the same day of the same instance name, so shared keys would collide.
 */
export function simConfig(
  prefix: string,
  sim: MastodonSim,
  instance: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
): MastoflowConfig {
  const name = uniqueName(prefix);
  return testConfig(name, {
    s3: { endpoint: testStack().s3Endpoint, bucket: name.toLowerCase(), forcePathStyle: true },
    instances: [
      {
        name: 'sim.local',
        baseUrl: sim.url,
        userAgentContact: 'mailto:ops@example.org',
        sources: sourcesOn('publicLocal', 'publicRemote'),
        ...instance,
      },
    ],
    ...extra,
  });
}

/** Statuses created on the day that a scan of the widened ID window can see at `now`. */
export function groundTruth(sim: MastodonSim, day: string = DAY, now: number = NOW, marginMs?: number) {
  const w = fetchWindow(day, marginMs);
  const lo = w.startMs - w.marginMs;
  const hi = w.endMs + w.marginMs;
  const ids = { local: new Set<string>(), remote: new Set<string>() };
  for (const e of sim.world.iterateDay(day, { visibleAt: now, atMs: now })) {
    if (e.idMs < lo || e.idMs >= hi) continue;
    (e.local ? ids.local : ids.remote).add(e.status.id);
  }
  return ids;
}

export async function runFetchDay(
  client: Client,
  config: MastoflowConfig,
  input: FetchDayInput,
  workflowId = uniqueName('fetch-day'),
) {
  const handle = await client.workflow.start(FETCH_DAY_WORKFLOW_TYPE, {
    workflowId,
    taskQueue: config.temporal.taskQueue,
    args: [input],
  });
  return { handle, result: (await handle.result()) as FetchDayResult };
}

export async function manifestOf(s3: S3Client, config: MastoflowConfig, key: string): Promise<SourceManifest> {
  return readManifest(s3, config.s3.bucket, key);
}

export async function getObject(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
  const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await r.Body!.transformToByteArray());
}

/** IDs of the statuses with created_at in the day, from the stored pages the manifest lists. */
export async function storedDayIds(
  s3: S3Client,
  bucket: string,
  m: SourceManifest,
  day: string = DAY,
): Promise<{ ids: Set<string>; total: number }> {
  const w = fetchWindow(day);
  const ids = new Set<string>();
  let total = 0;
  for (const p of m.pages) {
    const list = JSON.parse((await getObject(s3, bucket, p.key)).toString('utf8')) as {
      id: string;
      created_at: string;
    }[];
    for (const s of list) {
      const t = Date.parse(s.created_at);
      if (t >= w.startMs && t < w.endMs) {
        ids.add(s.id);
        total++;
      }
    }
  }
  return { ids, total };
}

/**
 * The manifest's segments hold exactly its pages: contiguous ranges from page 1, each line the
 * page's stored body (raw newlines as spaces). Returns the problems found (none = []).
 */
export async function segmentProblems(s3: S3Client, bucket: string, m: SourceManifest): Promise<string[]> {
  const problems: string[] = [];
  const segments = m.segments ?? [];
  let expectFrom = 1;
  for (const seg of segments) {
    if (seg.fromPage !== expectFrom) problems.push(`${seg.key} starts at page ${seg.fromPage}, expected ${expectFrom}`);
    expectFrom = seg.toPage + 1;
    const lines = (await getObject(s3, bucket, seg.key)).toString('utf8').split('\n');
    if (lines.pop() !== '') problems.push(`${seg.key} does not end with a newline`);
    if (lines.length !== seg.toPage - seg.fromPage + 1)
      problems.push(`${seg.key} has ${lines.length} lines for pages ${seg.fromPage}..${seg.toPage}`);
    for (let i = 0; i < lines.length; i++) {
      const page = m.pages[seg.fromPage - 1 + i];
      const body = page ? (await getObject(s3, bucket, page.key)).toString('utf8').replace(/[\r\n]/g, ' ') : undefined;
      if (lines[i] !== body) problems.push(`${seg.key} line ${i + 1} differs from page ${seg.fromPage + i}`);
    }
  }
  if (expectFrom !== m.pages.length + 1)
    problems.push(`segments cover pages 1..${expectFrom - 1} of ${m.pages.length}`);
  return problems;
}

export async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const r = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of r.Contents ?? []) keys.push(o.Key!);
    token = r.IsTruncated ? r.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
}

export function setEquals(a: Set<string>, b: Set<string>): { missing: string[]; extra: string[] } {
  return { missing: [...b].filter((x) => !a.has(x)).slice(0, 5), extra: [...a].filter((x) => !b.has(x)).slice(0, 5) };
}
