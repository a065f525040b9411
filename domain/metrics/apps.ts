// Client apps. Mastodon reveals `application` on local posts only, so this family counts the
// toots that carry one (in practice: the instance's own users) and says how many did.
// The app name is the key as the server sent it, trimmed; an empty name is `(unnamed)`.
import { bump, mergeCounts, sealRecord, type Counts } from './records';
import type { KvRow, MetricFamily } from './types';

export const UNNAMED_APP = '(unnamed)';

export interface AppsPartial {
  withApp: number;
  byApp: Counts;
}

interface Acc {
  withApp: number;
  byApp: Map<string, number>;
}

export const apps: MetricFamily<Acc, AppsPartial> = {
  name: 'apps',
  metrics: [
    {
      metric: 'toots_by_app',
      key: '<application name> | (unnamed)',
      value: 'toots carrying application',
      accountLevel: false,
    },
    { metric: 'toots_with_app', key: 'all', value: 'toots carrying application (≈ local toots)', accountLevel: false },
  ],
  views: [
    {
      name: 'v_client_apps',
      description: 'toots by client app (local posts)',
      columns: [
        { name: 'app', type: 'VARCHAR', label: 'Client app' },
        { name: 'toots', type: 'BIGINT', label: 'Toots', unit: 'toots' },
      ],
      accountLevel: false,
      chart: { kind: 'bar_topk', title: 'Client apps', category: 'app', value: 'toots', k: 10 },
      source: { kind: 'rows', metric: 'toots_by_app', key: ['app'], value: 'toots' },
    },
    {
      name: 'v_toots_with_app',
      description: 'toots carrying their client app (≈ local toots)',
      columns: [{ name: 'toots', type: 'BIGINT', label: 'Toots with app', unit: 'toots' }],
      accountLevel: false,
      chart: { kind: 'line', title: 'Toots carrying a client app', y: 'toots' },
      source: { kind: 'rows', metric: 'toots_with_app', value: 'toots' },
    },
  ],
  start: () => ({ withApp: 0, byApp: new Map() }),
  add(acc, f) {
    const app = f.status.application;
    if (app === null || app === undefined) return;
    acc.withApp++;
    const name = app.name.trim();
    bump(acc.byApp, name === '' ? UNNAMED_APP : name);
  },
  seal: (acc) => ({ withApp: acc.withApp, byApp: sealRecord(acc.byApp) }),
  merge: (a, b) => ({ withApp: a.withApp + b.withApp, byApp: mergeCounts(a.byApp, b.byApp) }),
  finalize(p) {
    const rows: KvRow[] = [{ metric: 'toots_with_app', key: 'all', value: p.withApp }];
    for (const [app, n] of Object.entries(p.byApp)) rows.push({ metric: 'toots_by_app', key: app, value: n });
    return rows;
  },
};
