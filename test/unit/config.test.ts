import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeSecrets, parseConfig } from '../../domain/config';
import { REPO_ROOT } from '../../infra/tools';
import { ConfigError, loadConfig } from '../../runtime/config-file';

const good = () => ({
  instances: [
    { name: 'mastodon.social', baseUrl: 'https://mastodon.social', userAgentContact: 'mailto:me@example.org' },
  ],
  s3: { bucket: 'mastoflow' },
});

// biome-ignore lint/suspicious/noExplicitAny: the cases mutate untyped config JSON on purpose
type RawConfig = any;

function errorFor(mutate: (c: RawConfig) => void): string {
  const raw = good();
  mutate(raw);
  const r = parseConfig(raw, 'cfg.json');
  if (r.ok) throw new Error('expected the config to be rejected');
  return r.message;
}

describe('config schema', () => {
  it('accepts a minimal config and fills defaults', () => {
    const r = parseConfig(good(), 'cfg.json');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.temporal).toMatchObject({
      address: 'localhost:7233',
      taskQueue: 'mastoflow',
      storeTaskQueue: 'mastoflow-store',
    });
    expect(r.config.duckdb.path).toBe('data/mastoflow.duckdb');
    expect(r.config.instances[0]!.sources.publicLocal).toBe(true);
    expect(r.config.schedule.cron).toBe('0 2 * * *');
    expect(r.config.loadExamples).toBe(false);
  });

  it('loads the example DAGs in the dev config, not in the compose one', () => {
    expect(loadConfig(path.join(REPO_ROOT, 'mastoflow.config.json')).config.loadExamples).toBe(true);
    expect(loadConfig(path.join(REPO_ROOT, 'infra', 'compose', 'mastoflow.config.json')).config.loadExamples).toBe(
      false,
    );
  });

  // Each bad file must produce a message naming the file, the field path and what was expected.
  const cases: Array<[string, (c: RawConfig) => void, RegExp]> = [
    ['missing instances', (c) => delete c.instances, /cfg\.json: instances: expected array/],
    ['empty instances', (c) => (c.instances = []), /instances: .*at least one instance/],
    ['missing s3', (c) => delete c.s3, /cfg\.json: s3: expected object/],
    ['missing bucket', (c) => delete c.s3.bucket, /s3\.bucket: expected string/],
    ['bad bucket name', (c) => (c.s3.bucket = 'Bad_Bucket'), /s3\.bucket: .*S3 bucket name/],
    [
      'ftp URL scheme',
      (c) => (c.instances[0].baseUrl = 'ftp://mastodon.social'),
      /instances\[0\]\.baseUrl: .*http:\/\/ or https:\/\//,
    ],
    ['not a URL', (c) => (c.instances[0].baseUrl = 'mastodon.social'), /instances\[0\]\.baseUrl: .*URL/],
    [
      'missing contact',
      (c) => delete c.instances[0].userAgentContact,
      /instances\[0\]\.userAgentContact: expected string/,
    ],
    [
      'wrong type for source switch',
      (c) => (c.instances[0].sources = { publicLocal: 'yes' }),
      /instances\[0\]\.sources\.publicLocal: expected boolean/,
    ],
    [
      'unknown source',
      (c) => (c.instances[0].sources = { firehose: true }),
      /instances\[0\]\.sources\.firehose: unknown field/,
    ],
    [
      'token given as a value, not an env name',
      (c) => (c.instances[0].tokenEnv = 'abc-123-secret'),
      /instances\[0\]\.tokenEnv: .*environment variable name/,
    ],
    ['port out of range', (c) => (c.dev = { temporalPort: 70000 }), /dev\.temporalPort/],
    ['port as string', (c) => (c.dev = { minioPort: '9000' }), /dev\.minioPort: expected number/],
    ['bad temporal address', (c) => (c.temporal = { address: 'http://localhost' }), /temporal\.address: .*host:port/],
    ['bad hashtag', (c) => (c.hashtags = ['two words']), /hashtags\[0\]: .*hashtag/],
    ['bad account', (c) => (c.accounts = ['not an account!']), /accounts\[0\]: .*user@host/],
    ['unknown top-level field', (c) => (c.extra = 1), /cfg\.json: extra: unknown field/],
    [
      'duplicate instance names',
      (c) => c.instances.push({ ...c.instances[0] }),
      /instances\[1\]\.name: duplicate instance name/,
    ],
    ['lookback days negative', (c) => (c.schedule = { lookbackDays: -1 }), /schedule\.lookbackDays/],
  ];
  it.each(cases)('rejects %s with the field named', (_label, mutate, pattern) => {
    expect(errorFor(mutate)).toMatch(pattern);
  });

  it('lists every problem, not only the first', () => {
    const msg = errorFor((c) => {
      delete c.s3.bucket;
      c.instances[0].baseUrl = 'gopher://x';
    });
    expect(msg).toMatch(/2 problems/);
  });

  it('applies environment overrides over the file', () => {
    const r = parseConfig(good(), 'cfg.json', {
      MASTOFLOW_TEMPORAL_ADDRESS: 'temporal:7233',
      MASTOFLOW_SERVE_STORE: 'false',
      MASTOFLOW_LOAD_EXAMPLES: 'true',
    });
    expect(r.ok && r.config.temporal.address).toBe('temporal:7233');
    expect(r.ok && r.config.worker.serveStore).toBe(false);
    expect(r.ok && r.config.loadExamples).toBe(true);
  });

  it('describes secrets by env var name and presence only', () => {
    const raw = good() as RawConfig;
    raw.instances[0].tokenEnv = 'SOCIAL_TOKEN';
    const r = parseConfig(raw, 'cfg.json');
    if (!r.ok) throw new Error(r.message);
    const out = JSON.stringify(describeSecrets(r.config, { SOCIAL_TOKEN: 'super-secret-token' }));
    expect(out).toContain('SOCIAL_TOKEN (set)');
    expect(out).not.toContain('super-secret-token');
  });
});

describe('config file loading', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mastoflow-config-'));
  it('names a missing file', () => {
    expect(() => loadConfig(path.join(dir, 'nope.json'), {})).toThrow(/config file not found: .*nope\.json/);
  });
  it('names the file on invalid JSON', () => {
    const f = path.join(dir, 'broken.json');
    writeFileSync(f, '{ "instances": [ }');
    expect(() => loadConfig(f, {})).toThrow(ConfigError);
    expect(() => loadConfig(f, {})).toThrow(/broken\.json: not valid JSON/);
  });
  it('names the file and field on a schema error', () => {
    const f = path.join(dir, 'bad.json');
    writeFileSync(f, JSON.stringify({ ...good(), s3: { bucket: 3 } }));
    expect(() => loadConfig(f, {})).toThrow(/bad\.json: s3\.bucket: expected string/);
  });
  it('reads MASTOFLOW_CONFIG when no path is given', () => {
    const f = path.join(dir, 'ok.json');
    writeFileSync(f, JSON.stringify(good()));
    expect(loadConfig(undefined, { MASTOFLOW_CONFIG: f }).file).toBe(f);
  });
});
