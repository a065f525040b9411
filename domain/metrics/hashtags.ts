// Hashtags: exact use counts (toots using the tag, a tag counted once per toot) for every tag,
// so the top-k taken at finalize time from merged partials is the true top-k — never a
// top-k of top-ks. Names are lower-cased after Unicode NFKC (as Mastodon does before storing
// a tag), so `#Rust`, `#rust` and full-width `#ｒｕｓｔ` are one tag.
import { bump, mergeCounts, sealRecord, topEntries, type Counts } from './records';
import { DEFAULT_TOP_K, type KvRow, type MetricFamily } from './types';

// biome-ignore lint/suspicious/noControlCharactersInRegex: an ASCII range check, control bytes included
const ASCII = /^[\x00-\x7f]*$/;

export function hashtagKey(name: string): string {
  return ASCII.test(name) ? name.toLowerCase() : name.normalize('NFKC').toLowerCase();
}

export interface HashtagsPartial {
  /** Toots with at least one tag. */
  tagged: number;
  /** lower-cased tag -> toots using it. */
  byTag: Counts;
}

interface Acc {
  tagged: number;
  byTag: Map<string, number>;
}

export const hashtags: MetricFamily<Acc, HashtagsPartial> = {
  name: 'hashtags',
  metrics: [
    {
      metric: 'top_hashtags',
      key: '<tag, lower case, no #>',
      value: 'toots using it (top-k of exact counts)',
      accountLevel: false,
    },
    { metric: 'hashtag_stats', key: 'distinct_tags | tagged_toots | tag_uses', value: 'count', accountLevel: false },
  ],
  views: [
    {
      name: 'v_top_hashtags',
      description: 'ranked top-k hashtags by toots using them (ties by key)',
      columns: [
        { name: 'hashtag', type: 'VARCHAR', label: 'Hashtag' },
        { name: 'toots', type: 'BIGINT', label: 'Toots', unit: 'toots' },
        { name: 'rank', type: 'BIGINT', label: 'Rank' },
      ],
      accountLevel: false,
      chart: { kind: 'bar_topk', title: 'Top hashtags', category: 'hashtag', value: 'toots', k: 10 },
      source: { kind: 'rows', metric: 'top_hashtags', key: ['hashtag'], value: 'toots', rank: 'rank' },
    },
    {
      name: 'v_hashtag_stats',
      description: 'distinct tags, toots with a tag, tag uses',
      columns: [
        { name: 'distinct_tags', type: 'BIGINT', label: 'Distinct tags', unit: 'tags' },
        { name: 'tagged_toots', type: 'BIGINT', label: 'Tagged toots', unit: 'toots' },
        { name: 'tag_uses', type: 'BIGINT', label: 'Tag uses', unit: 'uses' },
      ],
      accountLevel: false,
      chart: { kind: 'line', title: 'Toots with a hashtag', y: 'tagged_toots' },
      source: {
        kind: 'pivot_keys',
        metric: 'hashtag_stats',
        keys: { distinct_tags: 'distinct_tags', tagged_toots: 'tagged_toots', tag_uses: 'tag_uses' },
      },
    },
  ],
  start: () => ({ tagged: 0, byTag: new Map() }),
  add(acc, f) {
    const tags = f.status.tags;
    if (tags.length === 0) return;
    acc.tagged++;
    if (tags.length === 1) {
      bump(acc.byTag, hashtagKey((tags[0] as { name: string }).name));
      return;
    }
    const seen = new Set<string>();
    for (const tag of tags) {
      const key = hashtagKey(tag.name);
      if (seen.has(key)) continue;
      seen.add(key);
      bump(acc.byTag, key);
    }
  },
  seal: (acc) => ({ tagged: acc.tagged, byTag: sealRecord(acc.byTag) }),
  merge: (a, b) => ({ tagged: a.tagged + b.tagged, byTag: mergeCounts(a.byTag, b.byTag) }),
  finalize(p, ctx) {
    const entries = Object.entries(p.byTag);
    let uses = 0;
    for (const [, n] of entries) uses += n;
    const rows: KvRow[] = [
      { metric: 'hashtag_stats', key: 'distinct_tags', value: entries.length },
      { metric: 'hashtag_stats', key: 'tagged_toots', value: p.tagged },
      { metric: 'hashtag_stats', key: 'tag_uses', value: uses },
    ];
    for (const [tag, n] of topEntries(entries, ctx.topK ?? DEFAULT_TOP_K))
      rows.push({ metric: 'top_hashtags', key: tag, value: n });
    return rows;
  },
};
