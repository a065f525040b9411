import { z } from 'zod';
import { formatIssues } from './zod-issues';

// The one definition of mastoflow's configuration. Secrets are never values here: the config
// only names the environment variables that hold them, so `config check` can print the whole
// resolved config and nothing secret can reach a workflow payload by way of the config.

const envVarName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name (A-Z, 0-9, _)');

const httpUrl = z
  .string()
  .url('a URL such as https://mastodon.social')
  .refine((u) => /^https?:\/\//i.test(u), 'a URL with scheme http:// or https://')
  .transform((u) => u.replace(/\/+$/, ''));

const hashtag = z
  .string()
  .regex(/^#?[\p{L}\p{N}_]+$/u, 'a hashtag of letters, digits and _ (with or without #)')
  .transform((t) => t.replace(/^#/, '').toLowerCase());

const acct = z
  .string()
  .regex(/^@?[A-Za-z0-9_]+(@[A-Za-z0-9.-]+\.[A-Za-z]{2,})?$/, 'an account as user or user@host.tld')
  .transform((a) => a.replace(/^@/, ''));

export const SourceSwitches = z
  .object({
    publicLocal: z.boolean().default(true),
    publicRemote: z.boolean().default(true),
    hashtags: z.boolean().default(true),
    accounts: z.boolean().default(true),
    instance: z.boolean().default(true),
    activity: z.boolean().default(true),
    peers: z.boolean().default(true),
    trends: z.boolean().default(true),
    directory: z.boolean().default(false),
  })
  .strict();

export const InstanceConfig = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'a short lowercase name such as mastodon.social'),
    baseUrl: httpUrl,
    sources: SourceSwitches.default(SourceSwitches.parse({})),
    /** Name of the env var holding this instance's access token (optional: public data needs none). */
    tokenEnv: envVarName.optional(),
    /** Sent in the User-Agent so instance admins can reach whoever runs the crawler. */
    userAgentContact: z.string().min(3, 'a contact such as an email or URL'),
    hashtags: z.array(hashtag).optional(),
    accounts: z.array(acct).optional(),
  })
  .strict();

export const S3Config = z
  .object({
    endpoint: httpUrl.optional(),
    bucket: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name (3-63 lowercase letters, digits, . or -)'),
    region: z.string().min(1).default('us-east-1'),
    forcePathStyle: z.boolean().default(true),
    accessKeyIdEnv: envVarName.default('MASTOFLOW_S3_ACCESS_KEY_ID'),
    secretAccessKeyEnv: envVarName.default('MASTOFLOW_S3_SECRET_ACCESS_KEY'),
  })
  .strict();

export const TemporalConfig = z
  .object({
    address: z
      .string()
      .regex(/^[^\s:/]+:\d{1,5}$/, 'host:port such as localhost:7233')
      .default('localhost:7233'),
    namespace: z.string().min(1).default('default'),
    taskQueue: z.string().min(1).default('mastoflow'),
    storeTaskQueue: z.string().min(1).default('mastoflow-store'),
    /** Temporal Cloud: mTLS client certificate and key, as paths named by env vars. */
    tls: z
      .object({ certPathEnv: envVarName, keyPathEnv: envVarName, serverNameOverride: z.string().optional() })
      .strict()
      .optional(),
    /** Temporal Cloud: API key held in this env var (turns TLS on). */
    apiKeyEnv: envVarName.optional(),
  })
  .strict();

export const ScheduleConfig = z
  .object({
    /**
     * Cron for the daily DAG; 02:00 UTC processes yesterday once its posts have federated. Its
     * syntax and the zone are checked when the file is loaded (runtime/config-file.ts), by the
     * DAG schedules' rules.
     */
    cron: z.string().min(1, 'a cron expression such as "0 2 * * *"').default('0 2 * * *'),
    timezone: z.string().min(1).default('UTC'),
    catchupWindow: z
      .string()
      .regex(/^\d+(ms|s|m|h|d)$/, 'a duration such as 1d or 12h')
      .default('1d'),
    paused: z.boolean().default(false),
    /** Days before the logical date re-fetched for late-federated posts. */
    lookbackDays: z.number().int().min(0).max(7).default(1),
  })
  .strict();

export const DevConfig = z
  .object({
    dataDir: z.string().min(1).default('.data'),
    temporalPort: z.number().int().min(1).max(65535).default(7233),
    temporalUiPort: z.number().int().min(1).max(65535).default(8233),
    minioPort: z.number().int().min(1).max(65535).default(9000),
    minioConsolePort: z.number().int().min(1).max(65535).default(9001),
  })
  .strict();

export const PrivacyConfig = z
  .object({
    pseudonymise: z.boolean().default(false),
    keyEnv: envVarName.default('MASTOFLOW_PSEUDONYM_KEY'),
    rawRetentionDays: z.number().int().min(1).default(30),
  })
  .strict();

export const NotificationsConfig = z
  .object({
    /**
     * The env var holding the webhook URL (Slack, Mattermost or Matrix hookshot incoming webhook).
     * The URL is a credential (anyone holding it can post), so only its name is config; unset or
     * empty = notifications off (the notify tasks succeed without sending).
     */
    webhookUrlEnv: envVarName.default('MASTOFLOW_WEBHOOK_URL'),
    /**
     * Base URL of the Temporal UI for the failure message's run link (e.g. https://cloud.temporal.io
     * or your UI's address). Default: the dev server's UI when Temporal is on loopback, else no link.
     */
    temporalUiUrl: httpUrl.optional(),
    /** How long one POST may take before the attempt fails (and Temporal retries it). */
    timeoutMs: z.number().int().min(100).max(60_000).default(10_000),
  })
  .strict();

export const MastoflowConfig = z
  .object({
    instances: z.array(InstanceConfig).min(1, 'at least one instance'),
    hashtags: z.array(hashtag).default([]),
    accounts: z.array(acct).default([]),
    s3: S3Config,
    duckdb: z
      .object({ path: z.string().min(1).default('data/mastoflow.duckdb') })
      .strict()
      .default({ path: 'data/mastoflow.duckdb' }),
    temporal: TemporalConfig.default(TemporalConfig.parse({})),
    schedule: ScheduleConfig.default(ScheduleConfig.parse({})),
    dev: DevConfig.default(DevConfig.parse({})),
    privacy: PrivacyConfig.default(PrivacyConfig.parse({})),
    /** Webhook notifications after each mastodon_daily run; absent = MASTOFLOW_WEBHOOK_URL, if set. */
    notifications: NotificationsConfig.optional(),
    /**
     * Load the example DAGs (`example_*`), like Airflow's `load_examples`. Off by default so a
     * deployed worker serves only real DAGs; `mastoflow dev` and `demo` turn it on.
     */
    loadExamples: z.boolean().default(false),
    worker: z
      .object({
        /** Serve the mastoflow-store queue (the single DuckDB writer) in this process. */
        serveStore: z.boolean().default(true),
        maxConcurrentActivities: z.number().int().min(1).default(16),
        /** Worker threads for the map step's CPU work; default one per core, 0 = the activity's own thread. */
        mapThreads: z.number().int().min(0).max(64).optional(),
      })
      .strict()
      .default({ serveStore: true, maxConcurrentActivities: 16 }),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const seen = new Set<string>();
    // One server under two names would be fetched twice and counted twice in every total.
    const byUrl = new Map<string, string>();
    cfg.instances.forEach((inst, i) => {
      const url = inst.baseUrl.toLowerCase();
      const other = byUrl.get(url);
      if (other !== undefined && other !== inst.name) {
        ctx.addIssue({
          code: 'custom',
          path: ['instances', i, 'baseUrl'],
          message: `${url} is already instance "${other}"`,
        });
      }
      byUrl.set(url, inst.name);
      if (seen.has(inst.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['instances', i, 'name'],
          message: `duplicate instance name "${inst.name}"`,
        });
      }
      seen.add(inst.name);
    });
  });

