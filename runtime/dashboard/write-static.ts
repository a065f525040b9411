import { StoreReader } from '../serve/store-reader';
import { dashboardHtml } from './page-html';
import type { DuckDBConnection } from '@duckdb/node-api';
import { type BundleQuery, readDashboardBundle, readDashboardBundleFrom } from './read-bundle';

// The static dashboard of `mastoflow report --format html`: the bundle read from the store file
// (read-only, closed right after) embedded in the page.

export async function writeStaticDashboard(q: BundleQuery & { duckdbPath: string }): Promise<string> {
  const store = new StoreReader(q.duckdbPath, { memoBytes: 0 });
  try {
    // Built while the store is read: the page's script does not depend on the data.
    const [json] = await Promise.all([readDashboardBundle(store, q), dashboardHtml({ mode: 'live' })]);
    return await dashboardHtml({ mode: 'static', bundleJson: json });
  } finally {
    await store.close();
  }
}

/** The same page from an open connection (the report task of mastodon_daily, in the store worker). */
export async function staticDashboardFrom(conn: DuckDBConnection, q: BundleQuery): Promise<string> {
  return dashboardHtml({ mode: 'static', bundleJson: await readDashboardBundleFrom(conn, q) });
}
