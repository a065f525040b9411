import type { Hono } from 'hono';
import { ApiError } from '../api-error';
import type { AppDeps } from '../app-deps';
import { toPlainRows } from '../encode';
import { acctParam, dateRange, instanceParam, readQuery } from '../params';

// GET /api/tracked-accounts: each tracked account's daily followers / following / statuses, with
// the deltas the load stored (followers, statuses: against the previous fetch) and following's
// change against the previous day in the answer. Mastodon names a local account without its
// host (the store keeps what the instance answered), so `acct=user@host` also matches the
// account `user` of the instance `host`.

export function registerTrackedAccountRoutes(app: Hono, deps: AppDeps): void {
  if (!deps.views.some((v) => v.name === 'v_tracked_accounts'))
    throw new Error('/api/tracked-accounts needs the view v_tracked_accounts in the catalog');

  app.get('/api/tracked-accounts', async (c) => {
    const q = readQuery(c.req.url, ['acct', 'instance', 'from', 'to']);
    const { from, to } = dateRange(q, deps.today());
    const acct = acctParam(q);
    const instance = await instanceParam(q, deps.instances);
    const at = acct?.indexOf('@') ?? -1;
    const match = acct
      ? at > 0
        ? '(lower(account) = $acct OR (lower(account) = $local AND instance = $host))'
        : 'lower(account) = $acct'
      : 'TRUE';
    const acctParams: Record<string, string> = acct
      ? at > 0
        ? { acct, local: acct.slice(0, at), host: acct.slice(at + 1) }
        : { acct }
      : {};
    if (acct) {
      const known = await deps.store.query(`SELECT 1 FROM v_tracked_accounts WHERE ${match} LIMIT 1`, acctParams);
      if (known.rows.length === 0)
        throw new ApiError(404, 'acct', `acct: ${acct} is not a tracked account (no rows in the store on any day)`);
    }
    const result = await deps.store.query(
      `SELECT instance, day, account, followers, following, statuses, followers_delta, statuses_delta,
              following - lag(following) OVER (PARTITION BY instance, account ORDER BY day) AS following_delta
       FROM v_tracked_accounts
       WHERE day BETWEEN $from::DATE AND $to::DATE AND ${match}
             ${instance ? 'AND instance = $instance' : ''}
       ORDER BY account, instance, day`,
      { from, to, ...acctParams, ...(instance ? { instance } : {}) },
    );
    return c.json({ from, to, acct: acct ?? null, instance: instance ?? null, rows: toPlainRows(result) });
  });
}