export type MastoflowConfig = z.output<typeof MastoflowConfig>;
export type NotificationsConfig = z.output<typeof NotificationsConfig>;

/** The env var naming the webhook URL: the config's, else the default (notifications may be unconfigured). */
export function webhookUrlEnvOf(cfg: Pick<MastoflowConfig, 'notifications'>): string {
  return cfg.notifications?.webhookUrlEnv ?? 'MASTOFLOW_WEBHOOK_URL';
}
export type InstanceConfig = z.output<typeof InstanceConfig>;

/**
 * Environment variables that override config fields, for compose and CI where editing a file is
 * awkward. This table is the whole list: the compose test checks the worker service against it.
 */
export const ENV_OVERRIDES = {
  MASTOFLOW_TEMPORAL_ADDRESS: ['temporal', 'address'],
  MASTOFLOW_TEMPORAL_NAMESPACE: ['temporal', 'namespace'],
  MASTOFLOW_TASK_QUEUE: ['temporal', 'taskQueue'],
  MASTOFLOW_STORE_TASK_QUEUE: ['temporal', 'storeTaskQueue'],
  MASTOFLOW_S3_ENDPOINT: ['s3', 'endpoint'],
  MASTOFLOW_S3_BUCKET: ['s3', 'bucket'],
  MASTOFLOW_S3_REGION: ['s3', 'region'],
  MASTOFLOW_DUCKDB_PATH: ['duckdb', 'path'],
  MASTOFLOW_SERVE_STORE: ['worker', 'serveStore'],
  MASTOFLOW_LOAD_EXAMPLES: ['loadExamples'],
} as const satisfies Record<string, readonly string[]>;

