import type { KvRow } from './types';

/** A snapshot may repeat an entry (a tag twice, a week twice); keep the first of each key. */
export function dedupeRows(rows: KvRow[]): KvRow[] {
  const seen = new Set<string>();
  return rows.filter((r) => {
    const k = `${r.metric}#${r.key}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
