import type { StoreReader } from './store-reader';
import { StoreMissingError } from './store-reader';

// The instances a request may name: the configured ones, plus any the store holds (an instance
// removed from the config keeps its history). The store's list is cached for `ttlMs`: it is a
// scan of the instance column, and instances change at most once per load.

export function knownInstances(
  store: Pick<StoreReader, 'query'>,
  configured: readonly string[],
  ttlMs = 30_000,
): () => Promise<readonly string[]> {
  let cached: { at: number; names: readonly string[] } | undefined;
  return async () => {
    if (cached && Date.now() - cached.at < ttlMs) return cached.names;
    let stored: string[] = [];
    try {
      const r = await store.query('SELECT DISTINCT instance FROM metrics_kv ORDER BY 1');
      stored = r.rows.map((row) => String(row[0]));
    } catch (err) {
      if (!(err instanceof StoreMissingError)) throw err;
    }
    cached = { at: Date.now(), names: [...new Set([...configured, ...stored])].sort() };
    return cached.names;
  };
}
