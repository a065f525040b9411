// Snapshot status (a snapshot family): for each snapshot a day's metrics come from, whether the
// day was observed in its own window, filled from the history a later observation carried, or
// not observed at all (its metrics absent) — with the time of that observation, so the views and
// the report can say "not observed: first fetched 2026-12-02" instead of showing a gap silently.
// See domain/snapshot-observation.ts for the window.
import type { SnapshotState } from '../snapshot-observation';
import type { FamilyDeclaration, KvRow } from './types';

/** One snapshot source of a day: `account:<account key>`, `activity`, `peers`, `trends`. */
export type SnapshotSourceState = SnapshotState & { source: string };

export const snapshotStatus: FamilyDeclaration = {
  name: 'snapshot_status',
  metrics: [
    {
      metric: 'snapshot_status',
      key: '<source>#<state>: source account:<account key> | activity | peers | trends; state observed | from-history | not-observed',
      value:
        'Unix seconds: of the observation from the day’s window (observed), of the later observation whose history filled the day (from-history), of the first fetch, outside the window (not-observed)',
      accountLevel: false,
    },
  ],
  views: [
    {
      name: 'v_snapshot_observations',
      description: 'per day and snapshot source: its state and the observation time behind v_snapshot_status',
      columns: [
        { name: 'source', type: 'VARCHAR', label: 'Snapshot' },
        { name: 'state', type: 'VARCHAR', label: 'State' },
        { name: 'at_s', type: 'BIGINT', label: 'Observed (Unix s)' },
      ],
      accountLevel: false,
      // No chart: times of observations, read as a table (v_snapshot_status says it in words).
      source: { kind: 'rows', metric: 'snapshot_status', key: ['source', 'state'], value: 'at_s' },
    },
    {
      name: 'v_snapshot_status',
      description: 'per day and snapshot source: observed, from_history or not_observed, when, and the reason why',
      columns: [
        { name: 'source', type: 'VARCHAR', label: 'Snapshot' },
        { name: 'status', type: 'VARCHAR', label: 'Status' },
        { name: 'observed_at', type: 'TIMESTAMP', label: 'Observed at' },
        { name: 'reason', type: 'VARCHAR', label: 'Reason' },
      ],
      accountLevel: false,
      // No chart: a status per day, read as a table (gaps show as gaps in the other charts).
      source: {
        kind: 'sql',
        reads: ['v_snapshot_observations'],
        select: `SELECT instance, day, source, replace(state, '-', '_') AS status,
      make_timestamp(at_s * 1000000) AS observed_at,
      CASE WHEN state = 'observed' THEN NULL
           WHEN state = 'from-history' THEN 'not observed; filled from the history the instance reported on '
             || strftime(make_timestamp(at_s * 1000000), '%Y-%m-%d')
           WHEN at_s < epoch(day + INTERVAL 1 DAY) THEN 'not observed: only fetched before the day ended ('
             || strftime(make_timestamp(at_s * 1000000), '%Y-%m-%dT%H:%M:%SZ') || ')'
           ELSE 'not observed: first fetched ' || strftime(make_timestamp(at_s * 1000000), '%Y-%m-%d') END AS reason
    FROM v_snapshot_observations`,
      },
    },
  ],
};

/** One row per snapshot source: the key says the source and state, the value the time (Unix seconds). */
export function snapshotStatusRows(states: readonly SnapshotSourceState[]): KvRow[] {
  return states.map((s) => ({
    metric: 'snapshot_status',
    key: `${s.source}#${s.state}`,
    value: Math.floor((s.state === 'not-observed' ? s.firstFetchedMs : s.observedAtMs) / 1000),
  }));
}
