import { arrayElementSpans, rewriteArray } from '../../domain/erasure';
import type { ErasureMatcher } from './erasure-hash';

// One raw body without the erased accounts: statuses they wrote or boosted, and their profiles
// (directory entries, an account lookup), are cut out of the array; another person's status that
// mentions one of them keeps its text but loses the mention entry (and the reply-to account ID),
// that one element re-serialised. Every other element keeps its received bytes (domain/erasure.ts).

export interface ScrubOutcome {
  /** The body to keep (the same Buffer when nothing changed). */
  body: Buffer;
  changed: boolean;
  /** The whole body is an erased account (a lookup answer): drop the object. */
  wholeObjectErased: boolean;
  statusesRemoved: number;
  accountsRemoved: number;
  mentionsRedacted: number;
  /** Removed statuses created in [fromMs, toMs) when a window is given (manifest counts). */
  removedInWindow: number;
  /** IDs of the removed statuses (cursors and page summaries that name one are redacted). */
  removedIds: string[];
  /** ID of the first and last element kept (a page summary's firstId / lastId). */
  firstId?: string;
  lastId?: string;
}

const UNCHANGED = (body: Buffer): ScrubOutcome => ({
  body,
  changed: false,
  wholeObjectErased: false,
  statusesRemoved: 0,
  accountsRemoved: 0,
  mentionsRedacted: 0,
  removedInWindow: 0,
  removedIds: [],
});

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

export function scrubBody(
  body: Buffer,
  matcher: ErasureMatcher,
  opts: { domains?: readonly string[]; window?: { fromMs: number; toMs: number } } = {},
): ScrubOutcome {
  const domains = opts.domains ?? [];
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return UNCHANGED(body); // not JSON: nothing we can attribute to an account
  }
  if (isRec(value)) {
    // One object: an account (lookup) or a status.
    const erased =
      matcher.matchesAccount(value, domains) || (isRec(value.account) && erasedStatus(value, matcher, domains));
    return erased ? { ...UNCHANGED(Buffer.alloc(0)), changed: true, wholeObjectErased: true } : UNCHANGED(body);
  }
  if (!Array.isArray(value)) return UNCHANGED(body);
  const spans = arrayElementSpans(body);
  if (!spans || spans.elements.length !== value.length) return UNCHANGED(body);
  const drop = new Set<number>();
  const replace = new Map<number, Buffer>();
  const out = UNCHANGED(body);
  value.forEach((el, index) => {
    if (!isRec(el)) return;
    if ('account' in el) {
      if (erasedStatus(el, matcher, domains)) {
        drop.add(index);
        out.statusesRemoved++;
        if (typeof el.id === 'string') out.removedIds.push(el.id);
        const t = typeof el.created_at === 'string' ? Date.parse(el.created_at) : Number.NaN;
        if (opts.window && t >= opts.window.fromMs && t < opts.window.toMs) out.removedInWindow++;
        return;
      }
      const redacted = withoutMentions(el, matcher, domains);
      if (redacted) {
        replace.set(index, Buffer.from(JSON.stringify(redacted.status)));
        out.mentionsRedacted += redacted.count;
      }
      return;
    }
    if ('acct' in el && matcher.matchesAccount(el, domains)) {
      drop.add(index);
      out.accountsRemoved++;
    }
  });
  if (drop.size === 0 && replace.size === 0) return out;
  const kept = value.filter((_, i) => !drop.has(i)) as Array<{ id?: unknown }>;
  const idOf = (r: { id?: unknown } | undefined) => (typeof r?.id === 'string' ? { id: r.id } : undefined);
  const first = idOf(kept[0]);
  const last = idOf(kept[kept.length - 1]);
  return {
    ...out,
    body: rewriteArray(body, spans, drop, replace),
    changed: true,
    ...(first ? { firstId: first.id } : {}),
    ...(last ? { lastId: last.id } : {}),
  };
}

function erasedStatus(s: Rec, matcher: ErasureMatcher, domains: readonly string[]): boolean {
  if (matcher.matchesAccount(s.account, domains)) return true;
  return isRec(s.reblog) && matcher.matchesAccount(s.reblog.account, domains);
}

/** The status without mentions of erased accounts (and without a reply-to ID naming one), or undefined. */
function withoutMentions(
  s: Rec,
  matcher: ErasureMatcher,
  domains: readonly string[],
): { status: Rec; count: number } | undefined {
  const mentions = Array.isArray(s.mentions) ? (s.mentions as unknown[]) : [];
  const kept = mentions.filter((m) => !(isRec(m) && matcher.matchesAccount(m, domains)));
  const replyTo = typeof s.in_reply_to_account_id === 'string' && matcher.matchedIds.has(s.in_reply_to_account_id);
  const count = mentions.length - kept.length + (replyTo ? 1 : 0);
  if (count === 0) return undefined;
  return {
    status: {
      ...s,
      ...(mentions.length !== kept.length ? { mentions: kept } : {}),
      ...(replyTo ? { in_reply_to_account_id: null } : {}),
    },
    count,
  };
}
