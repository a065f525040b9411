// Every workflow ID and object key is built here, and only here, so that a re-run of the same
// day/instance/source addresses the same IDs and keys: a retried or re-run fetch overwrites
// rather than duplicates, and reprocess modes can rely on ID reuse policies.

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

function assertDay(day: string): string {
  if (!DATE_RE.test(day)) throw new Error(`expected a day as YYYY-MM-DD, got "${day}"`);
  return day;
}

/** A path segment must not smuggle in `/` or `=`, which carry meaning in the layout. */
export function safeSegment(value: string): string {
  return value.toLowerCase().replace(/[^a-z0-9._@-]+/g, '_');
}

export function pad5(n: number): string {
  return String(n).padStart(5, '0');
}

/** Workflow ID of one DAG run: one per DAG and logical day, so a re-run reuses it. */
export function dagRunWorkflowId(dagId: string, logicalDate: string): string {
  return `dag/${dagId}/${assertDay(logicalDate)}`;
}

export function backfillWorkflowId(dagId: string, from: string, to: string): string {
  return `backfill/${dagId}/${assertDay(from)}..${assertDay(to)}`;
}

export function scheduleId(dagId: string): string {
  return `schedule/${dagId}`;
}

export type RawSource =
  | 'public-local'
  | 'public-remote'
  | `tag-${string}`
  | `account-${string}`
  | 'instance'
  | 'activity'
  | 'peers'
  | 'trends'
  | 'directory';

export function rawSourcePrefix(host: string, day: string, source: RawSource | string): string {
  return `raw/v1/instance=${safeSegment(host)}/date=${assertDay(day)}/source=${safeSegment(source)}/`;
}

export function rawPageKey(host: string, day: string, source: RawSource | string, page: number): string {
  return `${rawSourcePrefix(host, day, source)}page-${pad5(page)}.json`;
}

/**
 * A segment: consecutive raw pages of one source copied into one NDJSON object (one page body
 * per line), named by its first page. The map step reads these instead of the pages.
 */
export function rawSegmentKey(host: string, day: string, source: RawSource | string, firstPage: number): string {
  return `${rawSourcePrefix(host, day, source)}segment-${pad5(firstPage)}.ndjson`;
}

export function rawManifestKey(host: string, day: string, source: RawSource | string): string {
  return `${rawSourcePrefix(host, day, source)}_manifest.json`;
}

export function mappedPrefix(dagId: string, day: string, task: string): string {
  return `mapped/v1/dag=${safeSegment(dagId)}/date=${assertDay(day)}/task=${safeSegment(task)}/`;
}

export function mappedPartKey(dagId: string, day: string, task: string, part: number): string {
  return `${mappedPrefix(dagId, day, task)}part-${pad5(part)}.json`;
}

export function resultsParquetKey(metric: string, day: string, instance: string): string {
  return `results/v1/metric=${safeSegment(metric)}/date=${assertDay(day)}/instance=${safeSegment(instance)}.parquet`;
}

export function smokeObjectKey(runId: string): string {
  return `smoke/v1/run=${safeSegment(runId)}.json`;
}

export function smokeWorkflowId(runId: string): string {
  return `smoke/${runId}`;
}

/**
 * Workflow ID the schedule's action gives the thin `scheduledDagRun` workflow. Temporal appends
 * `-<scheduled time>` to it, which is why the day's real run is a child with `dagRunWorkflowId`.
 */
export function scheduledRunWorkflowId(dagId: string): string {
  return `scheduled/${dagId}`;
}

/**
 * Workflow ID of one chunk of a fan-out task's items: a child of the DAG run, derived from the
 * run's own workflow ID so a re-run of the day addresses the same chunk IDs.
 * `dag/<dagId>/<day>/expand/<taskId>/chunk-00000`.
 */
export function expandChunkWorkflowId(runWorkflowId: string, taskId: string, chunk: number): string {
  if (!Number.isInteger(chunk) || chunk < 0) throw new Error(`expected a chunk index >= 0, got ${chunk}`);
  return `${runWorkflowId}/expand/${safeSegment(taskId)}/chunk-${pad5(chunk)}`;
}

