// Media, content-warning and sensitive shares. The partial keeps counts and the total, never
// ratios, so shares computed at finalize time are exact whatever the merge tree.
// A content warning is a non-blank spoiler_text; "sensitive" is the server's flag (Mastodon
// sets it with any content warning, and authors may set it on media alone).
import { bump, mergeCounts, sealRecord, type Counts } from './records';
import type { KvRow, MetricFamily } from './types';

export interface ContentPartial {
  toots: number;
  withMedia: number;
  withContentWarning: number;
  sensitive: number;
  mediaAttachments: number;
  /** attachment type (image, gifv, video, audio, unknown, …) -> attachments. */
  mediaByType: Counts;
}

interface Acc extends Omit<ContentPartial, 'mediaByType'> {
  mediaByType: Map<string, number>;
}

export const content: MetricFamily<Acc, ContentPartial> = {
  name: 'content',
  metrics: [
    {
      metric: 'content_flags',
      key: 'toots | with_media | with_content_warning | sensitive | media_attachments',
      value: 'count',
      accountLevel: false,
    },
    {
      metric: 'content_share',
      key: 'with_media | with_content_warning | sensitive',
      value: 'fraction of toots, 0..1',
      accountLevel: false,
    },
    { metric: 'media_by_type', key: '<attachment type>', value: 'attachments', accountLevel: false },
  ],
  views: [
    {
      name: 'v_content_shares',
      description: 'media, content-warning and sensitive shares of toots',
      columns: [
        { name: 'media_share', type: 'DOUBLE', label: 'With media', unit: 'share' },
        { name: 'cw_share', type: 'DOUBLE', label: 'With content warning', unit: 'share' },
        { name: 'sensitive_share', type: 'DOUBLE', label: 'Sensitive', unit: 'share' },
      ],
      accountLevel: false,
      // The three shares overlap (a toot may be all three), so they are not stacked.
      chart: { kind: 'line', title: 'Share of toots with media', y: 'media_share' },
      source: {
        kind: 'pivot_keys',
        metric: 'content_share',
        keys: { media_share: 'with_media', cw_share: 'with_content_warning', sensitive_share: 'sensitive' },
      },
    },
    {
      name: 'v_content_flags',
      description: 'toots, with media, with content warning, sensitive; media attachments',
      columns: [
        { name: 'toots', type: 'BIGINT', label: 'Toots', unit: 'toots' },
        { name: 'with_media', type: 'BIGINT', label: 'With media', unit: 'toots' },
        { name: 'with_content_warning', type: 'BIGINT', label: 'With content warning', unit: 'toots' },
        { name: 'sensitive', type: 'BIGINT', label: 'Sensitive', unit: 'toots' },
        { name: 'media_attachments', type: 'BIGINT', label: 'Media attachments', unit: 'attachments' },
      ],
      accountLevel: false,
      chart: { kind: 'line', title: 'Toots with a content warning', y: 'with_content_warning' },
      source: {
        kind: 'pivot_keys',
        metric: 'content_flags',
        keys: {
          toots: 'toots',
          with_media: 'with_media',
          with_content_warning: 'with_content_warning',
          sensitive: 'sensitive',
          media_attachments: 'media_attachments',
        },
      },
    },
    {
      name: 'v_media_by_type',
      description: 'media attachments by type (image, video, …)',
      columns: [
        { name: 'media_type', type: 'VARCHAR', label: 'Media type' },
        { name: 'attachments', type: 'BIGINT', label: 'Attachments', unit: 'attachments' },
      ],
      accountLevel: false,
      chart: { kind: 'stacked', title: 'Media attachments by type', category: 'media_type', value: 'attachments' },
      source: { kind: 'rows', metric: 'media_by_type', key: ['media_type'], value: 'attachments' },
    },
  ],
  start: () => ({
    toots: 0,
    withMedia: 0,
    withContentWarning: 0,
    sensitive: 0,
    mediaAttachments: 0,
    mediaByType: new Map(),
  }),
  add(acc, f) {
    const s = f.status;
    acc.toots++;
    const media = s.media_attachments;
    if (media.length > 0) {
      acc.withMedia++;
      acc.mediaAttachments += media.length;
      for (const m of media) bump(acc.mediaByType, m.type);
    }
    if (s.spoiler_text.length > 0 && s.spoiler_text.trim().length > 0) acc.withContentWarning++;
    if (s.sensitive) acc.sensitive++;
  },
  seal: (acc) => ({ ...acc, mediaByType: sealRecord(acc.mediaByType) }),
  merge: (a, b) => ({
    toots: a.toots + b.toots,
    withMedia: a.withMedia + b.withMedia,
    withContentWarning: a.withContentWarning + b.withContentWarning,
    sensitive: a.sensitive + b.sensitive,
    mediaAttachments: a.mediaAttachments + b.mediaAttachments,
    mediaByType: mergeCounts(a.mediaByType, b.mediaByType),
  }),
  finalize(p) {
    const rows: KvRow[] = [
      { metric: 'content_flags', key: 'toots', value: p.toots },
      { metric: 'content_flags', key: 'with_media', value: p.withMedia },
      { metric: 'content_flags', key: 'with_content_warning', value: p.withContentWarning },
      { metric: 'content_flags', key: 'sensitive', value: p.sensitive },
      { metric: 'content_flags', key: 'media_attachments', value: p.mediaAttachments },
    ];
    if (p.toots > 0) {
      rows.push(
        { metric: 'content_share', key: 'with_media', value: p.withMedia / p.toots },
        { metric: 'content_share', key: 'with_content_warning', value: p.withContentWarning / p.toots },
        { metric: 'content_share', key: 'sensitive', value: p.sensitive / p.toots },
      );
    }
    for (const [type, n] of Object.entries(p.mediaByType)) rows.push({ metric: 'media_by_type', key: type, value: n });
    return rows;
  },
};
