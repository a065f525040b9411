// Toots by self-declared language. Codes are lower-cased (servers and clients disagree on
// `pt-BR` vs `pt-br`); a missing or empty language is `und` (ISO 639-2 "undetermined").
import { bump, mergeCounts, sealRecord, type Counts } from './records';
import type { KvRow, MetricFamily } from './types';

export const UNDETERMINED = 'und';

export function languageKey(language: string | null | undefined): string {
  if (typeof language !== 'string') return UNDETERMINED;
  const trimmed = language.trim();
  return trimmed === '' ? UNDETERMINED : trimmed.toLowerCase();
}

export interface LanguagesPartial {
  byLanguage: Counts;
}

export const languages: MetricFamily<Map<string, number>, LanguagesPartial> = {
  name: 'languages',
  metrics: [
    { metric: 'toots_by_language', key: '<language code, lower case> | und', value: 'toots', accountLevel: false },
  ],
  views: [
    {
      name: 'v_languages',
      description: 'toots by language (`und` when unset)',
      columns: [
        { name: 'language', type: 'VARCHAR', label: 'Language' },
        { name: 'toots', type: 'BIGINT', label: 'Toots', unit: 'toots' },
      ],
      accountLevel: false,
      chart: { kind: 'bar_topk', title: 'Languages', category: 'language', value: 'toots', k: 10 },
      source: { kind: 'rows', metric: 'toots_by_language', key: ['language'], value: 'toots' },
    },
  ],
  start: () => new Map(),
  add(acc, f) {
    bump(acc, languageKey(f.status.language));
  },
  seal: (acc) => ({ byLanguage: sealRecord(acc) }),
  merge: (a, b) => ({ byLanguage: mergeCounts(a.byLanguage, b.byLanguage) }),
  finalize(p) {
    const rows: KvRow[] = [];
    for (const [lang, n] of Object.entries(p.byLanguage))
      rows.push({ metric: 'toots_by_language', key: lang, value: n });
    return rows;
  },
};
