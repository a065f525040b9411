import { DefaultLogger, Runtime, type LogEntry, type LogLevel } from '@temporalio/worker';

// One-line worker logs. The SDK's default prints multi-line objects (task tokens, stacks) that
// bury what a user needs; keep the fields that identify a run and the error message.
const KEEP = ['workflowId', 'workflowType', 'activityType', 'attempt', 'taskQueue', 'state', 'key'];

function formatEntry(entry: LogEntry): string {
  const meta = (entry.meta ?? {}) as Record<string, unknown>;
  const parts = KEEP.filter((k) => meta[k] !== undefined).map((k) => `${k}=${String(meta[k])}`);
  const err = meta.error as { message?: string } | undefined;
  if (err?.message) parts.push(`error="${err.message}"`);
  const ts = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  const message = entry.message.split('\n').at(-1) ?? '';
  return `${ts} ${entry.level.padEnd(5)} ${message}${parts.length ? ` ${parts.join(' ')}` : ''}`;
}

let installed = false;

/** Install once per process, before any worker or native connection is created. */
export function installWorkerLogging(level: LogLevel = (process.env.MASTOFLOW_LOG_LEVEL as LogLevel) ?? 'INFO'): void {
  if (installed) return;
  installed = true;
  try {
    Runtime.install({ logger: new DefaultLogger(level, (entry) => console.error(formatEntry(entry))) });
  } catch {
    // A connection made earlier in this process already created the runtime with SDK defaults;
    // logs stay verbose there, which is harmless.
  }
}
