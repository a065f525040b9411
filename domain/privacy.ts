// Account-level opt-outs. The fediverse convention is that a person who writes #nobot or
// #noindex in their bio, or who turned off discoverability / search-engine indexing, does not
// want to be singled out by tools like this one. Such accounts still count in aggregates
// (toots per day, languages, distinct active accounts) but never appear in an output keyed by
// an account or a single toot (top accounts, per-account rows, viral toots).
//
// Deliberate choices, all on the cautious side:
//   - the hashtags are matched case-insensitively in the note's plain text, also as a prefix
//     (`#NoBots`, `#noindexing` count), because a false opt-out costs one row and a missed one
//     exposes a person who asked not to be;
//   - `discoverable: null` (never set, or unknown for a remote account) is NOT an opt-out —
//     Mastodon sends null for many accounts and the convention only names `false`;
//   - `indexable` (opt-in to full-text search of posts) is not an account-level signal and is
//     ignored.
import { htmlToText } from './metrics/html-text';

/** The fields the opt-out rule reads; any MastodonAccount fits. */
export interface OptOutFields {
  note: string;
  noindex?: boolean | null;
  discoverable?: boolean | null;
}

// Notes are HTML: a hashtag renders as `#<span>nobot</span>`, so the word is searched in the raw
// HTML only as a cheap prefilter and confirmed on the plain text.
// A cheap necessary condition before the plain-text conversion: the plain text can only contain
// "#nobot"/"#noindex" if the HTML has a '#' or a character reference ('&') that could make one.
// (Testing /no(bot|index)/ on the raw HTML missed `#no<b>bot</b>` and `#nob&#111;t`.)
const PREFILTER = /[#&]/;
const OPT_OUT_TAG = /#no(?:bot|index)/i;

export function noteOptsOut(noteHtml: string): boolean {
  if (!PREFILTER.test(noteHtml)) return false;
  return OPT_OUT_TAG.test(htmlToText(noteHtml));
}

export function isOptedOut(account: OptOutFields): boolean {
  if (account.noindex === true) return true;
  if (account.discoverable === false) return true;
  return noteOptsOut(account.note);
}
