import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { REPO_ROOT } from '../../infra/tools';

// A real headless browser for tests: Debian's `chromium` driven by playwright-core (no browser
// download of Playwright's own). Installed by infra/provision-browser.sh when missing, the way
// provisioning installs Temporal and MinIO.

export const CHROMIUM_PATH = process.env.MASTOFLOW_CHROMIUM ?? '/usr/bin/chromium';

/** Flags for a quiet, self-contained headless run: no sandbox (containers, root), no GPU, no
 *  background traffic to Google (updates, sync, QUIC probes), no first-run UI. */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The browser's path, installing it first when it is missing. */
export function ensureChromium(): string {
  if (!existsSync(CHROMIUM_PATH)) {
    execFileSync('bash', [path.join(REPO_ROOT, 'infra', 'provision-browser.sh')], { stdio: 'inherit' });
  }
  return CHROMIUM_PATH;
}

export interface TestBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile (its own --user-data-dir, removed on close). */
export async function launchBrowser(): Promise<TestBrowser> {
  const executablePath = ensureChromium();
  const profile = mkdtempSync(path.join(tmpdir(), 'mastoflow-chromium-'));
  // Playwright passes the profile as --user-data-dir itself; it refuses that flag among `args`.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: [...CHROMIUM_FLAGS],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
