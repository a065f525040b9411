import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { accountKeyFn } from '../../activities/aggregate/pseudonym';
import { purgeRawBefore } from '../../activities/aggregate/retention';
import type { ActivityDeps } from '../../activities/deps';
import { rawManifestKey, rawPageKey, rawSegmentKey } from '../../domain/keys';
import { ensureBucket } from '../../runtime/clients';
import { testConfig, testS3, uniqueName } from '../helpers/stack';

describe('privacy: pseudonymised account keys', () => {
  const base = testConfig(uniqueName('priv'));
  const deps = (pseudonymise: boolean, env: NodeJS.ProcessEnv) =>
    ({ config: { ...base, privacy: { ...base.privacy, pseudonymise } }, env }) as unknown as ActivityDeps;

  it('is off by default and keyed, stable and case-insensitive when on', () => {
    expect(accountKeyFn(deps(false, {}))).toBeUndefined();
    const k1 = accountKeyFn(deps(true, { MASTOFLOW_PSEUDONYM_KEY: 'k1' }))!;
    const k2 = accountKeyFn(deps(true, { MASTOFLOW_PSEUDONYM_KEY: 'k2' }))!;
    expect(k1('Alice@x.org')).toBe(k1('alice@x.org'));
    expect(k1('alice@x.org')).toMatch(/^anon:[0-9a-f]{16}$/);
    expect(k1('alice@x.org')).not.toBe(k2('alice@x.org'));
    expect(k1('alice@x.org')).not.toContain('alice');
  });

  it('fails clearly, naming the variable, when the key is missing', () => {
    expect(() => accountKeyFn(deps(true, {}))).toThrow(/MASTOFLOW_PSEUDONYM_KEY is not set/);
  });
});

describe('retention: purge of raw objects', () => {
  it('deletes raw pages before the cut-off day and keeps the rest', async () => {
    const config = testConfig(uniqueName('purge'), {});
    const s3 = testS3(config);
    const bucket = uniqueName('purge').toLowerCase();
    await ensureBucket(s3, bucket);
    const keys = ['2026-10-01', '2026-10-30', '2026-10-31', '2026-11-20'].map((d) =>
      rawPageKey('a.example', d, 'public-local', 1),
    );
    // A second instance, several sources and a segment in an old day: the purge walks instances and days.
    const oldOfB = [
      rawPageKey('b.example', '2026-10-02', 'public-remote', 1),
      rawPageKey('b.example', '2026-10-02', 'trends', 1),
      rawSegmentKey('b.example', '2026-10-02', 'public-remote', 1),
    ];
    const keptOfB = rawManifestKey('b.example', '2026-11-01', 'public-remote');
    for (const Key of [...keys, ...oldOfB, keptOfB, 'results/v1/metric=x/date=2026-10-01/instance=a.parquet']) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: '[]' }));
    }
    let pages = 0;
    expect(await purgeRawBefore(s3, bucket, '2026-10-31', () => pages++)).toBe(5);
    expect(pages).toBeGreaterThan(0); // heartbeats
    const left = (await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents!.map((o) => o.Key).sort();
    expect(left).toEqual([keys[2], keys[3], keptOfB, 'results/v1/metric=x/date=2026-10-01/instance=a.parquet'].sort());
    expect(await purgeRawBefore(s3, bucket, '2026-10-31')).toBe(0);
    s3.destroy();
  });
});
