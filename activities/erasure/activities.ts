import { heartbeat, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { DuckDBConnection } from '@duckdb/node-api';
import { z } from 'zod';
import { DayRef, ErasureLogEntry, ForgetInput } from '../../domain/erasure';
import { FAILURE_TYPES, parseOrFail } from '../../domain/failures';
import { derivedDayPrefixes, erasureLogKey, postersSeenPrefix, safeSegment } from '../../domain/keys';
import { addDays } from '../../domain/logical-date';
import { CHART_DAYS } from '../report/activities';
import type { KvRow } from '../../domain/metrics';
import type { ActivityDeps } from '../deps';
import { putJson } from '../mastodon/raw-store';
import { getJson, getText, putText } from '../aggregate/s3-json';
import { compactStore, withConnection, withTransaction } from '../store/duckdb-store';
import { ensureLoadLogSchema, LABELS_TABLE } from '../store/load-log';
import { ensureMetricsSchema, METRICS_TABLE } from '../store/metrics-store';
import { childPrefixes, deleteKeys, keyPagesUnder } from '../store/s3-listing';
import { AccountRows } from './account-rows';
import { rewriteDayParquet } from './results-parquet';
import { localDomains, trackedAt } from './tracked';
import { ErasureMatcher, erasureSecret } from './erasure-hash';
import { addToErasureList } from './erasure-list';
import { scrubRawDay, type RawDayScrub } from './scrub-raw';

// The activities behind `mastoflow forget` (workflows/forget.ts). Inputs and results are hashes,
// instance names, days and counts: the account's name is never in them. The account is
// recognised inside each activity by hashing the accts it reads (erasure-hash.ts).

/** The DAG whose derived objects and rows an erasure rewrites. */
export const ERASED_DAG = 'mastodon_daily';

export const ERASURE_MARKS_TABLE = 'erasure_marks';
export const ERASURE_LOG_TABLE = 'erasure_log';

function secretOf(deps: ActivityDeps): string {
  const s = erasureSecret(deps.env, deps.config.privacy);
  if (!s.value)
    throw ApplicationFailure.nonRetryable(
      `forget needs the erasure secret: ${s.variable} (privacy.keyEnv) is not set in the worker's environment`,
      FAILURE_TYPES.missingPseudonymKey,
    );
  return s.value;
}

function matcherFor(deps: ActivityDeps, hash: string): ErasureMatcher {
  return new ErasureMatcher(new Set([hash]), secretOf(deps));
}

const ByHash = ForgetInput.pick({ accountHash: true, reason: true });
const ScrubRawInput = ByHash.extend({ ...DayRef.shape, at: z.string().min(1) });

/** Strings in a JSON value that could be an acct, checked against the matcher. */
function mentionsAccount(value: unknown, matcher: ErasureMatcher, domains: readonly string[]): boolean {
  if (typeof value === 'string')
    return (
      value.length < 200 && /^@?[a-z0-9_.-]+(@[a-z0-9.-]+)?$/i.test(value) && matcher.matches(value, undefined, domains)
    );
  if (Array.isArray(value)) return value.some((v) => mentionsAccount(v, matcher, domains));
  if (typeof value === 'object' && value !== null) {
    const o = value as Record<string, unknown>;
    if ('acct' in o && matcher.matchesAccount(o, domains)) return true;
    return Object.values(o).some((v) => mentionsAccount(v, matcher, domains));
  }
  return false;
}

export function createErasureActivities(deps: ActivityDeps) {
  return {
    /**
     * Refuses an account the config tracks, puts the hash on the erasure list (from then on every
     * fetch and map drops the account), and lists the (instance, day)s whose raw is kept.
     */
    async forgetBegin(raw: unknown): Promise<{ rawDays: DayRef[] }> {
      const input = parseOrFail(ByHash, raw, 'forgetBegin: bad input');
      const secret = secretOf(deps);
      const where = trackedAt(deps.config, secret, input.accountHash);
      if (where)
        throw ApplicationFailure.nonRetryable(
          `the config still tracks this account (${where}): remove it from the config before erasing it`,
          FAILURE_TYPES.invalidInput,
        );
      await addToErasureList(deps.s3, deps.bucket, {
        accountHash: input.accountHash,
        addedAt: new Date().toISOString(),
        reason: input.reason,
      });
      const byPrefix = new Map(deps.config.instances.map((i) => [`raw/v1/instance=${safeSegment(i.name)}/`, i.name]));
      const rawDays: DayRef[] = [];
      for (const instPrefix of await childPrefixes(deps.s3, deps.bucket, 'raw/v1/')) {
        const instance = byPrefix.get(instPrefix);
        if (instance === undefined) {
          log.warn(`forget: raw objects under ${instPrefix} belong to no configured instance; not rewritten`);
          continue;
        }
        for (const dayPrefix of await childPrefixes(deps.s3, deps.bucket, instPrefix)) {
          const day = /\/date=(\d{4}-\d{2}-\d{2})\/$/.exec(dayPrefix)?.[1];
          if (day) rawDays.push({ instance, day });
        }
      }
      return { rawDays };
    },

    /** Rewrites one (instance, day)'s raw objects without the account (scrub-raw.ts). */
    async forgetScrubRawDay(raw: unknown): Promise<RawDayScrub> {
      const input = parseOrFail(ScrubRawInput, raw, 'forgetScrubRawDay: bad input');
      const matcher = matcherFor(deps, input.accountHash);
      return scrubRawDay(
        deps.s3,
        deps.bucket,
        matcher,
        {
          instance: input.instance,
          day: input.day,
          domains: localDomains(deps.config, input.instance),
          accountHash: input.accountHash,
          reason: input.reason,
          at: input.at,
        },
        () => heartbeat(),
      );
    },

    /**
     * The daily reports (reports/<instance>/<day>/) whose 30 days of charts and dashboard reach a
     * touched day: their objects are deleted here, and the workflow writes them again from the
     * store. Reports already sent (webhook) are out of reach.
     */
    async forgetReportDays(raw: unknown): Promise<{ days: DayRef[] }> {
      const touched = parseOrFail(z.strictObject({ days: DayRef.array() }), raw, 'forgetReportDays: bad input').days;
      const byPrefix = new Map(deps.config.instances.map((i) => [`reports/${safeSegment(i.name)}/`, i.name]));
      const out: DayRef[] = [];
      for (const instPrefix of await childPrefixes(deps.s3, deps.bucket, 'reports/')) {
        const instance = byPrefix.get(instPrefix);
        if (instance === undefined) continue;
        const days = touched.filter((d) => d.instance === instance).map((d) => d.day);
        if (days.length === 0) continue;
        for (const dayPrefix of await childPrefixes(deps.s3, deps.bucket, instPrefix)) {
          const day = /\/(\d{4}-\d{2}-\d{2})\/$/.exec(dayPrefix)?.[1];
          if (!day || !days.some((t) => t <= day && day <= addDays(t, CHART_DAYS - 1))) continue;
          for await (const keys of keyPagesUnder(deps.s3, deps.bucket, dayPrefix))
            await deleteKeys(deps.s3, deps.bucket, keys);
          out.push({ instance, day });
        }
      }
      return { days: out };
    },

    /** Before a day is aggregated again: its map partials, quarantine and reduced rows go (stale parts too). */
    async forgetClearDerivedDay(raw: unknown): Promise<{ deleted: number }> {
      const d = parseOrFail(DayRef, raw, 'forgetClearDerivedDay: bad input');
      let deleted = 0;
      for (const prefix of derivedDayPrefixes(ERASED_DAG, d.day, d.instance))
        for await (const keys of keyPagesUnder(deps.s3, deps.bucket, prefix)) {
          await deleteKeys(deps.s3, deps.bucket, keys);
          deleted += keys.length;
        }
      return { deleted };
    },

    /**
     * A day whose raw is purged: map partials and quarantine that name the account are deleted
     * (they cannot be rebuilt, and reduce no longer runs for the day), and its reduced rows lose
     * the account-level rows of the account.
     */
    async forgetScrubPurgedDerived(raw: unknown): Promise<{ deleted: number; rowsRemoved: number }> {
      const input = parseOrFail(
        ForgetInput.pick({ accountHash: true, rowKeys: true }).extend(DayRef.shape),
        raw,
        'forgetScrubPurgedDerived: bad input',
      );
      const matcher = matcherFor(deps, input.accountHash);
      const domains = localDomains(deps.config, input.instance);
      const [mapped, quarantine, reduced] = derivedDayPrefixes(ERASED_DAG, input.day, input.instance) as [
        string,
        string,
        string,
      ];
      let deleted = 0;
      for (const prefix of [mapped, quarantine])
        for await (const keys of keyPagesUnder(deps.s3, deps.bucket, prefix)) {
          const doomed: string[] = [];
          for (const key of keys) {
            heartbeat();
            const lines = key.endsWith('.jsonl')
              ? await readLines(deps, key)
              : [await getJson<unknown>(deps.s3, deps.bucket, key)];
            if (lines.some((v) => mentionsAccount(v, matcher, domains))) doomed.push(key);
          }
          await deleteKeys(deps.s3, deps.bucket, doomed);
          deleted += doomed.length;
        }
      let rowsRemoved = 0;
      const rows = new AccountRows(matcher, input.rowKeys, (i) => localDomains(deps.config, i));
      for await (const keys of keyPagesUnder(deps.s3, deps.bucket, reduced))
        for (const key of keys) {
          const kv = await getJson<KvRow[]>(deps.s3, deps.bucket, key);
          if (!Array.isArray(kv)) continue;
          const kept = kv.filter(
            (r) =>
              !rows.keyMatches(input.instance, r.metric, r.key) &&
              !Object.entries(r.labels ?? {}).some(([n, l]) => rows.labelMatches(r.metric, n, l)),
          );
          if (kept.length === kv.length) continue;
          rowsRemoved += kv.length - kept.length;
          await putText(deps.s3, deps.bucket, key, JSON.stringify(kept));
        }
      return { deleted, rowsRemoved };
    },

    /**
     * The poster sets behind first-seen accounts (activities/aggregate/posters-seen.ts) lose the
     * account on every day: a re-aggregated day's reduce wrote its set again already, but a day
     * whose raw is purged, or that mapped nothing, keeps its last set, which may name it.
     */
    async forgetScrubPosterSets(raw: unknown): Promise<{ setsRewritten: number }> {
      const input = parseOrFail(
        ForgetInput.pick({ accountHash: true, rowKeys: true }),
        raw,
        'forgetScrubPosterSets: bad input',
      );
      const rows = new AccountRows(matcherFor(deps, input.accountHash), input.rowKeys, (i) =>
        localDomains(deps.config, i),
      );
      const bySegment = new Map(deps.config.instances.map((i) => [safeSegment(i.name), i.name]));
      let setsRewritten = 0;
      for await (const keys of keyPagesUnder(deps.s3, deps.bucket, postersSeenPrefix(ERASED_DAG)))
        for (const key of keys) {
          heartbeat();
          const instance = bySegment.get(/\/instance=([^/]+)\/posters\.json$/.exec(key)?.[1] ?? '');
          if (instance === undefined) continue;
          const set = await getJson<string[]>(deps.s3, deps.bucket, key);
          if (!Array.isArray(set)) continue;
          const kept = set.filter((k) => !rows.isAccountKey(instance, k));
          if (kept.length === set.length) continue;
          await putText(deps.s3, deps.bucket, key, JSON.stringify(kept));
          setsRewritten++;
        }
      return { setsRewritten };
    },
  };
}

async function readLines(deps: ActivityDeps, key: string): Promise<unknown[]> {
  const text = (await getText(deps.s3, deps.bucket, key)) ?? '';
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      try {
        return JSON.parse(l) as unknown;
      } catch {
        return l;
      }
    });
}

