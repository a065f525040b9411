import { z } from 'zod';

// Erasure of one account on request (`mastoflow forget <acct>`, GDPR art. 17). The account's
// name never travels: the CLI turns it into a keyed hash (HMAC-SHA256 with the pseudonym secret,
// activities/erasure/erasure-hash.ts), and the workflow, the erasure list and the erasure log
// only ever hold that hash. Everything here is pure: the hash's input form, the schemas, and the
// byte-level removal of elements from a raw JSON array page.

/** An erasure hash: 64 lowercase hex digits (HMAC-SHA256). */
export const ErasureHash = z.string().regex(/^[0-9a-f]{64}$/, 'an erasure hash (64 lowercase hex digits)');
export type ErasureHash = z.output<typeof ErasureHash>;

/** `user@domain`, lowercase, without a leading `@`: the one form an account is hashed in. */
export function canonicalAcct(acct: string, localDomain?: string): string | undefined {
  const a = acct.trim().replace(/^@/, '').toLowerCase();
  if (a === '') return undefined;
  if (a.includes('@')) return a;
  return localDomain ? `${a}@${localDomain.toLowerCase()}` : undefined;
}

/** The host of an account's profile URL (`https://host/@user`): where a bare acct is local. */
export function hostOfUrl(url: unknown): string | undefined {
  if (typeof url !== 'string') return undefined;
  const m = /^https?:\/\/([^/?#]+)/i.exec(url);
  return m?.[1]?.toLowerCase();
}

/** A `user@domain` as typed by a person (with or without the leading `@`), or why not. */
export function parseAcctArgument(raw: string): { acct: string } | { error: string } {
  const a = raw.trim().replace(/^@/, '');
  if (!/^[A-Za-z0-9_.-]+@[A-Za-z0-9.-]+(:\d+)?$/.test(a))
    return { error: `expected an account as user@domain (e.g. alice@mastodon.social), got "${raw}"` };
  return { acct: a.toLowerCase() };
}

/** What the forget workflow gets: hashes only. */
export const ForgetInput = z.strictObject({
  accountHash: ErasureHash,
  /**
   * The account's keys as account-level rows hold them in pseudonymised mode (`anon:…`, keyed
   * hashes themselves), per instance; empty when rows hold accts (the activities then match acct
   * keys by hashing them).
   */
  rowKeys: z.array(z.strictObject({ instance: z.string().min(1), key: z.string().min(1) })).default([]),
  /** Why: a person's request, or an opt-out observed in a profile (#nobot / noindex). */
  reason: z.enum(['request', 'opt-out']).default('request'),
});
export type ForgetInput = z.output<typeof ForgetInput>;

/** One entry of the erasure list: an object `erasure/v1/list/<hash>.json` (see domain/keys.ts). */
export const ErasureListEntry = z.strictObject({
  accountHash: ErasureHash,
  addedAt: z.string(),
  reason: z.enum(['request', 'opt-out']),
});
export type ErasureListEntry = z.output<typeof ErasureListEntry>;

export const DayRef = z.strictObject({ instance: z.string(), day: z.string() });
export type DayRef = z.output<typeof DayRef>;

/** The erasure log: one object per forget run (hash, time, days touched; never content). */
export const ErasureLogEntry = z.strictObject({
  accountHash: ErasureHash,
  reason: z.enum(['request', 'opt-out']),
  startedAt: z.string(),
  finishedAt: z.string(),
  /** Days whose raw was kept: raw rewritten, then map/reduce/load run again. */
  reaggregated: z.array(DayRef),
  /** Days whose raw was already purged: account-level rows removed, totals marked. */
  purgedDaysMarked: z.array(DayRef),
  statusesRemoved: z.number().int().min(0),
  objectsRewritten: z.number().int().min(0),
  objectsDeleted: z.number().int().min(0),
  rowsDeleted: z.number().int().min(0),
});
export type ErasureLogEntry = z.output<typeof ErasureLogEntry>;

// ---------------------------------------------------------------------------------------------
// Byte-level removal from a JSON array page. Raw pages are kept byte for byte as received;
// erasure outranks that, but only as far as it must: the statuses that stay keep their exact
// bytes, so a page after erasure is the received page with some array elements cut out (and,
// where another status mentions the account, that one element re-serialised without it).

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_SQ = 0x5b;
const CLOSE_SQ = 0x5d;
const OPEN_CURLY = 0x7b;
const CLOSE_CURLY = 0x7d;
const COMMA = 0x2c;

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
}

/** Where the top-level array and each of its elements sit in the bytes. */
export interface ArraySpans {
  /** Index of `[` and of the matching `]`. */
  open: number;
  close: number;
  /** [start, end) of each element, whitespace trimmed. */
  elements: Array<[number, number]>;
}

/**
 * The spans of a JSON array's elements, read from the bytes (JSON's structure is ASCII, and no
 * byte of a multi-byte UTF-8 sequence is, so this works on the raw bytes). Undefined when the
 * bytes are not one well-nested array (the caller then leaves the object alone).
 */
export function arrayElementSpans(bytes: Uint8Array): ArraySpans | undefined {
  let i = 0;
  while (i < bytes.length && isSpace(bytes[i]!)) i++;
  if (bytes[i] !== OPEN_SQ) return undefined;
  const open = i;
  const elements: Array<[number, number]> = [];
  let depth = 0;
  let start = -1;
  let lastNonSpace = -1;
  for (i = open + 1; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === QUOTE) {
      if (start < 0) start = i;
      for (i++; i < bytes.length && bytes[i] !== QUOTE; i++) if (bytes[i] === BACKSLASH) i++;
      lastNonSpace = i;
      continue;
    }
    if (isSpace(b)) continue;
    if (depth === 0 && (b === COMMA || b === CLOSE_SQ)) {
      if (start >= 0) elements.push([start, lastNonSpace + 1]);
      start = -1;
      if (b === CLOSE_SQ) {
        for (let j = i + 1; j < bytes.length; j++) if (!isSpace(bytes[j]!)) return undefined;
        return { open, close: i, elements };
      }
      continue;
    }
    if (start < 0) start = i;
    if (b === OPEN_SQ || b === OPEN_CURLY) depth++;
    else if (b === CLOSE_SQ || b === CLOSE_CURLY) depth--;
    if (depth < 0) return undefined;
    lastNonSpace = i;
  }
  return undefined;
}

/**
 * The page without the dropped elements, and with replaced ones swapped: every other element
 * keeps its bytes; elements are joined by `,` (what Mastodon sends; whitespace between elements,
 * which carries no value, is not kept).
 */
export function rewriteArray(
  bytes: Buffer,
  spans: ArraySpans,
  drop: ReadonlySet<number>,
  replace: ReadonlyMap<number, Buffer> = new Map(),
): Buffer {
  const parts: Buffer[] = [bytes.subarray(0, spans.open + 1)];
  let first = true;
  spans.elements.forEach(([from, to], index) => {
    if (drop.has(index)) return;
    if (!first) parts.push(Buffer.from(','));
    first = false;
    parts.push(replace.get(index) ?? bytes.subarray(from, to));
  });
  parts.push(bytes.subarray(spans.close));
  return Buffer.concat(parts);
}
