// The posters-seen sets behind first-seen accounts (activities/aggregate/posters-seen.ts), on a
// real MinIO: which days a reduce compares with, where it reads each day from, and what it
// stores. The whole DAG path (map → reduce → load, equal to the oracle) is in
// mastodon-daily-oracle.test.ts; here the rules at the edges.
import { createHmac } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { earlierPosters, storePosters } from '../../activities/aggregate/posters-seen';
import { getJson } from '../../activities/aggregate/s3-json';
import { mappedInstancePartKey, postersSeenKey } from '../../domain/keys';
import { ensureBucket } from '../../runtime/clients';
import { testConfig, testS3, uniqueName } from '../helpers/stack';

const DAG = 'mastodon_daily';
const I = 'sim.local';
const D = '2026-03-10';

describe('posters seen on earlier days (first-seen look-back)', () => {
  const config = testConfig(uniqueName('seen'));
  const s3 = testS3(config);
  const bucket = uniqueName('seen').toLowerCase();
  const deps = { s3, bucket };
  const put = (key: string, body: unknown) =>
    s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(body) }));
  const part = (accts: string[]) => ({ v: 1, partials: { newAccounts: { accts, created: accts.map(() => 0) } } });

  beforeAll(async () => {
    await ensureBucket(s3, bucket);
    await put(postersSeenKey(DAG, '2026-03-09', I), ['stale-set-of-the-run-day']);
    await put(postersSeenKey(DAG, '2026-03-08', I), ['b']);
    await put(postersSeenKey(DAG, '2026-02-10', I), ['oldest']); // D-28: the look-back's last day
    await put(postersSeenKey(DAG, '2026-02-09', I), ['too-old']); // D-29: outside
    await put(postersSeenKey(DAG, D, I), ['same-day']);
    await put(postersSeenKey(DAG, '2026-03-11', I), ['later']); // after D: never read
    await put(postersSeenKey(DAG, '2026-03-07', 'other.instance'), ['other']);
    await put(mappedInstancePartKey(DAG, '2026-03-09', I, 1), part(['a', 'c']));
    await put(mappedInstancePartKey(DAG, '2026-03-09', I, 2), part(['a', 'd']));
  });
  afterAll(() => s3.destroy());

  it('compares with the 28 days before D only: a day this run aggregates from its map parts, the others from their stored sets', async () => {
    const seen = await earlierPosters(deps, DAG, I, D, [{ day: '2026-03-09', parts: 2 }]);
    expect(seen.lookbackDays).toBe(3); // 03-09 (this run's parts), 03-08, 02-10
    for (const acct of ['a', 'c', 'd', 'b', 'oldest']) expect(seen.has(acct), acct).toBe(true);
    for (const acct of ['stale-set-of-the-run-day', 'too-old', 'same-day', 'later', 'other'])
      expect(seen.has(acct), acct).toBe(false);
  });

  it('gives the same answer whatever is stored for D and the days after it', async () => {
    const before = await earlierPosters(deps, DAG, I, D, []);
    await put(postersSeenKey(DAG, '2026-03-12', I), ['a', 'b', 'c']);
    await put(postersSeenKey(DAG, D, I), ['a', 'b', 'c', 'x']);
    const after = await earlierPosters(deps, DAG, I, D, []);
    expect(after.lookbackDays).toBe(before.lookbackDays);
    for (const acct of ['a', 'b', 'c', 'x', 'stale-set-of-the-run-day', 'oldest'])
      expect(after.has(acct), acct).toBe(before.has(acct));
  });

  it('a run day without map parts falls back to its stored set; storing skips such a day', async () => {
    const seen = await earlierPosters(deps, DAG, I, D, [{ day: '2026-03-09', parts: 0 }]);
    expect(seen.has('stale-set-of-the-run-day')).toBe(true);
    expect(seen.has('a')).toBe(false);
    await storePosters(deps, DAG, I, '2026-03-08', [], 0);
    expect(await getJson(s3, bucket, postersSeenKey(DAG, '2026-03-08', I))).toEqual(['b']);
  });

  it('pseudonymised: the stored set holds keyed hashes only, and membership is tested on the hash', async () => {
    const keyOf = (acct: string) => `anon:${createHmac('sha256', 'k').update(acct).digest('hex').slice(0, 16)}`;
    const P = 'pseudonymised.local';
    await storePosters(deps, DAG, P, '2026-03-01', ['zed@x.example', 'amy'], 1, keyOf);
    const stored = (await getJson<string[]>(s3, bucket, postersSeenKey(DAG, '2026-03-01', P)))!;
    expect(stored).toEqual([keyOf('zed@x.example'), keyOf('amy')].sort());
    expect(JSON.stringify(stored)).not.toMatch(/zed|amy/);
    const seen = await earlierPosters(deps, DAG, P, '2026-03-02', [], keyOf);
    expect(seen.has('amy')).toBe(true);
    expect(seen.has('bob')).toBe(false);
    expect(seen.lookbackDays).toBe(1);
  });
});
