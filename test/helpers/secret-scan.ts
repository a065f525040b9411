import { readFileSync, statSync } from 'node:fs';
import type { Client } from '@temporalio/client';

// The secrets check of the chaos campaigns and of the test suite's teardown: every workflow
// history of a namespace, and worker logs, searched for secret values (instance tokens, S3
// secret keys). Payloads are bytes (JSON encoded by the data converter), so byte fields are
// decoded before searching; a secret that leaked into an input, result, heartbeat or failure
// message shows up there.

/** In the test stack's temp dir: the secrets tests used, one JSON { label, value } a line. */
export const TEST_SECRETS_FILE = 'test-secrets.jsonl';

/** label -> value; values shorter than 8 characters are ignored (they would match by chance). */
export type Secrets = Record<string, string>;

export interface SecretHit {
  /** workflow ID / run ID, or the log file. */
  where: string;
  /** Which secret (its label, never its value). */
  secret: string;
}

function usable(secrets: Secrets): [string, string][] {
  return Object.entries(secrets).filter(([, v]) => v.length >= 8);
}

/** Labels of the secrets found in the text. */
export function secretsIn(text: string, secrets: Secrets): string[] {
  return usable(secrets)
    .filter(([, v]) => text.includes(v))
    .map(([k]) => k);
}

/** Every string of a decoded history, byte fields (payload data) decoded as UTF-8. */
export function collectText(node: unknown, out: string[]): void {
  if (node === null || node === undefined) return;
  if (typeof node === 'string') out.push(node);
  else if (node instanceof Uint8Array) out.push(Buffer.from(node).toString('utf8'));
  else if (Array.isArray(node)) for (const v of node) collectText(v, out);
  else if (typeof node === 'object')
    for (const v of Object.values(node as Record<string, unknown>)) collectText(v, out);
}

export interface HistoryScan {
  histories: number;
  /** Histories listed; more than `histories` when the time cap stopped the scan. */
  listed: number;
  hits: SecretHit[];
  timedOut: boolean;
}

/**
 * Fetch every history the query lists (all of the namespace by default), `concurrency` at a
 * time, and search each for the secrets. Stops fetching after `timeoutMs` (timedOut says so).
 */
export async function scanHistories(
  client: Client,
  secrets: Secrets,
  opts: { query?: string; concurrency?: number; timeoutMs?: number } = {},
): Promise<HistoryScan> {
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  const runs: { workflowId: string; runId: string }[] = [];
  for await (const w of client.workflow.list(opts.query ? { query: opts.query } : {})) {
    runs.push({ workflowId: w.workflowId, runId: w.runId });
    if (Date.now() > deadline) break;
  }
  const hits: SecretHit[] = [];
  let histories = 0;
  let next = 0;
  let timedOut = false;
  const worker = async () => {
    for (;;) {
      const i = next++;
      const run = runs[i];
      if (!run) return;
      if (Date.now() > deadline) {
        timedOut = true;
        return;
      }
      const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
      const texts: string[] = [];
      collectText(history, texts);
      const found = new Set(texts.flatMap((t) => secretsIn(t, secrets)));
      for (const secret of found) hits.push({ where: `${run.workflowId} / ${run.runId}`, secret });
      histories++;
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 8 }, worker));
  return { histories, listed: runs.length, hits, timedOut };
}

/** Search log files (whole, as bytes decoded as UTF-8); missing files count 0 bytes. */
export function scanLogFiles(files: readonly string[], secrets: Secrets): { bytes: number; hits: SecretHit[] } {
  let bytes = 0;
  const hits: SecretHit[] = [];
  for (const file of files) {
    let text: string;
    try {
      bytes += statSync(file).size;
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const secret of secretsIn(text, secrets)) hits.push({ where: file, secret });
  }
  return { bytes, hits };
}
