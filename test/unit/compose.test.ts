import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ENV_DIRECT, ENV_OVERRIDES, parseConfig, type MastoflowConfig } from '../../domain/config';
import { REPO_ROOT } from '../../infra/tools';

// No Docker engine here: validate the compose file against the Compose spec's JSON Schema and
// check it against what the worker actually reads.
const composeText = readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8');
// biome-ignore lint/suspicious/noExplicitAny: the compose file is read as untyped YAML
const compose = parse(composeText) as { services: Record<string, any> };
const schemaPath = path.join(REPO_ROOT, '..', 'shared', 'fixtures', 'compose-spec', 'compose-spec.json');

/** Every env var the worker reads: config overrides, direct ones, and secrets its config names. */
function envVarsReadBy(config: MastoflowConfig): Set<string> {
  const names = new Set<string>([...Object.keys(ENV_OVERRIDES), ...ENV_DIRECT]);
  names.add(config.s3.accessKeyIdEnv).add(config.s3.secretAccessKeyEnv).add(config.privacy.keyEnv);
  if (config.temporal.apiKeyEnv) names.add(config.temporal.apiKeyEnv);
  if (config.temporal.tls) names.add(config.temporal.tls.certPathEnv).add(config.temporal.tls.keyPathEnv);
  for (const inst of config.instances) if (inst.tokenEnv) names.add(inst.tokenEnv);
  return names;
}

/** Compose's own interpolation with an empty environment: `${X:-d}` → d, `${X:?msg}` → a placeholder. */
function interpolate(value: string): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?::?([-?])([^}]*))?\}/g, (_m, _name, op, arg) =>
    op === '-' ? (arg as string) : op === '?' ? 'required-from-env' : '',
  );
}

function workerEnv(): Record<string, string> {
  const env = compose.services.worker.environment as Record<string, string>;
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, interpolate(String(v))]));
}

function workerConfig(): MastoflowConfig {
  const inContainer = workerEnv().MASTOFLOW_CONFIG!;
  const local = path.join(REPO_ROOT, path.relative('/app', inContainer));
  const parsed = parseConfig(JSON.parse(readFileSync(local, 'utf8')), local, workerEnv());
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.config;
}

describe('docker-compose.yml', () => {
  it('validates against the Compose specification schema', () => {
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    const { $schema: _draft07, ...schema } = JSON.parse(readFileSync(schemaPath, 'utf8'));
    const validate = ajv.compile(schema);
    const ok = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('has the production-like services', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ['minio', 'minio-init', 'postgresql', 'temporal', 'temporal-search-attributes', 'temporal-ui', 'worker'].sort(),
    );
    expect(compose.services.temporal.environment.DB).toBe('postgres12');
    expect(compose.services.worker.build.dockerfile).toBe('infra/worker.Dockerfile');
  });

  it('pins every image by version', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      if (!svc.image) continue;
      expect(svc.image, name).toMatch(/:[^:]+$/);
      expect(svc.image, name).not.toMatch(/:latest$/);
    }
  });

  it('gives the worker only environment variables the config reads', () => {
    const read = envVarsReadBy(workerConfig());
    const unknown = Object.keys(workerEnv()).filter((k) => !read.has(k));
    expect(unknown).toEqual([]);
  });

  it('the worker config resolves to the compose services', () => {
    const cfg = workerConfig();
    expect(cfg.temporal.address).toBe('temporal:7233');
    expect(cfg.s3.endpoint).toBe('http://minio:9000');
    expect(cfg.duckdb.path).toBe('/data/mastoflow.duckdb');
  });

  it('registers the search attributes the workflows set', () => {
    const cmd = JSON.stringify(compose.services['temporal-search-attributes'].command);
    for (const sa of ['DagId=Keyword', 'LogicalDate=Datetime', 'RunType=Keyword', 'BackfillId=Keyword'])
      expect(cmd).toContain(sa);
  });
});
