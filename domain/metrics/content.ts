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
