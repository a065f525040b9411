// Child process for serve-store-reader.test.ts: the store worker's part, a load of one partition
// through activities/store/duckdb-store.ts (write intent, lock retry, transaction), in a process
// of its own as the real store worker is. Prints the load's duration in ms as JSON.
import { withTransaction } from '../../activities/store/duckdb-store';
import { ensureMetricsSchema, replacePartition } from '../../activities/store/metrics-store';

const [file, instance, day, toots] = process.argv.slice(2) as [string, string, string, string];
const t0 = performance.now();
await withTransaction(file, async (conn) => {
  await ensureMetricsSchema(conn);
  await replacePartition(conn, {
    instance,
    day,
    runId: 'child-load',
    rows: [{ metric: 'toots_per_day', key: 'all', value: Number(toots) }],
  });
});
process.stdout.write(JSON.stringify({ ms: performance.now() - t0 }));
