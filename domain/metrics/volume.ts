// Toots per UTC day and per UTC hour of created_at. Keyed by the timestamp itself (not "hour of
// the window") so the rows stay right even if a partial spans more than one day.
import { byKey, mergeCounts, type Counts } from './records';
import type { KvRow, MetricFamily } from './types';

const HOUR_MS = 3_600_000;

export interface VolumePartial {
  /** `YYYY-MM-DDTHH` (UTC) -> toots. */
  byHour: Counts;
}

/** Accumulated by hour number since the epoch: integer keys hash faster than strings. */
type Acc = Map<number, number>;

export const volume: MetricFamily<Acc, VolumePartial> = {
  name: 'volume',
  metrics: [
    { metric: 'toots_per_day', key: 'YYYY-MM-DD (UTC day of created_at)', value: 'toots', accountLevel: false },
    { metric: 'toots_per_hour', key: 'YYYY-MM-DDTHH (UTC hour of created_at)', value: 'toots', accountLevel: false },
  ],
  views: [
    {
      name: 'v_toots_per_day',
      description: 'toots per UTC day',
      columns: [{ name: 'toots', type: 'BIGINT', label: 'Toots', unit: 'toots' }],
      accountLevel: false,
      chart: { kind: 'line', title: 'Toots per day', y: 'toots' },
      source: { kind: 'rows', metric: 'toots_per_day', value: 'toots' },
    },
    {
      name: 'v_toots_per_hour',
      description: 'toots per UTC hour',
      columns: [
        { name: 'hour', type: 'TIMESTAMP', label: 'Hour (UTC)' },
        { name: 'toots', type: 'BIGINT', label: 'Toots', unit: 'toots' },
      ],
      accountLevel: false,
      chart: { kind: 'heatmap_day_hour', title: 'Toots by hour of day', time: 'hour', value: 'toots' },
      source: { kind: 'rows', metric: 'toots_per_hour', key: ['hour'], keyFormat: '%Y-%m-%dT%H', value: 'toots' },
    },
  ],
  start: () => new Map(),
  add(acc, f) {
    const hour = Math.floor(f.createdMs / HOUR_MS);
    acc.set(hour, (acc.get(hour) ?? 0) + 1);
  },
  seal(acc) {
    const hours = [...acc.keys()].sort((a, b) => a - b);
    return {
      byHour: Object.fromEntries(
        hours.map((h) => [new Date(h * HOUR_MS).toISOString().slice(0, 13), acc.get(h) as number]),
      ),
    };
  },
  merge: (a, b) => ({ byHour: mergeCounts(a.byHour, b.byHour) }),
  finalize(p) {
    const days = new Map<string, number>();
    const rows: KvRow[] = [];
    for (const [hour, n] of Object.entries(p.byHour)) {
      const day = hour.slice(0, 10);
      days.set(day, (days.get(day) ?? 0) + n);
      rows.push({ metric: 'toots_per_hour', key: hour, value: n });
    }
    for (const [day, n] of [...days].sort(byKey)) rows.push({ metric: 'toots_per_day', key: day, value: n });
    return rows;
  },
};
