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

// --- Snapshot observations --------------------------------------------------------------------
// A snapshot (profile, instance document, weekly activity, peers, trends, directory) is stored
// under the moment it was taken, never under the day a run asked for, so no later run overwrites
// it: raw/v1/instance=<host>/date=<UTC day of the observation>/observations/source=<source>/
// at=<YYYYMMDDTHHMMSSZ>-<fetch id>/ (page-00001.json..., _manifest.json). The fetch id keeps two
// observations taken in the same second apart. The day's own `_manifest.json` (rawManifestKey)
// names the observation the day uses (domain/snapshot-observation.ts); `observations/` sits beside
// the `source=` folders so a day's source prefix never lists them.

/** `20261202T003000Z`: an observation time as a key segment (second precision, as HTTP dates). */
export function observationStamp(observedAtMs: number): string {
  if (!Number.isFinite(observedAtMs)) throw new Error(`expected epoch milliseconds, got ${observedAtMs}`);
  return new Date(observedAtMs)
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}

export function snapshotObservationPrefix(
  host: string,
  source: RawSource | string,
  observedAtMs: number,
  fetchId: string,
): string {
  const day = new Date(observedAtMs).toISOString().slice(0, 10);
  return `raw/v1/instance=${safeSegment(host)}/date=${assertDay(day)}/observations/source=${safeSegment(source)}/at=${observationStamp(observedAtMs).toLowerCase()}-${safeSegment(fetchId).slice(0, 12)}/`;
}

export function snapshotObservationPageKey(
  host: string,
  source: RawSource | string,
  observedAtMs: number,
  fetchId: string,
  page: number,
): string {
  return `${snapshotObservationPrefix(host, source, observedAtMs, fetchId)}page-${pad5(page)}.json`;
}

export function snapshotObservationManifestKey(
  host: string,
  source: RawSource | string,
  observedAtMs: number,
  fetchId: string,
): string {
  return `${snapshotObservationPrefix(host, source, observedAtMs, fetchId)}_manifest.json`;
}

// --- end of snapshot observations -------------------------------------------------------------

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

/**
 * The accounts that posted on (day, instance) as its last aggregation counted them (a sorted JSON
 * array of accts), written by reduce: what later days' first-seen accounts are compared with
 * (domain/metrics/new-accounts.ts). Holds account names like the mapped partials do.
 */
/** Where the poster sets of a DAG live (every day and instance). */
export function postersSeenPrefix(dagId: string): string {
  return `seen/v1/dag=${safeSegment(dagId)}/`;
}

export function postersSeenKey(dagId: string, day: string, instance: string): string {
  return `${postersSeenPrefix(dagId)}date=${assertDay(day)}/instance=${safeSegment(instance)}/posters.json`;
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

/**
 * Workflow ID of the budget keeper of one Mastodon instance as one client: one per (task queue,
 * instance base URL, identity). `identity` is `anonymous` (the server counts per IP) or
 * `token-<hex>`, a hash of the token (the server counts per account) — never the token itself:
 * workflow IDs are listed in the UI and in every history. The task queue is in it because the
 * keeper runs there; two deployments on other queues keep their own budgets.
 * `rate-budget/<queue>/<base-url>/<identity>`.
 */
export function rateBudgetWorkflowId(taskQueue: string, baseUrl: string, identity: string): string {
  if (!/^(anonymous|token-[0-9a-f]{8,64})$/.test(identity))
    throw new Error(`rate budget identity must be "anonymous" or "token-<hex hash>", got ${JSON.stringify(identity)}`);
  const url = new URL(baseUrl);
  const where = `${url.protocol.replace(/:$/, '')}_${url.host}${url.pathname.replace(/\/+$/, '')}`;
  return `rate-budget/${safeSegment(taskQueue)}/${safeSegment(where)}/${identity}`;
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
