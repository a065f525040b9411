// The JSON the simulator sends, typed after Mastodon 4.6's REST entities as recorded in
// ../shared/fixtures/mastodon-api-cassettes (anonymous view: no favourited/bookmarked/filtered).
// Field order matters only for byte-identical output; it follows the recorded answers.
// These are the simulator's own output types; the project's parsing schemas live in domain/.

export interface SimField {
  name: string;
  value: string;
  verified_at: string | null;
}

export interface SimAccount {
  id: string;
  username: string;
  /** `name` for local accounts, `name@other.host` for remote ones. */
  acct: string;
  display_name: string;
  locked: boolean;
  bot: boolean;
  discoverable: boolean | null;
  indexable: boolean;
  group: boolean;
  /** Mastodon truncates account creation to midnight UTC. */
  created_at: string;
  note: string;
  url: string;
  uri: string;
  avatar: string;
  avatar_static: string;
  avatar_description: string;
  header: string;
  header_static: string;
  header_description: string;
  followers_count: number;
  following_count: number;
  statuses_count: number;
  /** A date (YYYY-MM-DD), not a timestamp. */
  last_status_at: string | null;
  hide_collections: boolean | null;
  show_media: boolean;
  show_media_replies: boolean;
  show_featured: boolean;
  /** Present on local accounts only, as in Mastodon's serializer. */
  noindex?: boolean;
  feature_approval: SimQuoteApproval;
  emojis: [];
  roles: [];
  fields: SimField[];
}

export interface SimApplication {
  name: string;
  website: string | null;
}

export interface SimMediaMetaSize {
  width: number;
  height: number;
  size: string;
  aspect: number;
}

export interface SimMediaAttachment {
  id: string;
  type: 'image' | 'gifv' | 'video' | 'audio';
  url: string;
  preview_url: string;
  remote_url: string | null;
  preview_remote_url: null;
  text_url: null;
  meta: { original: SimMediaMetaSize; small: SimMediaMetaSize } | { length: string; duration: number };
  description: string | null;
  blurhash: string | null;
}

export interface SimMention {
  id: string;
  username: string;
  url: string;
  acct: string;
}

export interface SimStatusTag {
  name: string;
  url: string;
}

export interface SimQuoteApproval {
  automatic: string[];
  manual: string[];
  current_user: string;
}

/** A link preview (Mastodon's PreviewCard), built from the first link in content. */
export interface SimPreviewCard {
  url: string;
  title: string;
  description: string;
  type: 'link';
  author_name: string;
  author_url: string;
  provider_name: string;
  provider_url: string;
  html: string;
  width: number;
  height: number;
  image: null;
  embed_url: string;
  blurhash: null;
}

export interface SimStatus {
  id: string;
  created_at: string;
  in_reply_to_id: null;
  in_reply_to_account_id: null;
  sensitive: boolean;
  spoiler_text: string;
  visibility: 'public';
  language: string | null;
  uri: string;
  url: string;
  replies_count: number;
  reblogs_count: number;
  favourites_count: number;
  quotes_count: number;
  edited_at: string | null;
  content: string;
  reblog: null;
  /** Present on local statuses only: remote servers do not federate the client app. */
  application?: SimApplication;
  account: SimAccount;
  media_attachments: SimMediaAttachment[];
  mentions: SimMention[];
  tags: SimStatusTag[];
  emojis: [];
  tagged_collections: [];
  quote: null;
  card: SimPreviewCard | null;
  poll: null;
  quote_approval: SimQuoteApproval;
}

export interface SimTagHistory {
  /** Unix seconds of the day's start, as a string. */
  day: string;
  uses: string;
  accounts: string;
}

export interface SimTrendTag {
  name: string;
  url: string;
  history: SimTagHistory[];
}

export interface SimActivityWeek {
  /** Unix seconds, as a string, like Mastodon sends it. */
  week: string;
  statuses: string;
  logins: string;
  registrations: string;
}

/** How a status reached the timeline, which decides which ID window and which moment show it. */
export type ArrivalKind =
  /** ID time is 0-4 ms before created_at (Mastodon's stamp lag); visible from then on. */
  | 'on-time'
  /**
   * Federated late and got its ID at insert time: ID time is LATER than created_at (up to 6 h),
   * so a status written before midnight can sit in the next day's ID window.
   */
  | 'late-id'
  /**
   * Federated late but its ID was derived from created_at (backdated): it sits in the right
   * day's ID window but only becomes visible hours later, after a first scan of that window.
   */
  | 'backdated';

/** A generated status with the facts a test needs that the JSON does not carry. */
export interface SimStatusEntry {
  status: SimStatus;
  idMs: number;
  createdMs: number;
  /** When the status becomes visible through the API. */
  insertedMs: number;
  arrival: ArrivalKind;
  local: boolean;
}