const StoreInput = ForgetInput.extend({
  startedAt: z.string().min(1),
  reaggregated: DayRef.array(),
  statusesRemoved: ErasureLogEntry.shape.statusesRemoved,
  objectsRewritten: ErasureLogEntry.shape.objectsRewritten,
  objectsDeleted: ErasureLogEntry.shape.objectsDeleted,
});

async function ensureErasureSchema(conn: DuckDBConnection): Promise<void> {
  await conn.run(`CREATE TABLE IF NOT EXISTS ${ERASURE_MARKS_TABLE} (
    instance  VARCHAR   NOT NULL,
    day       DATE      NOT NULL,
    marked_at TIMESTAMP NOT NULL,
    reason    VARCHAR   NOT NULL
  )`);
  await conn.run(`CREATE TABLE IF NOT EXISTS ${ERASURE_LOG_TABLE} (
    account_hash      VARCHAR   NOT NULL,
    reason            VARCHAR   NOT NULL,
    started_at        TIMESTAMP NOT NULL,
    finished_at       TIMESTAMP NOT NULL,
    days_reaggregated INTEGER   NOT NULL,
    days_marked       INTEGER   NOT NULL,
    statuses_removed  INTEGER   NOT NULL,
    rows_deleted      INTEGER   NOT NULL,
    days              VARCHAR   NOT NULL
  )`);
}

