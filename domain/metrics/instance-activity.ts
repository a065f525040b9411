// Instance weekly activity (a snapshot family): statuses, logins and registrations per week, as
// /api/v1/instance/activity reported them in the day's own observation window, or, for a day not
// observed then, the weeks a later answer reports that had ended by the day's end (exact: an
// ended week no longer changes; domain/snapshot-observation.ts).
import type { InstanceActivityWeek } from '../mastodon-schemas';
import { dedupeRows } from './snapshot-rows';
import type { FamilyDeclaration, KvRow } from './types';

export const instanceActivity: FamilyDeclaration = {
  name: 'instance_activity',
  metrics: [
    { metric: 'instance_weekly_statuses', key: 'YYYY-MM-DD (week start, UTC)', value: 'statuses', accountLevel: false },
    { metric: 'instance_weekly_logins', key: 'YYYY-MM-DD (week start, UTC)', value: 'logins', accountLevel: false },
    {
      metric: 'instance_weekly_registrations',
      key: 'YYYY-MM-DD (week start, UTC)',
      value: 'registrations',
      accountLevel: false,
    },
  ],
  views: [
    {
      name: 'v_instance_activity',
      description: 'statuses, logins and registrations per week, as the instance reports them',
      columns: [
        { name: 'week', type: 'DATE', label: 'Week' },
        { name: 'statuses', type: 'BIGINT', label: 'Statuses', unit: 'toots' },
        { name: 'logins', type: 'BIGINT', label: 'Logins', unit: 'accounts' },
        { name: 'registrations', type: 'BIGINT', label: 'Registrations', unit: 'accounts' },
      ],
      accountLevel: false,
      chart: { kind: 'line', title: 'Weekly statuses', x: 'week', y: 'statuses' },
      source: {
        kind: 'pivot_metrics',
        key: ['week'],
        metrics: {
          statuses: 'instance_weekly_statuses',
          logins: 'instance_weekly_logins',
          registrations: 'instance_weekly_registrations',
        },
      },
    },
  ],
};

/** Weekly activity as the instance reports it; key = the week's start as a UTC date. */
export function instanceActivityRows(weeks: readonly InstanceActivityWeek[]): KvRow[] {
  const rows: KvRow[] = [];
  for (const w of weeks) {
    const key = new Date(Number(w.week) * 1000).toISOString().slice(0, 10);
    rows.push(
      { metric: 'instance_weekly_statuses', key, value: Number(w.statuses) },
      { metric: 'instance_weekly_logins', key, value: Number(w.logins) },
      { metric: 'instance_weekly_registrations', key, value: Number(w.registrations) },
    );
  }
  return dedupeRows(rows);
}
