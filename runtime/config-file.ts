import { readFileSync } from 'node:fs';
import path from 'node:path';
import { checkCron, checkTimezone } from '../dags/registry';
import { parseConfig, type MastoflowConfig } from '../domain/config';

export const DEFAULT_CONFIG_FILE = 'mastoflow.config.json';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Which file to read: an explicit path, else $MASTOFLOW_CONFIG, else ./mastoflow.config.json. */
export function resolveConfigPath(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(explicit ?? env.MASTOFLOW_CONFIG ?? DEFAULT_CONFIG_FILE);
}

/** Read, parse and validate; every failure names the file (and the field, via parseConfig). */
export function loadConfig(
  explicit?: string,
  env: NodeJS.ProcessEnv = process.env,
): { file: string; config: MastoflowConfig } {
  const file = resolveConfigPath(explicit, env);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(
      code === 'ENOENT'
        ? `config file not found: ${file} (pass --config <file> or set MASTOFLOW_CONFIG)`
        : `cannot read config file ${file}: ${String(err)}`,
    );
  }
  return { file, config: parseConfigText(text, file, env) };
}

export function parseConfigText(text: string, file: string, env: NodeJS.ProcessEnv = process.env): MastoflowConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${file}: not valid JSON: ${(err as Error).message}`);
  }
  const parsed = parseConfig(raw, file, env);
  if (!parsed.ok) throw new ConfigError(parsed.message);
  const problems = scheduleProblems(parsed.config.schedule);
  if (problems.length > 0)
    throw new ConfigError(
      `invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  ${file}: ${p}`).join('\n'),
    );
  return parsed.config;
}

/**
 * The schedule's cron and zone, read by the same rules as a DAG's schedule (dags/registry.ts,
 * cron-parser and the IANA zone list, which the pure config schema cannot reach).
 */
function scheduleProblems(schedule: MastoflowConfig['schedule']): string[] {
  const problems: string[] = [];
  const zoneProblem = checkTimezone(schedule.timezone);
  if (zoneProblem) problems.push(`schedule.timezone: ${zoneProblem}`);
  const cronProblem = checkCron(schedule.cron, zoneProblem ? 'UTC' : schedule.timezone);
  if (cronProblem) problems.push(`schedule.cron: ${cronProblem}`);
  return problems;
}
