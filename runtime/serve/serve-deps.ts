import { Client, type Connection } from '@temporalio/client';
import { createDagCatalog } from '../../dags/catalog';
import type { MastoflowConfig } from '../../domain/config';
import type { ViewDeclaration } from '../../domain/metrics/catalog-types';
import { utcDayOf } from '../../domain/logical-date';
import { connectTemporalClient } from '../clients';
import type { AppDeps } from './app-deps';
import { knownInstances } from './known-instances';
import { StoreReader, type StoreReaderOptions } from './store-reader';
import { createTemporalRunLister } from './temporal-run-lister';

// The app's dependencies built from the config: the store reader on duckdb.path, Temporal for
// runs (connected on first use, so the API comes up while Temporal is down), today from the clock.

export function serveDepsFromConfig(
  config: MastoflowConfig,
  opts: {
    views: readonly ViewDeclaration[];
    token?: string;
    temporalUiUrl?: string;
    store?: StoreReaderOptions;
    env?: NodeJS.ProcessEnv;
  },
): { deps: AppDeps; store: StoreReader; close: () => Promise<void> } {
  const store = new StoreReader(config.duckdb.path, opts.store);
  let connection: Promise<Connection> | undefined;
  const client = async () => {
    connection ??= connectTemporalClient(config.temporal, opts.env ?? process.env);
    try {
      return new Client({ connection: await connection, namespace: config.temporal.namespace });
    } catch (err) {
      connection = undefined; // try again on the next request
      throw err;
    }
  };
  const deps: AppDeps = {
    views: opts.views,
    store,
    runs: createTemporalRunLister({
      client,
      namespace: config.temporal.namespace,
      ...(opts.temporalUiUrl ? { temporalUiUrl: opts.temporalUiUrl } : {}),
    }),
    instances: knownInstances(
      store,
      config.instances.map((i) => i.name),
    ),
    dags: createDagCatalog(config).ids(),
    today: () => utcDayOf(Date.now()),
    lookbackDays: config.schedule.lookbackDays,
    ...(opts.token ? { token: opts.token } : {}),
    duckdbPath: store.file,
  };
  return {
    deps,
    store,
    async close() {
      await store.close();
      if (connection) await (await connection.catch(() => undefined))?.close();
    },
  };
}
