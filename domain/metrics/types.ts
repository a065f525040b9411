// The contract every metric family follows. A family is a map/combine/reduce triple:
//
//   start()  -> accumulator   mutable, in-memory only (may hold Maps for speed)
//   add(acc, facts)           the map kernel: folds one counted status
//   seal(acc) -> partial      JSON-serialisable (plain objects/arrays, keys sorted): what the
//                             map activity writes to `mapped/` and the reducer reads back
//   merge(a, b) -> partial    pure, associative, commutative and exact (integers only, no
//                             float sums), so any tree of merges gives the same result
//   finalize(p, ctx) -> KvRow the loader adds instance, day and run_id
//
// Every family aggregates over the statuses folded into it: the map step restricts them to the
// run's window (one UTC day), so "per day" is the window unless a key says otherwise.
import type { MastodonStatus } from '../mastodon-schemas';
import type { FamilyView } from './catalog-types';
import type { EarlierPosters } from './new-accounts';

export interface KvRow {
  metric: string;
  key: string;
  value: number;
  /**
   * Text that belongs to the row (metrics_kv values are numbers), e.g. `{ url }` of a viral
   * toot. The load writes each entry to `metric_labels` (activities/store/load-log.ts).
   */
  labels?: Readonly<Record<string, string>>;
}

export interface FinalizeCtx {
  /** How many rows top-k metrics keep (ties broken by key, ascending). Default 50. */
  topK?: number;
  /**
   * Maps an account's `acct` to the key shown in account-level rows (e.g. a keyed
   * pseudonym). Identity when absent. Opted-out accounts never reach it.
   */
  accountKey?: (acct: string) => string;
  /**
   * Accounts that opted out in any toot of the window (set by finalizeAll from the accounts
   * family), so per-toot rows follow the same account-level rule as per-account rows.
   */
  optedOutAccts?: ReadonlySet<string>;
  /** The posters of the days before, for first-seen accounts (new-accounts.ts); none when absent. */
  firstSeen?: EarlierPosters;
}

export const DEFAULT_TOP_K = 50;

/** What each metric emits, for the loader's typed views and the docs. */
export interface MetricSpec {
  metric: string;
  /** The key format, e.g. `YYYY-MM-DD`, `<language code>`, `all | bot | human`. */
  key: string;
  value: string;
  /** True when rows name an account or a single toot (opt-outs excluded, accountKey applied). */
  accountLevel: boolean;
}

/**
 * Facts derived once per counted status and shared by all families, so that no family
 * re-parses a timestamp, re-hashes the account or re-runs the opt-out check. The mapper reuses
 * one object for every status: a family must copy what it keeps, never the facts object.
 */
export interface StatusFacts {
  readonly status: MastodonStatus;
  /** created_at in Unix ms. */
  readonly createdMs: number;
  readonly acct: string;
  /**
   * Dense index of `acct` within this mapper (0, 1, 2, … in order of first appearance), so
   * per-account families index arrays instead of hashing the acct again.
   */
  readonly slot: number;
  /** isOptedOut(status.account), see domain/privacy.ts. */
  readonly optedOut: boolean;
  /** favourites + reblogs + replies as counted by the server at fetch time. */
  readonly engagement: number;
  /** The status's HTML: content, or the escaped `text` of a deleted status (html-text.ts). */
  readonly html: string;
  /** Plain text of `html` (html-text.ts), computed on first use and cached. */
  text(): string;
}

/** Handed to `seal`: the accounts behind the slots. */
export interface SealCtx {
  /** acct of each slot. */
  readonly accts: readonly string[];
  /** Slots in ascending order of acct, so sealed per-account records come out sorted. */
  readonly order: readonly number[];
}

export interface FamilyOptions {
  /** Viral floor: a toot needs at least this engagement to be viral. Default 10. */
  viralMinEngagement?: number;
}

/**
 * What every family declares in one place (status and snapshot families alike): the metrics it
 * emits and the typed views they are read through. catalog.ts registers them all.
 */
export interface FamilyDeclaration {
  readonly name: string;
  readonly metrics: readonly MetricSpec[];
  readonly views: readonly FamilyView[];
}

export interface MetricFamily<Acc, P> extends FamilyDeclaration {
  start(opts: FamilyOptions): Acc;
  add(acc: Acc, facts: StatusFacts): void;
  seal(acc: Acc, ctx: SealCtx): P;
  merge(a: P, b: P): P;
  finalize(partial: P, ctx: FinalizeCtx): KvRow[];
}

/** Bits of the per-account flags word kept by account-keyed families. */
export const FLAG_OPTED_OUT = 1;
export const FLAG_BOT = 2;
