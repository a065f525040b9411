import type { S3Client } from '@aws-sdk/client-s3';
import { postersSeenKey, mappedInstancePartKey } from '../../domain/keys';
import { partialFromJson } from '../../domain/metrics';
import { type EarlierPosters, firstSeenLookback } from '../../domain/metrics/new-accounts';
import { getJson, getText, putText } from './s3-json';

// The account sets behind first-seen accounts (domain/metrics/new-accounts.ts): every reduce
// writes the day's posters under postersSeenKey, and the reduce of day D compares D's posters
// with those of the 28 days before it (FIRST_SEEN_LOOKBACK_DAYS).
//
// A run re-aggregates several days at once (the look-back of late posts), and their reduces run
// concurrently: the reduce of D must not read the set of an earlier day D' that this same run is
// rewriting (it would get the old or the new one depending on timing). For such days it reads
// this run's map parts of D' instead (written before any reduce starts), i.e. exactly the set the
// reduce of D' is writing. So a run's answer depends only on the data of the days before D, never
// on the order of its reduces. (Two runs of neighbouring days running at the same time, as a
// backfill with --max-active > 1 allows, can still see each other's half-done days; the default
// backfill runs days one after the other, oldest first.)
//
// Privacy: with privacy.pseudonymise the sets hold the accounts' keyed hashes (the same key as
// account-level rows), so no object of this kind names an account; membership is tested on the
// hash. Changing the key (or turning pseudonymisation on or off) makes the days before look
// unseen: every poster is then first-seen for up to 28 days.

/** A day of the same run and instance, older than the reduced one, with its map parts. */
export interface RunDay {
  day: string;
  parts: number;
}

interface Store {
  s3: S3Client;
  bucket: string;
}

/** The posters of a day from this run's map parts (undefined when the run mapped nothing for it). */
async function postersFromParts(
  deps: Store,
  dagId: string,
  instance: string,
  runDay: RunDay,
  keyOf: (acct: string) => string,
): Promise<string[] | undefined> {
  if (runDay.parts === 0) return undefined;
  const out = new Set<string>();
  for (let i = 1; i <= runDay.parts; i++) {
    const key = mappedInstancePartKey(dagId, runDay.day, instance, i);
    const text = await getText(deps.s3, deps.bucket, key);
    if (text === undefined) throw new Error(`mapped part ${key} is missing`);
    const p = partialFromJson(text);
    const accts = p.partials.newAccounts?.accts;
    if (!accts) throw new Error(`mapped part ${key} has no newAccounts partial`);
    for (const a of accts) out.add(keyOf(a));
  }
  return [...out];
}

/** The posters of the look-back days of `day`, from the stored sets or this run's parts. */
export async function earlierPosters(
  deps: Store,
  dagId: string,
  instance: string,
  day: string,
  runDays: readonly RunDay[],
  keyOf: (acct: string) => string = (a) => a,
): Promise<EarlierPosters> {
  const seen = new Set<string>();
  let lookbackDays = 0;
  for (const d of firstSeenLookback(day)) {
    const inRun = runDays.find((r) => r.day === d);
    const fromRun = inRun ? await postersFromParts(deps, dagId, instance, inRun, keyOf) : undefined;
    const accts = fromRun ?? (await getJson<string[]>(deps.s3, deps.bucket, postersSeenKey(dagId, d, instance)));
    if (accts === undefined) continue;
    lookbackDays++;
    for (const a of accts) seen.add(a);
  }
  return { lookbackDays, has: (acct) => seen.has(keyOf(acct)) };
}

/**
 * Stores the day's posters. A day without statuses mapped (nothing fetched, or its raw already
 * purged) keeps the set of its last aggregation that had some: those accounts were seen.
 */
export async function storePosters(
  deps: Store,
  dagId: string,
  instance: string,
  day: string,
  accts: readonly string[] | undefined,
  parts: number,
  keyOf: (acct: string) => string = (a) => a,
): Promise<void> {
  if (parts === 0 || accts === undefined) return;
  const keys = accts.map(keyOf).sort();
  await putText(deps.s3, deps.bucket, postersSeenKey(dagId, day, instance), JSON.stringify(keys));
}
