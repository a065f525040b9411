import { heartbeat, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import {
  latePagesParts,
  mapPartLabel,
  numberParts,
  planMapParts,
  reduceGroupLabel,
  type MapPart,
  type ReduceGroup,
} from '../../domain/aggregate-plan';
import { FAILURE_TYPES } from '../../domain/failures';
import { fetchWindow } from '../../domain/paging';
import { snowflakeFromMs } from '../../domain/snowflake';
import { addDays, dataInterval } from '../../domain/logical-date';
import { planFetchDay } from '../../domain/fetch-plan';
import {
  mappedInstancePartKey,
  quarantineInstancePartKey,
  reducedOptOutsKey,
  reducedRowsKey,
  rawManifestKey,
  rawPageKey,
} from '../../domain/keys';
import { InstanceActivityWeek, InstancePeers, TrendTag } from '../../domain/mastodon-schemas';
import { emptyPartial, finalizeAll, partialFromJson, optedOutAccounts, type KvRow } from '../../domain/metrics';
import {
  instanceActivityRows,
  peersCountRows,
  type SnapshotSourceState,
  snapshotStatusRows,
  trackedAccountRows,
  trendingTagRows,
  type TrackedProfile,
} from '../../domain/metrics/instance-facts';
import { inSnapshotWindow, trendHistoryFor, weeksFinalBy } from '../../domain/snapshot-observation';
import type { MastodonDailyParams } from '../../domain/mastodon-daily-params';
import type { TaskContext } from '../../domain/task-context';
import type { ItemLabel } from '../../domain/task-summary';
import type { ActivityDeps } from '../deps';
import { SourceManifest, type SegmentEntry } from '../mastodon/manifest';
import { SEGMENT_PAGES } from '../mastodon/raw-segments';
import { taskActivity } from '../task-activity';
import { withConnection, withTransaction } from '../store/duckdb-store';
import { ensureMetricsSchema, exportPartitionParquet, replacePartition } from '../store/metrics-store';
import { ensureLoadLogSchema, type LabelInput, recordLoad, replaceLabels } from '../store/load-log';
import { accountKeyFn } from './pseudonym';
import { mapErasureList } from '../erasure/erasure-list';
import { dropOptedOutRows } from '../erasure/opt-outs';
import { rewriteDayParquet } from '../erasure/results-parquet';
import { localDomains } from '../erasure/tracked';
import { HeapGuard } from './heap-guard';
import { getBytes, getJson, getText, putText } from './s3-json';
import { purgeRawBefore } from './retention';
import { MissingPageError, pageReads, type MapPartJob, type PageRead } from './map-pages';
import { runMapPart } from './map-runner';
import { MergeAhead, mergesAhead, sharedMergeAhead } from './merged-ahead';
import { PartialStack } from './partial-stack';
import { earlierPosters, type RunDay, storePosters } from './posters-seen';

// The aggregation half of mastodon_daily: plan → map (fan-out) → reduce → load (store queue).
// Every step passes S3 keys and counts; statuses only ever travel between S3 and a worker.

/**
 * Pages per map part: four segments (~9,600 statuses, ~20 MB of raw JSON, read two segments
 * ahead). Each part has costs of its own whatever its size: a Temporal round trip, accumulators
 * built up, promoted and dropped (a full collection on its thread), and a partial whose keys
 * repeat the other parts' (accounts, tags, languages: sealed, PUT, parsed again and merged). So
 * fewer, larger parts cut the worker's CPU per status: bench:mapreduce, 300k statuses, runs
 * interleaved: one segment per part (126 parts) 14.0-15.6 worker CPU-s, map 9.1-10.1 s; two
 * 12.7-13.5 CPU-s, 8.0-8.5 s; four 10.2-13.1 CPU-s, 6.2-8.1 s; eight no better than four, with
 * larger partials held. 32 parts still keep both map threads busy to the day's end.
 */
export const PAGES_PER_PART = SEGMENT_PAGES * 4;
/** How late (ID time after the day's end) a status created on the day is still attributed to it. */
export const LATE_ID_ALLOWANCE_MS = 6 * 3_600_000;
const STATUS_SOURCES = ['public-local', 'public-remote'] as const;
const ms = (x: number): string => `${Math.round(x)} ms`;

/** Laps of a task's stages, for its log line (where a slow reduce spends its time). */
function stageClock(): { lap(stage: string): void; summary(): string } {
  const laps: string[] = [];
  let at = performance.now();
  return {
    lap(stage) {
      const now = performance.now();
      laps.push(`${stage} ${ms(now - at)}`);
      at = now;
    },
    summary: () => laps.join(', '),
  };
}

/** Map parts a reduce reads ahead of the one it merges (each ~100 KB of partial JSON). */
const PARTS_READ_AHEAD = 6;

/**
 * A map part as planned: with the day its pages belong to and the segments holding them, so the
 * map reads no manifest (a 300k-status day's manifests are ~2 MB each, read and checked once
 * here instead of once per part). Parts from manifests without segments read page by page.
 */
export type PlannedPart = MapPart & { sourceDay: string; segments?: SegmentEntry[] };

/** A map fan-out item: the part, its number, and how many parts its day has (merged-ahead.ts). */
type MapItem = PlannedPart & { part: number; dayParts?: number };

/** The map and reduce fan-outs' lists; each item labelled for the Temporal UI (runDag strips the label). */
export interface AggregatePlan {
  parts: Array<MapItem & ItemLabel>;
  groups: Array<ReduceGroup & { earlierInRun: RunDay[] } & ItemLabel>;
}

function withReads(parts: MapPart[], m: SourceManifest, sourceDay: string): PlannedPart[] {
  return parts.map((p) => ({
    ...p,
    sourceDay,
    ...(m.segments ? { segments: m.segments.filter((g) => g.toPage >= p.fromPage && g.fromPage <= p.toPage) } : {}),
  }));
}

function lookbackOf(ctx: TaskContext<MastodonDailyParams>, deps: ActivityDeps): number {
  return ctx.params.lookbackDays ?? deps.config.schedule.lookbackDays;
}

/** The text labels carried by reduced rows (e.g. viral toot URLs), for `metric_labels`. */
function labelsOf(rows: readonly KvRow[]): LabelInput[] {
  const out: LabelInput[] = [];
  for (const r of rows)
    for (const [labelName, label] of Object.entries(r.labels ?? {}))
      out.push({ metric: r.metric, key: r.key, labelName, label });
  return out;
}

function daysOf(ctx: TaskContext<MastodonDailyParams>, deps: ActivityDeps): string[] {
  const look = lookbackOf(ctx, deps);
  return [ctx.logicalDate, ...Array.from({ length: look }, (_, i) => addDays(ctx.logicalDate, -(i + 1)))];
}

function instancesOf(ctx: TaskContext<MastodonDailyParams>, deps: ActivityDeps): string[] {
  const wanted = ctx.params.instances;
  return deps.config.instances.map((i) => i.name).filter((n) => wanted.length === 0 || wanted.includes(n));
}

async function readManifest(deps: ActivityDeps, key: string): Promise<SourceManifest | undefined> {
  const raw = await getJson<unknown>(deps.s3, deps.bucket, key);
  if (raw === undefined) return undefined;
  const parsed = SourceManifest.safeParse(raw);
  if (!parsed.success)
    throw ApplicationFailure.nonRetryable(
      `manifest ${key} is not a valid SourceManifest: ${parsed.error.issues[0]?.message}`,
      FAILURE_TYPES.badManifest,
    );
  return parsed.data;
}

function itemOf<T>(ctx: TaskContext, what: string): T {
  if (ctx.item === undefined)
    throw ApplicationFailure.nonRetryable(
      `${ctx.taskId}: expected a fan-out item (${what})`,
      FAILURE_TYPES.invalidInput,
    );
  return ctx.item as T;
}

export function createAggregateActivities(deps: ActivityDeps) {
  return {
    /** Which map parts and reduce groups the run needs, from the fetch manifests. */
    mastodonPlanAggregate: taskActivity(async (ctx: TaskContext<MastodonDailyParams>): Promise<AggregatePlan> => {
      const parts: PlannedPart[] = [];
      const groups: ReduceGroup[] = [];
      for (const instance of instancesOf(ctx, deps)) {
        for (const day of daysOf(ctx, deps)) {
          groups.push({ instance, day, parts: 0 });
          for (const source of STATUS_SOURCES) {
            const manifestKey = rawManifestKey(instance, day, source);
            const m = await readManifest(deps, manifestKey);
            if (!m || m.unavailable || m.pages.length === 0) continue;
            if (!m.complete)
              throw ApplicationFailure.retryable(`${manifestKey} is not complete yet`, FAILURE_TYPES.incompleteFetch);
            parts.push(
              ...withReads(
                planMapParts({ instance, day, source, manifestKey, pages: m.pages }, PAGES_PER_PART),
                m,
                day,
              ),
            );
            // The next day's pages, when fetched, hold this day's late-federated statuses.
            const nextKey = rawManifestKey(instance, addDays(day, 1), source);
            const next = await readManifest(deps, nextKey);
            if (next?.complete && !next.unavailable && next.pages.length > 0) {
              const w = fetchWindow(day);
              const upper = snowflakeFromMs(w.endMs + LATE_ID_ALLOWANCE_MS);
              const late = latePagesParts(
                { instance, day, source, manifestKey: nextKey, pages: next.pages },
                w.scanMaxId,
                upper,
                PAGES_PER_PART,
              );
              parts.push(...withReads(late, next, addDays(day, 1)));
            }
          }
        }
      }
      const numbered = numberParts(parts);
      // Keep groups with no parts: their day still gets snapshot rows and zero counts.
      for (const g of groups)
        g.parts = numbered.groups.find((n) => n.instance === g.instance && n.day === g.day)?.parts ?? 0;
      const partsOfDay = (p: { instance: string; day: string }): number =>
        groups.find((g) => g.instance === p.instance && g.day === p.day)?.parts ?? 0;
      return {
        parts: numbered.parts.map((p) => {
          const dayParts = partsOfDay(p);
          return { ...p, dayParts, label: mapPartLabel(p, dayParts) };
        }),
        groups: groups.map((g) => ({ ...g, earlierInRun: earlierInRun(groups, g), label: reduceGroupLabel(g) })),
      };
    }),

    /** Map one part: read its pages, validate, fold into every metric family, write the partial. */
    mastodonMapPart: taskActivity(async (ctx) => {
      const part = itemOf<MapItem>(ctx, 'a map part');
      let pages: PageRead[];
      if (part.segments) {
        const keys = Array.from({ length: part.toPage - part.fromPage + 1 }, (_, i) => {
          const page = part.fromPage + i;
          return { page, key: rawPageKey(part.instance, part.sourceDay, part.source, page) };
        });
        pages = pageReads(keys, part.segments, part.fromPage, part.toPage);
      } else {
        const m = await readManifest(deps, part.manifestKey);
        if (!m)
          throw ApplicationFailure.nonRetryable(`manifest ${part.manifestKey} is missing`, FAILURE_TYPES.missingObject);
        pages = pageReads(m.pages, undefined, part.fromPage, part.toPage);
      }
      const { start, end } = dataInterval(part.day);
      const key = mappedInstancePartKey(ctx.dagId, part.day, part.instance, part.part);
      const job: MapPartJob = {
        pages,
        windowStartMs: Date.parse(start),
        windowEndMs: Date.parse(end),
        idRange: part.idRange,
        partialKey: key,
        quarantineKey: quarantineInstancePartKey(ctx.dagId, part.day, part.instance, part.part),
        // Small enough days only: a large day is left to the reduce (merged-ahead.ts).
        returnPartial: mergesAhead(part.dayParts, PAGES_PER_PART),
        ...(await mapErasureList(deps)),
      };
      try {
        const out = await runMapPart(deps, job);
        // Stored first, merged here after: the reduce reads from S3 whatever was not merged ahead.
        if (out.partialJson !== undefined)
          sharedMergeAhead().add(
            MergeAhead.dayKey(ctx.runId, part.instance, part.day),
            part.part,
            out.partialJson,
            part.dayParts,
          );
        const t = out.timings;
        log.info(
          `map part ${part.part}: ${out.counts.input} records, wait ${ms(t.waitMs)}, parse ${ms(t.parseMs)}, fold ${ms(t.foldMs)}, seal ${ms(t.sealMs)}, store ${ms(t.storeMs)}`,
        );
        return { key, counted: out.counts.counted, quarantined: out.quarantined, input: out.counts.input };
      } catch (err) {
        if (err instanceof MissingPageError)
          throw ApplicationFailure.nonRetryable(
            `raw object ${err.key} listed in ${part.manifestKey} is missing`,
            FAILURE_TYPES.missingObject,
          );
        throw err;
      }
    }),

    /** Merge a day's parts exactly, finalize every family and add the snapshot metrics. */
    mastodonReduce: taskActivity(async (ctx) => {
      const g = itemOf<ReduceGroup & { earlierInRun?: RunDay[] }>(ctx, 'a reduce group');
      const clock = stageClock();
      const { start, end } = dataInterval(g.day);
      const accountKey = accountKeyFn(deps);
      const posterKey = accountKey ?? ((acct: string) => acct);
      const firstSeen = await earlierPosters(deps, ctx.dagId, g.instance, g.day, g.earlierInRun ?? [], posterKey);
      clock.lap('earlier posters');
      const heap = new HeapGuard();
      // Parts this process mapped were merged while the map ran (merged-ahead.ts); the rest are read.
      const ahead = await sharedMergeAhead().take(MergeAhead.dayKey(ctx.runId, g.instance, g.day));
      const stack = ahead?.stack ?? new PartialStack();
      const toRead = Array.from({ length: g.parts }, (_, i) => i + 1).filter((i) => !ahead?.parts.has(i));
      clock.lap(`merged ahead ${g.parts - toRead.length} parts`);
      // The parts' bytes are read a few ahead of the one being merged: one GET at a time makes the
      // merge wait a round trip per part, parts × latency against a remote S3 (tens of ms a GET).
      // On the bench's local MinIO it changed nothing measurable (reduce 2.77 s before, 2.83 s after).
      const keyOf = (i: number) => mappedInstancePartKey(ctx.dagId, g.day, g.instance, i);
      const reads = new Map<number, Promise<Buffer | undefined>>();
      const readAhead = (from: number) => {
        for (let j = from; j < Math.min(toRead.length, from + PARTS_READ_AHEAD); j++)
          if (!reads.has(j)) {
            const read = getBytes(deps.s3, deps.bucket, keyOf(toRead[j]!));
            read.catch(() => undefined); // awaited in turn; a part never reached must not crash the process
            reads.set(j, read);
          }
      };
      for (let j = 0; j < toRead.length; j++) {
        readAhead(j);
        const key = keyOf(toRead[j]!);
        const bytes = await reads.get(j)!;
        reads.delete(j);
        readAhead(j + 1);
        if (!bytes) throw ApplicationFailure.nonRetryable(`mapped part ${key} is missing`, FAILURE_TYPES.missingObject);
        stack.push(partialFromJson(bytes.toString('utf8')));
        heartbeat({ part: toRead[j] });
      }
      clock.lap('read + merge parts');
      // From here on only the merged partial stays reachable (not the stack's inputs to it), then
      // only its rows (the partial lives in this function's frame alone), so each stage's garbage
      // can be collected before the next allocates.
      const finalize = (): { rows: KvRow[]; statuses: number; posters: string[] | undefined; optedOut: string[] } => {
        const merged = stack.take() ?? emptyPartial({ windowStartMs: Date.parse(start), windowEndMs: Date.parse(end) });
        const rows = finalizeAll(merged, { accountKey, firstSeen });
        const optedOut = [...(optedOutAccounts(merged) ?? [])].map((a) => (accountKey ? accountKey(a) : a));
        return { rows, statuses: merged.counts.counted, posters: merged.partials.newAccounts?.accts, optedOut };
      };
      const { rows, statuses, posters, optedOut } = finalize();
      clock.lap('finalize');
      await storePosters(deps, ctx.dagId, g.instance, g.day, posters, g.parts, posterKey);
      // The load drops these accounts' account-level rows of earlier days (activities/erasure/opt-outs.ts).
      await putText(deps.s3, deps.bucket, reducedOptOutsKey(ctx.dagId, g.day, g.instance), JSON.stringify(optedOut));
      clock.lap('store posters + opt-outs');
      heap.check();
      rows.push(...(await snapshotRows(deps, g.instance, g.day, accountKey)));
      clock.lap('snapshot rows');
      const rowsKey = reducedRowsKey(ctx.dagId, g.day, g.instance);
      await putText(deps.s3, deps.bucket, rowsKey, JSON.stringify(rows));
      clock.lap('write rows');
      log.info(`reduce ${g.instance} ${g.day}: ${g.parts} parts, ${clock.summary()}`);
      heap.check();
      return { instance: g.instance, day: g.day, rowsKey, rows: rows.length, statuses };
    }),

    /** Raw objects older than the retention are deleted; derived results stay. */
    mastodonPurgeRaw: taskActivity(async (ctx) => {
      const keepFrom = addDays(ctx.logicalDate, -deps.config.privacy.rawRetentionDays);
      const deleted = await purgeRawBefore(deps.s3, deps.bucket, keepFrom, () => heartbeat());
      log.info(`purged ${deleted} raw objects older than ${keepFrom}`);
      return { keepFrom, deleted };
    }),
  };
}

/** Load runs on the store queue: the one worker process that owns the DuckDB file. */
export function createAggregateStoreActivities(deps: ActivityDeps) {
  return {
    mastodonLoad: taskActivity(async (ctx: TaskContext<MastodonDailyParams>) => {
      const g = itemOf<ReduceGroup>(ctx, 'a reduce group');
      const clock = stageClock();
      const rowsKey = reducedRowsKey(ctx.dagId, g.day, g.instance);
      const rows = await getJson<KvRow[]>(deps.s3, deps.bucket, rowsKey);
      if (!rows)
        throw ApplicationFailure.nonRetryable(`reduced rows ${rowsKey} are missing`, FAILURE_TYPES.missingObject);
      clock.lap(`read ${rows.length} rows`);
      const part = { instance: g.instance, day: g.day, runId: ctx.runId };
      const loaded = await withTransaction(deps.duckdbPath, async (conn) => {
        await ensureMetricsSchema(conn);
        await ensureLoadLogSchema(conn);
        const replaced = await replacePartition(conn, { ...part, rows });
        clock.lap('replace partition');
        // Accounts seen opted out today leave the account-level rows of earlier days.
        const optedOut = await getJson<string[]>(deps.s3, deps.bucket, reducedOptOutsKey(ctx.dagId, g.day, g.instance));
        const optOuts = await dropOptedOutRows(conn, {
          instance: g.instance,
          day: g.day,
          keys: optedOut ?? [],
          localDomains: localDomains(deps.config, g.instance),
        });
        clock.lap('drop opted-out rows');
        const labels = await replaceLabels(conn, { ...part, labels: labelsOf(rows) });
        // What the finality rule (domain/day-finality.ts) needs: which run loaded the day, when.
        await recordLoad(
          conn,
          { ...part, runLogicalDate: ctx.logicalDate, lookbackDays: lookbackOf(ctx, deps), rows: rows.length },
          new Date(),
        );
        return { ...replaced, labels, optOuts };
      });
      clock.lap('labels, load log, commit');
      // Earlier days that lost an opted-out account's rows: their Parquet results follow.
      for (const day of loaded.optOuts.days) await rewriteDayParquet(deps, { instance: g.instance, day });
      const parquet = await withConnection(deps.duckdbPath, (conn) =>
        exportPartitionParquet(conn, deps.s3, deps.bucket, { instance: g.instance, day: g.day }),
      );
      clock.lap(`Parquet (${parquet.length} objects)`);
      log.info(`load ${g.instance} ${g.day}: ${clock.summary()}`);
      const { optOuts, ...counts } = loaded;
      return {
        instance: g.instance,
        day: g.day,
        ...counts,
        optedOutRowsDropped: optOuts.deleted,
        parquetObjects: parquet.length,
      };
    }),
  };
}

/** The days of the same run and instance before the group's, with their map parts (see posters-seen.ts). */
function earlierInRun(groups: readonly ReduceGroup[], g: ReduceGroup): RunDay[] {
  return groups.filter((o) => o.instance === g.instance && o.day < g.day).map((o) => ({ day: o.day, parts: o.parts }));
}

/**
 * The day's snapshot rows: from the observation taken in the day's own window only (domain/
 * snapshot-observation.ts). A day without one gets no numbers for that snapshot, except weekly
 * activity and trend history, which a later observation carries exactly for ended weeks and days;
 * every snapshot source gets a snapshot_status row saying which it was. Deltas compare with the
 * previous day's own-window observation only, so none is computed across a gap.
 */
async function snapshotRows(
  deps: ActivityDeps,
  instance: string,
  day: string,
  accountKey?: (a: string) => string,
): Promise<KvRow[]> {
  const rows: KvRow[] = [];
  const states: SnapshotSourceState[] = [];
  const items = planFetchDay(deps.config, day, { instances: [instance] });
  const has = (kind: string) => items.some((i) => i.kind === kind);
  // The day's manifest names its observation; one from before observations had keys is read as an
  // observation taken at its fetchedAt (read-compat, see SourceRecorder.keptObservation).
  const observationOf = async (d: string, source: string) => {
    const m = await readManifest(deps, rawManifestKey(instance, d, source));
    if (!m || m.unavailable || m.error || !m.complete || m.pages.length === 0) return undefined;
    const observedAt = m.observation?.observedAt ?? m.fetchedAt;
    return {
      m,
      observedAtMs: Date.parse(observedAt),
      firstFetchedMs: Date.parse(m.observation?.firstFetchedAt ?? m.fetchedAt),
      inWindow: inSnapshotWindow(d, observedAt),
    };
  };
  const bodyOf = async (m: SourceManifest): Promise<unknown> => {
    const texts = await Promise.all(m.pages.map((p) => getText(deps.s3, deps.bucket, p.key)));
    const arrays = texts.filter((t): t is string => t !== undefined).map((t) => JSON.parse(t) as unknown);
    return arrays.every(Array.isArray) ? (arrays as unknown[][]).flat() : arrays[0];
  };
  const profileOf = (p: NonNullable<SourceManifest['profile']>): TrackedProfile => ({
    acct: p.acct,
    followersCount: p.followersCount,
    followingCount: p.followingCount,
    statusesCount: p.statusesCount,
  });
  const notObserved = (source: string, o: { firstFetchedMs: number }): SnapshotSourceState => ({
    source,
    state: 'not-observed',
    firstFetchedMs: o.firstFetchedMs,
  });

  if (has('account')) {
    const today: TrackedProfile[] = [];
    const previous: TrackedProfile[] = [];
    for (const it of items.filter((i) => i.kind === 'account')) {
      const o = await observationOf(day, it.source);
      if (o?.m.profile) {
        const source = `account:${(accountKey ?? ((a: string) => a))(o.m.profile.acct)}`;
        if (o.inWindow) {
          today.push(profileOf(o.m.profile));
          states.push({ source, state: 'observed', observedAtMs: o.observedAtMs });
        } else states.push(notObserved(source, o));
      }
      const before = await observationOf(addDays(day, -1), it.source);
      if (before?.inWindow && before.m.profile) previous.push(profileOf(before.m.profile));
    }
    rows.push(...trackedAccountRows(today, previous, accountKey));
  }
  if (has('activity')) {
    const o = await observationOf(day, 'activity');
    const weeks = o ? InstanceActivityWeek.array().safeParse(await bodyOf(o.m)) : undefined;
    if (o && weeks?.success) {
      const kept = o.inWindow ? weeks.data : weeksFinalBy(day, o.observedAtMs, weeks.data);
      rows.push(...instanceActivityRows(kept));
      if (o.inWindow) states.push({ source: 'activity', state: 'observed', observedAtMs: o.observedAtMs });
      else if (kept.length > 0)
        states.push({ source: 'activity', state: 'from-history', observedAtMs: o.observedAtMs });
      else states.push(notObserved('activity', o));
    }
  }
  if (has('peers')) {
    const o = await observationOf(day, 'peers');
    const peers = o ? InstancePeers.safeParse(await bodyOf(o.m)) : undefined;
    if (o && peers?.success) {
      if (o.inWindow) {
        rows.push(...peersCountRows(peers.data));
        states.push({ source: 'peers', state: 'observed', observedAtMs: o.observedAtMs });
      } else states.push(notObserved('peers', o));
    }
  }
  if (has('trends')) {
    const o = await observationOf(day, 'trends');
    const tags = o ? TrendTag.array().safeParse(await bodyOf(o.m)) : undefined;
    if (o && tags?.success) {
      if (o.inWindow) {
        rows.push(...trendingTagRows(tags.data));
        states.push({ source: 'trends', state: 'observed', observedAtMs: o.observedAtMs });
      } else {
        // A rank is a fact of the moment observed; only the ended days of each tag's history fill the day.
        const history = trendingTagRows(trendHistoryFor(day, o.observedAtMs, tags.data)).filter(
          (r) => r.metric !== 'trending_tag_rank',
        );
        rows.push(...history);
        states.push(
          history.length > 0
            ? { source: 'trends', state: 'from-history', observedAtMs: o.observedAtMs }
            : notObserved('trends', o),
        );
      }
    }
  }
  rows.push(...snapshotStatusRows(states));
  return rows;
}
