// Link sharing: statuses that carry a preview card or a link in their content, and the linked
// domains, the "links" of Mastodon's trends and admin dashboards. Exact counts per domain
// (a domain counted once per status), so the top-k of merged partials is the true top-k.
//
// The rules, spelled out so the oracle (test/oracle/metrics-oracle.ts) can re-implement them:
// - a link in content: an `<a …>` tag of the status HTML with an `href="…"` (double-quoted, as
//   Mastodon's sanitiser writes it) starting with http:// or https:// (any case), whose
//   `class="…"` has no `mention` or `hashtag` token (those are @mentions and #hashtags);
// - a card: a non-null `card` object; its `url` is a link too;
// - a link's domain: the URL's host (after `://`, up to the first `/`, `?` or `#`; without
//   userinfo up to the last `@`, a `:port` and a trailing `.`), lower-cased, without a leading
//   `www.`; a link with an empty host has no domain (it still makes the status one with a link
//   when it is in content).
import { bump, mergeCounts, sealRecord, topEntries, type Counts } from './records';
import { DEFAULT_TOP_K, type KvRow, type MetricFamily } from './types';

const MENTION_CLASS = /(?:^|[\t\n\f\r ])(?:mention|hashtag)(?:[\t\n\f\r ]|$)/;
const HTTP = /^[hH][tT][tT][pP][sS]?:\/\//;

/** HTML whitespace as the rules use it: tab, LF, FF, CR, space. */
function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 12 || c === 13;
}

/**
 * The value of the first ` name="…"` attribute (preceded by whitespace, closed by a quote) in a
 * tag, as the regex `[\t\n\f\r ]name="([^"]*)"` finds it; undefined when there is none.
 * String search instead of regexes: every status with a hashtag or mention has anchors, and
 * this runs on all of them.
 */
function attribute(tag: string, name: string): string | undefined {
  const needle = `${name}="`;
  for (let at = tag.indexOf(needle, 1); at >= 0; at = tag.indexOf(needle, at + 1)) {
    if (!isSpace(tag.charCodeAt(at - 1))) continue;
    const from = at + needle.length;
    const to = tag.indexOf('"', from);
    return to < 0 ? undefined : tag.slice(from, to);
  }
  return undefined;
}

/** The domain of an http(s) URL by the rules above; '' when its host is empty. */
export function linkDomain(url: string): string {
  const rest = url.slice(url.indexOf('://') + 3);
  let host = rest.slice(0, firstOf(rest, '/?#'));
  host = host.slice(host.lastIndexOf('@') + 1);
  host = host
    .replace(/:[0-9]*$/, '')
    .replace(/\.$/, '')
    .toLowerCase();
  return host.startsWith('www.') ? host.slice(4) : host;
}

function firstOf(s: string, chars: string): number {
  for (let i = 0; i < s.length; i++) if (chars.includes(s.charAt(i))) return i;
  return s.length;
}

/**
 * The http(s) links of a status's HTML that are not mentions or hashtags, in order: the tags the
 * regex `<[aA][\t\n\f\r ][^>]*>` matches (leftmost, not overlapping), scanned by hand.
 */
export function contentLinks(html: string): string[] {
  const out: string[] = [];
  for (let i = html.indexOf('<'); i >= 0; ) {
    const c = html.charCodeAt(i + 1);
    if ((c === 97 || c === 65) && isSpace(html.charCodeAt(i + 2))) {
      const end = html.indexOf('>', i + 3);
      if (end < 0) break; // no '>' left: no tag can close any more
      const tag = html.slice(i, end + 1);
      const href = attribute(tag, 'href');
      if (href !== undefined && HTTP.test(href)) {
        const cls = attribute(tag, 'class');
        if (cls === undefined || !MENTION_CLASS.test(cls)) out.push(href);
      }
      i = html.indexOf('<', end + 1);
    } else {
      i = html.indexOf('<', i + 1);
    }
  }
  return out;
}

export interface LinksPartial {
  toots: number;
  /** Statuses with a card or a content link; with a card; with a content link. */
  withLink: number;
  withCard: number;
  withContentLink: number;
  /** Domain -> statuses linking to it. */
  byDomain: Counts;
}

interface Acc {
  toots: number;
  withLink: number;
  withCard: number;
  withContentLink: number;
  byDomain: Map<string, number>;
}

