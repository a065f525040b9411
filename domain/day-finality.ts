// Is a day's partition final? The run of day D fetches and loads D; the run of D+1 with a
// look-back of at least one day re-reads D's pages plus D+1's (late-federated posts created on D
// get IDs hours into D+1) and reloads D. Until that happened, posts may still be added to D.
// With `lookbackDays` 0 no later run re-reads a day: it stays as first loaded, late posts missed.
//
// One rule, from what the load activity records (the `loads` table), used by the report, the API
// and `mastoflow status` alike.
import { addDays } from './logical-date';

/** One load of an (instance, day) partition, as recorded by the load activity. */
export interface LoadRecord {
  runId: string;
  /** Logical date (YYYY-MM-DD) of the run that loaded the partition. */
  runLogicalDate: string;
  /** The look-back that run used. */
  lookbackDays: number;
  /** ISO time of the load. */
  loadedAt: string;
}

export type DayFinalityState = 'final' | 'provisional' | 'never-reread' | 'unknown';

export interface DayFinality {
  state: DayFinalityState;
  /** One sentence for people: why. */
  reason: string;
  /** The load that made the day final, when it is. */
  rereadBy?: LoadRecord;
}

/**
 * `loads`: every load recorded for the (instance, day); `lookbackDays`: the look-back scheduled
 * runs use now (config `schedule.lookbackDays`), which says whether a later run will re-read it.
 */
export function dayFinality(day: string, loads: readonly LoadRecord[], lookbackDays: number): DayFinality {
  if (loads.length === 0)
    return { state: 'unknown', reason: 'no load recorded for this day (loaded before loads were recorded?)' };
  // A later run that loaded the day re-read it with its look-back (the load of D by the run of
  // D+k happens only when that run's look-back reaches D). The earliest such load decides.
  const rereads = loads
    .filter((l) => l.runLogicalDate > day)
    .sort((a, b) => (a.runLogicalDate < b.runLogicalDate ? -1 : a.runLogicalDate > b.runLogicalDate ? 1 : 0));
  const by = rereads[0];
  if (by)
    return {
      state: 'final',
      reason: `final: re-read by the run of ${by.runLogicalDate} (look-back ${by.lookbackDays})`,
      rereadBy: by,
    };
  if (lookbackDays <= 0)
    return {
      state: 'never-reread',
      reason: 'never re-read (lookbackDays 0): posts federated after the fetch are missing',
    };
  return {
    state: 'provisional',
    reason: `provisional: the run of ${addDays(day, 1)} re-reads it; late-federated posts may still be added`,
  };
}

/** Short label for tables and reports. */
export function finalityLabel(f: DayFinality): string {
  return f.state === 'never-reread' ? 'never re-read' : f.state;
}

/** `final 2026-03-01..2026-03-03 · provisional 2026-03-04`: consecutive days of one state as ranges. */
export function summarizeFinality(days: ReadonlyArray<{ day: string; finality: DayFinality }>): string {
  const runs: Array<{ label: string; first: string; last: string }> = [];
  for (const { day, finality } of [...days].sort((a, b) => (a.day < b.day ? -1 : 1))) {
    const label = finalityLabel(finality);
    const prev = runs[runs.length - 1];
    if (prev && prev.label === label && addDays(prev.last, 1) === day) prev.last = day;
    else runs.push({ label, first: day, last: day });
  }
  return runs.map((r) => `${r.label} ${r.first === r.last ? r.first : `${r.first}..${r.last}`}`).join(' · ');
}