export function createErasureStoreActivities(deps: ActivityDeps) {
  return {
    /** The (instance, day) partitions the store holds. */
    async forgetStoreDays(): Promise<{ days: DayRef[] }> {
      const rows = await withConnection(deps.duckdbPath, async (conn) => {
        await ensureMetricsSchema(conn);
        return (
          await conn.runAndReadAll(
            `SELECT DISTINCT instance, strftime(day, '%Y-%m-%d') FROM ${METRICS_TABLE} ORDER BY 1, 2`,
          )
        ).getRows();
      });
      return { days: rows.map((r) => ({ instance: String(r[0]), day: String(r[1]) })) };
    },

    /**
     * The end of an erasure: the account's account-level rows leave every day that was not
     * re-aggregated (whose raw is purged), those days are marked (their totals still include the
     * account), the log gets its entry (table and S3), the file is checkpointed so deleted bytes
     * leave it, and every touched day's Parquet results are written again (stale ones removed).
     */
    async forgetStoreFinish(
      raw: unknown,
    ): Promise<{ rowsDeleted: number; purgedDaysMarked: DayRef[]; logKey: string }> {
      const input = parseOrFail(StoreInput, raw, 'forgetStoreFinish: bad input');
      const matcher = matcherFor(deps, input.accountHash);
      const rows = new AccountRows(matcher, input.rowKeys, (i) => localDomains(deps.config, i));
      const reagg = new Set(input.reaggregated.map((d) => `${d.instance}#${d.day}`));
      const finishedAt = new Date().toISOString();
      const out = await withTransaction(deps.duckdbPath, async (conn) => {
        await ensureMetricsSchema(conn);
        await ensureLoadLogSchema(conn);
        await ensureErasureSchema(conn);
        const q = async (sql: string, params: string[] = []) => (await conn.runAndReadAll(sql, params)).getRows();
        type Hit = { instance: string; day: string; metric: string; key: string };
        const hits: Hit[] = [];
        for (const r of await q(
          `SELECT DISTINCT instance, strftime(day, '%Y-%m-%d'), metric, key FROM ${METRICS_TABLE}`,
        )) {
          const [instance, day, metric, key] = r.map(String) as [string, string, string, string];
          if (rows.keyMatches(instance, metric, key)) hits.push({ instance, day, metric, key });
        }
        for (const r of await q(
          `SELECT DISTINCT instance, strftime(day, '%Y-%m-%d'), metric, key, label_name, label FROM ${LABELS_TABLE}`,
        )) {
          const [instance, day, metric, key, name, label] = r.map(String) as [
            string,
            string,
            string,
            string,
            string,
            string,
          ];
          if (rows.labelMatches(metric, name, label)) hits.push({ instance, day, metric, key });
        }
        let rowsDeleted = 0;
        for (const h of hits) {
          const params = [h.instance, h.day, h.metric, h.key];
          const where = `instance = $1 AND day = $2::DATE AND metric = $3 AND key = $4`;
          rowsDeleted += Number((await conn.run(`DELETE FROM ${METRICS_TABLE} WHERE ${where}`, params)).rowsChanged);
          await conn.run(`DELETE FROM ${LABELS_TABLE} WHERE ${where}`, params);
        }
        const touched = new Map<string, DayRef>();
        for (const h of hits) touched.set(`${h.instance}#${h.day}`, { instance: h.instance, day: h.day });
        const purgedDaysMarked = [...touched.entries()].filter(([k]) => !reagg.has(k)).map(([, d]) => d);
        for (const d of purgedDaysMarked)
          await conn.run(`INSERT INTO ${ERASURE_MARKS_TABLE} VALUES ($1, $2::DATE, $3::TIMESTAMP, $4)`, [
            d.instance,
            d.day,
            finishedAt,
            input.reason,
          ]);
        const entry = ErasureLogEntry.parse({
          accountHash: input.accountHash,
          reason: input.reason,
          startedAt: input.startedAt,
          finishedAt,
          reaggregated: input.reaggregated,
          purgedDaysMarked,
          statusesRemoved: input.statusesRemoved,
          objectsRewritten: input.objectsRewritten,
          objectsDeleted: input.objectsDeleted,
          rowsDeleted,
        });
        await conn.run(
          `INSERT INTO ${ERASURE_LOG_TABLE} VALUES ($1, $2, $3::TIMESTAMP, $4::TIMESTAMP, $5::INTEGER, $6::INTEGER, $7::INTEGER, $8::INTEGER, $9)`,
          [
            entry.accountHash,
            entry.reason,
            entry.startedAt,
            entry.finishedAt,
            String(entry.reaggregated.length),
            String(entry.purgedDaysMarked.length),
            String(entry.statusesRemoved),
            String(entry.rowsDeleted),
            JSON.stringify({ reaggregated: entry.reaggregated, marked: entry.purgedDaysMarked }),
          ],
        );
        return { entry, touched: [...touched.values()] };
      });
      // A checkpoint alone leaves deleted rows' bytes in freed blocks: the file is rewritten.
      const compacted = await compactStore(deps.duckdbPath);
      log.info(`forget: store checkpointed and compacted, ${compacted.bytesBefore} → ${compacted.bytesAfter} bytes`);
      const days = new Map<string, DayRef>();
      for (const d of [...out.touched, ...input.reaggregated]) days.set(`${d.instance}#${d.day}`, d);
      for (const d of days.values()) {
        heartbeat();
        await rewriteDayParquet(deps, d);
      }
      const logKey = erasureLogKey(finishedAt, input.accountHash);
      await putJson(deps.s3, deps.bucket, logKey, out.entry);
      return { rowsDeleted: out.entry.rowsDeleted, purgedDaysMarked: out.entry.purgedDaysMarked, logKey };
    },
  };
}