export const links: MetricFamily<Acc, LinksPartial> = {
  name: 'links',
  metrics: [
    {
      metric: 'link_stats',
      key: 'toots | with_link | with_card | with_content_link | distinct_domains | share',
      value:
        'statuses (with a card or a link in content; with a card; with a content link); distinct linked domains; with_link / toots',
      accountLevel: false,
    },
    {
      metric: 'top_linked_domains',
      key: '<domain, lower case, no www.>',
      value: 'statuses linking to it, by card or content (top-k of exact counts)',
      accountLevel: false,
    },
  ],
  views: [
    {
      name: 'v_link_sharing',
      description:
        'statuses sharing a link (a preview card or a link in content), their share, distinct linked domains',
      columns: [
        { name: 'toots', type: 'BIGINT', label: 'Toots', unit: 'toots' },
        { name: 'with_link', type: 'BIGINT', label: 'With a link', unit: 'toots' },
        { name: 'with_card', type: 'BIGINT', label: 'With a preview card', unit: 'toots' },
        { name: 'with_content_link', type: 'BIGINT', label: 'With a link in content', unit: 'toots' },
        { name: 'distinct_domains', type: 'BIGINT', label: 'Linked domains', unit: 'domains' },
        { name: 'link_share', type: 'DOUBLE', label: 'Share with a link', unit: 'share' },
      ],
      accountLevel: false,
      chart: { kind: 'line', title: 'Toots sharing a link', y: 'with_link' },
      source: {
        kind: 'pivot_keys',
        metric: 'link_stats',
        keys: {
          toots: 'toots',
          with_link: 'with_link',
          with_card: 'with_card',
          with_content_link: 'with_content_link',
          distinct_domains: 'distinct_domains',
          link_share: 'share',
        },
      },
    },
    {
      name: 'v_top_linked_domains',
      description: 'ranked top-k linked domains by statuses linking to them (ties by key)',
      columns: [
        { name: 'domain', type: 'VARCHAR', label: 'Domain' },
        { name: 'toots', type: 'BIGINT', label: 'Toots', unit: 'toots' },
        { name: 'rank', type: 'BIGINT', label: 'Rank' },
      ],
      accountLevel: false,
      chart: { kind: 'bar_topk', title: 'Top linked domains', category: 'domain', value: 'toots', k: 10 },
      source: { kind: 'rows', metric: 'top_linked_domains', key: ['domain'], value: 'toots', rank: 'rank' },
    },
  ],
  start: () => ({ toots: 0, withLink: 0, withCard: 0, withContentLink: 0, byDomain: new Map() }),
  add(acc, f) {
    acc.toots++;
    const found = contentLinks(f.html);
    const card = f.status.card;
    const hasCard = card !== null && card !== undefined;
    if (found.length === 0 && !hasCard) return;
    acc.withLink++;
    if (hasCard) acc.withCard++;
    if (found.length > 0) acc.withContentLink++;
    if (hasCard && HTTP.test(card.url)) found.push(card.url);
    const domains = new Set<string>();
    for (const url of found) {
      const d = linkDomain(url);
      if (d !== '') domains.add(d);
    }
    for (const d of domains) bump(acc.byDomain, d);
  },
  seal: (acc) => ({
    toots: acc.toots,
    withLink: acc.withLink,
    withCard: acc.withCard,
    withContentLink: acc.withContentLink,
    byDomain: sealRecord(acc.byDomain),
  }),
  merge: (a, b) => ({
    toots: a.toots + b.toots,
    withLink: a.withLink + b.withLink,
    withCard: a.withCard + b.withCard,
    withContentLink: a.withContentLink + b.withContentLink,
    byDomain: mergeCounts(a.byDomain, b.byDomain),
  }),
  finalize(p, ctx) {
    const rows: KvRow[] = [
      { metric: 'link_stats', key: 'toots', value: p.toots },
      { metric: 'link_stats', key: 'with_link', value: p.withLink },
      { metric: 'link_stats', key: 'with_card', value: p.withCard },
      { metric: 'link_stats', key: 'with_content_link', value: p.withContentLink },
      { metric: 'link_stats', key: 'distinct_domains', value: Object.keys(p.byDomain).length },
    ];
    if (p.toots > 0) rows.push({ metric: 'link_stats', key: 'share', value: p.withLink / p.toots });
    for (const [domain, n] of topEntries(Object.entries(p.byDomain), ctx.topK ?? DEFAULT_TOP_K))
      rows.push({ metric: 'top_linked_domains', key: domain, value: n });
    return rows;
  },
};
