// The Mastodon REST entities mastoflow consumes, defined once with zod. Objects are loose
// (unknown keys pass through untouched) because servers add fields with every release and forks
// add their own; the fields the metrics read are strict so a malformed record is quarantined
// with the field named instead of skewing a number.
//
// MastodonStatus deliberately contains no transforms, defaults or coercions: its output equals
// its input, which lets the map step accept a record through a hand-written fast check
// (domain/metrics/fast-status-check.ts) and still hand out `MastodonStatus` values.
import { z } from 'zod';
import { describeZodError } from './zod-issues';

/** RFC 3339 date-time with `Z` or a numeric offset, as Mastodon and its forks send it. */
export const IsoDateTime = z.iso.datetime({ offset: true });

/** Status IDs are Snowflake-like decimal strings above 2^53: never numbers. */
export const DecimalId = z
  .string()
  .regex(/^(?:0|[1-9]\d{0,19})$/, 'expected a decimal ID string without leading zeros');

/** Counters reported by the server. Negative values are tolerated on account counters only
 * (servers have shipped -1 from broken counter caches); engagement counters must be >= 0. */
const Count = z.number().int();
const NonNegativeCount = z.number().int().nonnegative();

export const MastodonAccount = z.looseObject({
  // Account IDs are decimal on Mastodon but Pleroma/GoToSocial use flake/ULID strings: any
  // non-empty string.
  id: z.string().min(1),
  username: z.string(),
  acct: z.string().min(1),
  display_name: z.string(),
  /** HTML. Opt-out hashtags (#nobot, #noindex) live here. */
  note: z.string(),
  bot: z.boolean(),
  /** Mastodon truncates this to midnight (`2022-04-08T00:00:00.000Z`). */
  created_at: IsoDateTime,
  followers_count: Count,
  following_count: Count,
  statuses_count: Count,
  noindex: z.boolean().nullish(),
  discoverable: z.boolean().nullish(),
  url: z.string().nullish(),
  locked: z.boolean().optional(),
  group: z.boolean().optional(),
});
export type MastodonAccount = z.output<typeof MastodonAccount>;

export const MastodonMediaAttachment = z.looseObject({
  id: z.string(),
  /** image | gifv | video | audio | unknown; kept open for forks. */
  type: z.string().min(1),
});
export type MastodonMediaAttachment = z.output<typeof MastodonMediaAttachment>;

export const MastodonMention = z.looseObject({
  id: z.string(),
  username: z.string(),
  acct: z.string(),
  url: z.string().optional(),
});

export const MastodonTag = z.looseObject({
  name: z.string().min(1),
  url: z.string().optional(),
});

export const MastodonApplication = z.looseObject({
  name: z.string(),
  website: z.string().nullish(),
});

export const MastodonPreviewCard = z.looseObject({
  url: z.string(),
});

export const MastodonStatus = z
  .looseObject({
    id: DecimalId,
    created_at: IsoDateTime,
    account: MastodonAccount,
    /** HTML as sanitised by the server. Absent only in a deleted status (see `text`). */
    content: z.string().optional(),
    /**
     * Plain-text source, sent *instead of* content by DELETE /api/v1/statuses/:id (for
     * "delete & redraft"). Exactly what the cassettes hold for deleted toots.
     */
    text: z.string().optional(),
    /** ISO 639 code, self-declared; null when unknown. Absent on some forks: same as null. */
    language: z.string().nullish(),
    /** public | unlisted | private | direct (forks add more); only `public` is counted. */
    visibility: z.string().min(1),
    sensitive: z.boolean(),
    spoiler_text: z.string(),
    media_attachments: z.array(MastodonMediaAttachment),
    mentions: z.array(MastodonMention),
    tags: z.array(MastodonTag),
    favourites_count: NonNegativeCount,
    reblogs_count: NonNegativeCount,
    replies_count: NonNegativeCount,
    /** Present on local posts only. */
    application: MastodonApplication.nullish(),
    in_reply_to_id: z.string().nullish(),
    in_reply_to_account_id: z.string().nullish(),
    /** A boost wraps the original here; only its id is read (boosts are not counted as toots). */
    reblog: z.looseObject({ id: z.string() }).nullish(),
    uri: z.string().optional(),
    url: z.string().nullish(),
    edited_at: z.string().nullish(),
    /** The link preview Mastodon built from the first link in content; its url is a shared link. */
    card: MastodonPreviewCard.nullish(),
  })
  .refine((s) => s.content !== undefined || s.text !== undefined, {
    message: 'expected content (HTML) or text (source of a deleted status)',
    path: ['content'],
  });
export type MastodonStatus = z.output<typeof MastodonStatus>;

/** Mastodon sends weekly activity numbers as decimal strings; accept numbers too. */
const NumericString = z
  .union([z.string().regex(/^\d+$/, 'expected a decimal string'), z.number().int().nonnegative()])
  .transform((v) => Number(v));

export const InstanceActivityWeek = z.looseObject({
  /** Unix seconds of the week's start (Monday 00:00 in the server's zone). */
  week: NumericString,
  statuses: NumericString,
  logins: NumericString,
  registrations: NumericString,
});
export type InstanceActivityWeek = z.output<typeof InstanceActivityWeek>;

export const TrendTagHistoryDay = z.looseObject({
  /** Unix seconds of the day (UTC midnight). */
  day: NumericString,
  uses: NumericString,
  accounts: NumericString,
});
export const TrendTag = z.looseObject({
  name: z.string().min(1),
  url: z.string(),
  history: z.array(TrendTagHistoryDay),
  following: z.boolean().optional(),
});
export type TrendTag = z.output<typeof TrendTag>;

const FeedAccess = z.looseObject({ local: z.string(), remote: z.string() });

export const MastodonInstanceV2 = z.looseObject({
  domain: z.string().min(1),
  title: z.string(),
  version: z.string(),
  source_url: z.string().optional(),
  description: z.string().optional(),
  usage: z.looseObject({ users: z.looseObject({ active_month: Count }) }),
  languages: z.array(z.string()).optional(),
  configuration: z.looseObject({
    /** Mastodon 4.5+: `public` | `authenticated` | `disabled` per feed; absent before. */
    timelines_access: z
      .looseObject({
        live_feeds: FeedAccess.optional(),
        hashtag_feeds: FeedAccess.optional(),
        trending_link_feeds: FeedAccess.optional(),
      })
      .optional(),
    statuses: z.looseObject({ max_characters: Count }).partial().optional(),
  }),
  registrations: z.looseObject({
    enabled: z.boolean(),
    approval_required: z.boolean(),
  }),
  contact: z.looseObject({ email: z.string().optional(), account: MastodonAccount.nullish() }).optional(),
});
export type MastodonInstanceV2 = z.output<typeof MastodonInstanceV2>;

export const MastodonInstanceV1 = z.looseObject({
  uri: z.string().min(1),
  title: z.string(),
  version: z.string(),
  short_description: z.string().optional(),
  description: z.string().optional(),
  stats: z.looseObject({
    user_count: Count,
    status_count: Count,
    domain_count: Count,
  }),
  languages: z.array(z.string()).optional(),
  registrations: z.boolean(),
  approval_required: z.boolean().optional(),
  contact_account: MastodonAccount.nullish(),
});
export type MastodonInstanceV1 = z.output<typeof MastodonInstanceV1>;

/** `/api/v1/instance/peers`: bare host names. */
export const InstancePeers = z.array(z.string());

/** One zod issue list as a short reason that names the offending field(s), for quarantine records. */
export function describeIssues(error: z.ZodError, max = 3): string {
  return describeZodError(error, { rootLabel: '(record)', max });
}
