import { ActivityFailure, ApplicationFailure, proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { z } from 'zod';
import type { Activities } from '../activities';
import { FAILURE_TYPES, parseOrFail } from '../domain/failures';
import { fetchItemLabel, type FetchItem } from '../domain/fetch-plan';
import { FetchDayInput, type FetchDayFailure, type FetchDayItemResult, type FetchDayResult } from './contracts';

// fetchDay: every enabled fetcher of every configured instance (or the ones named) for one UTC
// day, as activities in parallel (at most `concurrency` in flight; each instance's requests are
// paced by the worker's rate limiter anyway). The standalone form of the fetch tasks of the
// mastodon_daily DAG, used by tests and the ingest benchmark.
//
// The plan comes from an activity because the config lives in the worker, not in the workflow.
// Inputs and results carry names, days, S3 keys and counts; tokens never appear (they are read
// inside the activities). A fetch that fails for good (a 4xx other than a closed feed, or
// retries exhausted) is listed in `failed` and the others still run: one vanished account must
// not cost the day's timelines.

export async function fetchDay(raw: unknown): Promise<FetchDayResult> {
  const input = parseOrFail(FetchDayInput, raw ?? {}, 'bad fetchDay input');
  const { planFetchDay } = proxyActivities<Activities>({
    startToCloseTimeout: '30s',
    retry: { maximumAttempts: 3 },
    summary: `plan fetch ${input.logicalDate}`,
  });
  const { items } = await planFetchDay({
    day: input.logicalDate,
    lookbackDays: input.lookbackDays,
    ...(input.instances ? { instances: input.instances } : {}),
  });

  const results: FetchDayItemResult[] = [];
  const failed: FetchDayFailure[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!;
      try {
        const r = await runItem(item, input);
        results.push({ instance: item.instance, day: item.day, source: item.source, ...r });
      } catch (err) {
        const cause = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause : undefined;
        failed.push({
          instance: item.instance,
          day: item.day,
          source: item.source,
          manifestKey: item.manifestKey,
          message: cause?.message ?? (err instanceof Error ? err.message : String(err)),
          ...(cause?.type ? { type: cause.type } : {}),
        });
      }
      setCurrentDetails(
        `fetched ${results.length + failed.length} of ${items.length} sources (${failed.length} failed)`,
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(input.concurrency, items.length) }, worker));

  const order = (a: { instance: string; day: string; source: string }, b: typeof a) =>
    `${a.instance}\u0000${a.day}\u0000${a.source}` < `${b.instance}\u0000${b.day}\u0000${b.source}` ? -1 : 1;
  results.sort(order);
  failed.sort(order);
  return {
    logicalDate: input.logicalDate,
    results,
    failed,
    totals: {
      sources: items.length,
      pages: results.reduce((n, r) => n + r.pages, 0),
      statusesInWindow: results.reduce((n, r) => n + r.statusesInWindow, 0),
      unavailable: results.filter((r) => r.unavailable).length,
      failed: failed.length,
    },
  };
}

function runItem(item: FetchItem, input: z.output<typeof FetchDayInput>) {
  const acts = proxyActivities<Activities>({
    activityId: `${item.instance}/${item.day}/${item.source}`,
    summary: `fetch ${fetchItemLabel(item)}`,
    // A day at Mastodon's paging limit (300 pages / 15 min) can take hours; the heartbeat
    // timeout, not this, notices a dead worker.
    startToCloseTimeout: '12h',
    heartbeatTimeout: input.heartbeatTimeoutMs,
    retry: {
      initialInterval: input.initialRetryMs,
      backoffCoefficient: 2,
      maximumInterval: Math.max(input.maxRetryIntervalMs, input.initialRetryMs),
      maximumAttempts: input.maximumAttempts,
      nonRetryableErrorTypes: [FAILURE_TYPES.mastodonClient, FAILURE_TYPES.invalidInput, FAILURE_TYPES.unknownInstance],
    },
  });
  const base = { instance: item.instance, day: item.day };
  const knobs = {
    ...(input.pageLimit !== undefined ? { pageLimit: input.pageLimit } : {}),
    ...(input.marginMs !== undefined ? { marginMs: input.marginMs } : {}),
    ...(input.httpTimeoutMs !== undefined ? { httpTimeoutMs: input.httpTimeoutMs } : {}),
  };
  const list = {
    ...base,
    ...(input.httpTimeoutMs !== undefined ? { httpTimeoutMs: input.httpTimeoutMs } : {}),
    ...(input.maxPages !== undefined ? { maxPages: input.maxPages } : {}),
  };
  switch (item.kind) {
    case 'public-timeline':
      return acts.fetchPublicTimeline({ ...base, ...knobs, scope: item.scope ?? 'local' });
    case 'tag-timeline':
      return acts.fetchTagTimeline({ ...base, ...knobs, tag: item.tag ?? '' });
    case 'account':
      return acts.fetchAccount({ ...base, ...knobs, acct: item.acct ?? '' });
    case 'instance':
      return acts.fetchInstanceInfo({
        ...base,
        ...(input.httpTimeoutMs !== undefined ? { httpTimeoutMs: input.httpTimeoutMs } : {}),
      });
    case 'activity':
      return acts.fetchInstanceActivity(list);
    case 'peers':
      return acts.fetchInstancePeers(list);
    case 'trends':
      return acts.fetchTrendTags(list);
    case 'directory':
      return acts.fetchDirectory(list);
  }
}
