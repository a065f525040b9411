import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Where provisioning puts the local servers; one place so the launcher, the test harness and
// the time-skipping test environment all agree.
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const TOOLS_DIR = process.env.MASTOFLOW_TOOLS_DIR ?? path.join(REPO_ROOT, '.tools');

export const toolPath = {
  temporal: path.join(TOOLS_DIR, 'bin', 'temporal'),
  temporalTestServer: path.join(TOOLS_DIR, 'bin', 'temporal-test-server'),
  minio: path.join(TOOLS_DIR, 'bin', 'minio'),
};

/** Run infra/provision.sh (fast when everything is present) so no caller depends on a hidden step. */
export function ensureTools(opts: { quiet?: boolean } = {}): void {
  const allThere = Object.values(toolPath).every((p) => existsSync(p));
  if (allThere && opts.quiet) return;
  execFileSync('bash', [path.join(REPO_ROOT, 'infra', 'provision.sh')], {
    stdio: opts.quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit',
  });
}
