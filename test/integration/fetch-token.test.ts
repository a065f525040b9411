import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { rawManifestKey } from '../../domain/keys';
import type { MastodonSim } from '../../infra/mastodon-sim/server';
import { DAY, listKeys, runFetchDay, simConfig, startSim, getObject } from '../helpers/fetch-fixtures';
import { registerTestSecret, startTestWorkers, testClient, testS3 } from '../helpers/stack';

// Tokens come from the environment variable the config names and go only into the HTTP client:
// never into workflow inputs, results, heartbeats, histories, failures, logs or stored objects.

describe('instance tokens', () => {
  const token = `tok-${randomUUID()}`;
  const wrong = `wrong-${randomUUID()}`;
  const envName = `SIM_TOKEN_${randomUUID().slice(0, 8).toUpperCase()}`;
  const wrongEnv = `${envName}_WRONG`;
  let sim: MastodonSim;
  let temporal: Awaited<ReturnType<typeof testClient>>;
  let workers: Awaited<ReturnType<typeof startTestWorkers>>;
  let config: ReturnType<typeof simConfig>;
  const logged: string[] = [];

  beforeAll(async () => {
    registerTestSecret('instance token (fetch-token)', token);
    registerTestSecret('wrong instance token (fetch-token)', wrong);
    process.env[envName] = token;
    process.env[wrongEnv] = wrong;
    sim = await startSim({ requireToken: token, statusesPerDay: 600 });
    const all = {
      publicLocal: true,
      publicRemote: true,
      hashtags: false,
      accounts: true,
      instance: true,
      activity: true,
      peers: true,
      trends: true,
      directory: true,
    };
    const base = simConfig('fetch-token', sim, { tokenEnv: envName, sources: all, accounts: ['does_not_exist'] });
    config = {
      ...base,
      instances: [base.instances[0]!, { ...base.instances[0]!, name: 'wrong.local', tokenEnv: wrongEnv, accounts: [] }],
    };
    // Everything the worker logs in this process (the SDK logger writes through console.error).
    for (const method of ['error', 'warn', 'log', 'info'] as const) {
      const original = console[method].bind(console);
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        logged.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
        original(...args);
      });
    }
    workers = await startTestWorkers(config);
    temporal = await testClient();
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await workers?.stop();
    await temporal?.close();
    await sim?.close();
    delete process.env[envName];
    delete process.env[wrongEnv];
  });

  it('reads with the token but never lets it into history, results, failures, logs or S3', async () => {
    const { handle, result } = await runFetchDay(temporal.client, config, {
      logicalDate: DAY,
      initialRetryMs: 50,
      maxRetryIntervalMs: 200,
    });
    // The right token opened every source of sim.local...
    const ok = result.results.filter((r) => r.instance === 'sim.local');
    expect(ok.map((r) => r.source).sort()).toEqual([
      'activity',
      'directory',
      'instance',
      'peers',
      'public-local',
      'public-remote',
      'trends',
    ]);
    expect(ok.every((r) => r.complete && !r.unavailable)).toBe(true);
    // ...the wrong one is refused, non-retryably, naming the variable, not the value.
    const refused = result.failed.filter((f) => f.instance === 'wrong.local');
    expect(refused.length).toBeGreaterThan(0);
    for (const f of refused) {
      expect(f.type).toBe('MastodonClientError');
      expect(f.message).toContain(`the token in ${wrongEnv} was refused`);
    }
    expect(result.failed.find((f) => f.source === 'account-does_not_exist')?.message).toMatch(/HTTP 404/);
    expect(sim.stats().byStatus['401']).toBeGreaterThan(0);

    const history = JSON.stringify(await handle.fetchHistory());
    const described = JSON.stringify(await handle.describe());
    for (const secret of [token, wrong]) {
      expect(history).not.toContain(secret);
      expect(described).not.toContain(secret);
      expect(JSON.stringify(result)).not.toContain(secret);
      expect(logged.join('\n')).not.toContain(secret);
    }
    expect(history).not.toMatch(/Bearer/i);
    expect(logged.join('\n')).toContain('wrong.local: GET');

    // Nor in anything stored.
    const s3 = testS3(config);
    for (const key of await listKeys(s3, config.s3.bucket, 'raw/v1/instance=')) {
      const body = (await getObject(s3, config.s3.bucket, key)).toString('utf8');
      expect(body).not.toContain(token);
      expect(body).not.toContain(wrong);
    }
    expect((await listKeys(s3, config.s3.bucket, rawManifestKey('wrong.local', DAY, 'public-local'))).length).toBe(1);
    s3.destroy();
  });
});