/** The exact, reduced key-value rows of one (day, instance), written by reduce and read by load. */
export function reducedRowsKey(dagId: string, day: string, instance: string): string {
  return `reduced/v1/dag=${safeSegment(dagId)}/date=${assertDay(day)}/instance=${safeSegment(instance)}/rows.json`;
}

/** One map part's partial for (day, instance); reduce reads exactly the parts its plan names. */
export function mappedInstancePartKey(dagId: string, day: string, instance: string, part: number): string {
  return `mapped/v1/dag=${safeSegment(dagId)}/date=${assertDay(day)}/instance=${safeSegment(instance)}/part-${pad5(part)}.json`;
}

/** Records of one map part that failed the status schema, with their reasons (JSON lines). */
export function quarantineInstancePartKey(dagId: string, day: string, instance: string, part: number): string {
  return `quarantine/v1/dag=${safeSegment(dagId)}/date=${assertDay(day)}/instance=${safeSegment(instance)}/part-${pad5(part)}.jsonl`;
}

/**
 * The daily report of one (instance, day): `reports/<instance>/<date>/` holds report.md,
 * report.txt (the chat-sized text the webhook sends), charts/*.png and, once wired, dashboard.html.
 * Human-facing, so plainly named (no `v1/`, no `key=`): a re-run of the day overwrites it.
 */
export function reportPrefix(instance: string, day: string): string {
  return `reports/${safeSegment(instance)}/${assertDay(day)}/`;
}

/** One file of a day's report, `file` relative to the report's folder (`report.md`, `charts/x.png`). */
export function reportObjectKey(instance: string, day: string, file: string): string {
  if (!/^[a-z0-9][a-z0-9_.-]*(\/[a-z0-9][a-z0-9_.-]*)?$/.test(file)) throw new Error(`bad report file name: ${file}`);
  return `${reportPrefix(instance, day)}${file}`;
}

// ---------------------------------------------------------------------------------------------
// Erasure (`mastoflow forget`): keyed hashes only, never an account name.

const ERASURE_HASH_RE = /^[0-9a-f]{64}$/;

function assertErasureHash(hash: string): string {
  if (!ERASURE_HASH_RE.test(hash)) throw new Error(`expected an erasure hash (64 hex digits), got "${hash}"`);
  return hash;
}

/** The erasure list: one object per erased account, so adding one never rewrites the others. */
export function erasureListPrefix(): string {
  return 'erasure/v1/list/';
}

export function erasureListEntryKey(hash: string): string {
  return `${erasureListPrefix()}${assertErasureHash(hash)}.json`;
}

/** The erasure log: one object per forget run, named by its finish time (append-only). */
export function erasureLogKey(finishedAt: string, hash: string): string {
  const stamp = finishedAt.replace(/[^0-9TZ]/g, '');
  return `erasure/v1/log/${stamp}-${assertErasureHash(hash).slice(0, 16)}.json`;
}

/** One forget workflow per account: a second `forget` of the same account attaches or re-runs it. */
export function forgetWorkflowId(hash: string): string {
  return `forget/${assertErasureHash(hash).slice(0, 32)}`;
}

/** The prefixes of one (instance, day)'s derived objects of a DAG: map partials, quarantine, reduced rows. */
export function derivedDayPrefixes(dagId: string, day: string, instance: string): string[] {
  const tail = `dag=${safeSegment(dagId)}/date=${assertDay(day)}/instance=${safeSegment(instance)}/`;
  return [`mapped/v1/${tail}`, `quarantine/v1/${tail}`, `reduced/v1/${tail}`];
}

/** Where a (day, instance)'s raw objects live (every source). */
export function rawDayPrefix(host: string, day: string): string {
  return `raw/v1/instance=${safeSegment(host)}/date=${assertDay(day)}/`;
}

/** The keys of the accounts a day's reduce saw opted out (the load drops their earlier rows). */
export function reducedOptOutsKey(dagId: string, day: string, instance: string): string {
  return `reduced/v1/dag=${safeSegment(dagId)}/date=${assertDay(day)}/instance=${safeSegment(instance)}/opted-out.json`;
}