/** Env vars read directly (not config fields): the config file path and default secret names. */
export const ENV_DIRECT = ['MASTOFLOW_CONFIG'] as const;

/** Format zod issues so each line names the file, the field path and what was expected. */
export function formatConfigIssues(file: string, issues: readonly z.core.$ZodIssue[]): string {
  const lines = formatIssues(issues, { rootLabel: '(top level)' }).map((line) => `  ${file}: ${line}`);
  return `invalid configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines.join('\n')}`;
}

/** Parse an already-read JSON value; returns the config or a message naming every bad field. */
export function parseConfig(
  raw: unknown,
  file: string,
  env: Record<string, string | undefined> = {},
): { ok: true; config: MastoflowConfig } | { ok: false; message: string } {
  const withEnv = applyEnvOverrides(raw, env);
  const result = MastoflowConfig.safeParse(withEnv);
  if (result.success) return { ok: true, config: result.data };
  return { ok: false, message: formatConfigIssues(file, result.error.issues) };
}

function applyEnvOverrides(raw: unknown, env: Record<string, string | undefined>): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const copy = structuredClone(raw) as Record<string, unknown>;
  for (const [name, path] of Object.entries(ENV_OVERRIDES)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    let node = copy;
    for (const key of path.slice(0, -1)) {
      const next = node[key];
      if (next === null || typeof next !== 'object') node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    const leaf = path[path.length - 1]!;
    node[leaf] = value === 'true' ? true : value === 'false' ? false : value;
  }
  return copy;
}

/** A copy of the config safe to print: secrets are never in it, but say where each comes from. */
export function describeSecrets(cfg: MastoflowConfig, env: Record<string, string | undefined>): Record<string, string> {
  const state = (name: string | undefined) => (name ? `${name} (${env[name] ? 'set' : 'not set'})` : '(none)');
  const out: Record<string, string> = {
    's3.accessKeyId': state(cfg.s3.accessKeyIdEnv),
    's3.secretAccessKey': state(cfg.s3.secretAccessKeyEnv),
    'temporal.apiKey': state(cfg.temporal.apiKeyEnv),
    'privacy.key': state(cfg.privacy.keyEnv),
    'notifications.webhookUrl': state(webhookUrlEnvOf(cfg)),
  };
  for (const inst of cfg.instances) out[`instances.${inst.name}.token`] = state(inst.tokenEnv);
  return out;
}
