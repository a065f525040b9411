// The registry of metric families and the combined map / merge / finalize over all of them.
//
// Map (per part): each record is validated (fast check, zod for the reason when it fails),
// then skipped if not public, a boost, outside the time window or the ID range, or a duplicate
// within the part, and otherwise folded into every selected family. Nothing is dropped
// silently: each record lands in exactly one of the counters of `MapCounts`.
//
// Exactness across parts: a status must be mapped in exactly one part. The fetcher de-dups
// per source, and a map task that splits a source's pages over several parts gives each part a
// disjoint ID range (`idRange`), so a status on a page read by two parts still counts once. As a
// guard, every partial carries the sorted IDs it counted and `mergePartials` throws
// `PartialOverlapError` if two partials share one — a double count fails loudly instead of
// skewing the numbers (about 20 bytes per status: ~6 MB for a 300k-status day).
import { describeIssues, MastodonStatus } from '../mastodon-schemas';
import { isOptedOut } from '../privacy';
import { msFromSnowflake } from '../snowflake';
import { accounts } from './accounts';
import { apps } from './apps';
import { bots } from './bots';
import { content } from './content';
import { engagement } from './engagement';
import { engagementTotal } from './engagement-total';
import { isStatusFast } from './fast-status-check';
import { followers } from './followers';
import { hashtags } from './hashtags';
import { htmlToText, statusHtml } from './html-text';
import { isoToMs } from './iso-time';
import { languages } from './languages';
import { length } from './length';
import { links } from './links';
import { mapCounts } from './map-counts';
import { newAccounts } from './new-accounts';
import { origins } from './origins';
import { compareDecimalIds } from './records';
import { sentimentDaily } from './sentiment-daily';
import { signups } from './signups';
import type { FamilyOptions, FinalizeCtx, KvRow, MetricFamily, MetricSpec, SealCtx, StatusFacts } from './types';
import { viral } from './viral';
import { volume } from './volume';

export type { FinalizeCtx, KvRow, MetricSpec, StatusFacts } from './types';

export const FAMILIES = {
  volume,
  accounts,
  length,
  languages,
  apps,
  bots,
  hashtags,
  engagement,
  engagementTotal,
  followers,
  signups,
  content,
  sentiment: sentimentDaily,
  viral,
  origins,
  newAccounts,
  links,
} as const;

type Families = typeof FAMILIES;
export type FamilyName = keyof Families;
export const FAMILY_NAMES = Object.keys(FAMILIES) as FamilyName[];
type PartialOf<K extends FamilyName> = Families[K] extends MetricFamily<unknown, infer P> ? P : never;
export type FamilyPartials = { [K in FamilyName]?: PartialOf<K> };

/**
 * Everything but sentiment (for comparing with SQL, which has no VADER). Scoring costs ~4.5 µs
 * per English toot with domain/vader-fast.ts (it was ~50 µs through the package), the same order
 * as the other families together, so mastodon_daily maps all families in one pass.
 */
export const CHEAP_FAMILIES: readonly FamilyName[] = FAMILY_NAMES.filter((f) => f !== 'sentiment');

/** Every metric finalizeAll emits (for the loader's typed views and docs). */
export const METRIC_CATALOG: readonly (MetricSpec & { family: FamilyName | 'map' })[] = [
  ...FAMILY_NAMES.flatMap((family) => FAMILIES[family].metrics.map((m) => ({ ...m, family }))),
  ...mapCounts.metrics.map((m) => ({ ...m, family: 'map' as const })),
];

export interface MapCounts {
  /** Records given to the mapper; the sum of all the others. */
  input: number;
  counted: number;
  quarantined: number;
  nonPublic: number;
  reblogs: number;
  outOfWindow: number;
  outOfRange: number;
  duplicates: number;
}

const COUNT_KEYS: readonly (keyof MapCounts)[] = [
  'input',
  'counted',
  'quarantined',
  'nonPublic',
  'reblogs',
  'outOfWindow',
  'outOfRange',
  'duplicates',
];
const COUNT_ROW_KEYS: Record<keyof MapCounts, string> = {
  input: 'input',
  counted: 'counted',
  quarantined: 'quarantined',
  nonPublic: 'non_public',
  reblogs: 'reblogs',
  outOfWindow: 'out_of_window',
  outOfRange: 'out_of_range',
  duplicates: 'duplicates',
};

export interface TimeWindow {
  /** Inclusive, Unix ms. */
  startMs: number;
  /** Exclusive, Unix ms. */
  endMs: number;
}

export interface IdRange {
  /** Inclusive lower bound (decimal status ID); none when absent. */
  minId?: string;
  /** Exclusive upper bound; none when absent. */
  maxId?: string;
}

export interface MapOptions extends FamilyOptions {
  /** Half-open [windowStartMs, windowEndMs) on created_at; both or neither. */
  windowStartMs?: number;
  windowEndMs?: number;
  /** Half-open ID range this part owns (see the header). */
  idRange?: IdRange;
  /** Families to compute; all by default. */
  families?: readonly FamilyName[];
}

export interface CombinedPartial {
  v: 1;
  window: TimeWindow | null;
  /** Registry order. */
  families: FamilyName[];
  counts: MapCounts;
  /** IDs of the counted statuses, ascending numeric order (the overlap guard). */
  ids: string[];
  partials: FamilyPartials;
}

export interface QuarantinedRecord {
  /** Position in the array given to `add` (or `mapStatuses`). */
  index: number;
  /** Caller's reference for that array, e.g. the raw page key. */
  ref?: string;
  /** The record's id when it had a usable one. */
  id?: string;
  /** Names the failing field(s), e.g. `account.created_at: Invalid ISO datetime`. */
  reason: string;
}

export interface MapResult {
  partial: CombinedPartial;
  quarantined: QuarantinedRecord[];
}

export class PartialOverlapError extends Error {
  constructor(
    readonly overlapping: number,
    readonly examples: string[],
  ) {
    super(
      `partials overlap: ${overlapping} status(es) counted in both (e.g. ${examples.join(', ')}); ` +
        'each status must be mapped in exactly one part — de-dup pages or give parts disjoint ID ranges',
    );
    this.name = 'PartialOverlapError';
  }
}

function selectFamilies(requested: readonly FamilyName[] | undefined): FamilyName[] {
  if (requested === undefined) return [...FAMILY_NAMES];
  for (const f of requested) if (!Object.hasOwn(FAMILIES, f)) throw new Error(`unknown metric family "${f}"`);
  return FAMILY_NAMES.filter((f) => requested.includes(f));
}

function windowOf(opts: MapOptions): TimeWindow | null {
  const { windowStartMs: startMs, windowEndMs: endMs } = opts;
  if (startMs === undefined && endMs === undefined) return null;
  if (startMs === undefined || endMs === undefined || !(startMs < endMs)) {
    throw new Error(`a window needs windowStartMs < windowEndMs, got [${startMs}, ${endMs})`);
  }
  return { startMs, endMs };
}

/** One reusable facts object per mapper (see StatusFacts). */
class Facts implements StatusFacts {
  status!: MastodonStatus;
  createdMs = 0;
  acct = '';
  slot = 0;
  optedOut = false;
  engagement = 0;
  html = '';
  private plain: string | undefined;
  set(status: MastodonStatus, createdMs: number, slot: number, optedOut: boolean): void {
    this.status = status;
    this.createdMs = createdMs;
    this.acct = status.account.acct;
    this.slot = slot;
    this.optedOut = optedOut;
    this.engagement = status.favourites_count + status.reblogs_count + status.replies_count;
    this.html = statusHtml(status);
    this.plain = undefined;
  }
  text(): string {
    if (this.plain === undefined) this.plain = htmlToText(this.html);
    return this.plain;
  }
}

function emptyCounts(): MapCounts {
  return {
    input: 0,
    counted: 0,
    quarantined: 0,
    nonPublic: 0,
    reblogs: 0,
    outOfWindow: 0,
    outOfRange: 0,
    duplicates: 0,
  };
}

/**
 * For records whose strings are still undecoded bytes (parsed from latin1-decoded UTF-8, see
 * activities/aggregate/page-json.ts): `declared` decodes, in place, every string field the
 * MastodonStatus schema declares (all a metric can read) of a record the fast check accepted;
 * `whole` decodes a record entirely before zod checks it.
 */
export interface RecordDecoder {
  declared(status: MastodonStatus): void;
  whole(record: unknown): unknown;
}

export interface StatusMapper {
  /**
   * Folds a batch (e.g. one raw page's array); `ref` is echoed in quarantine entries; `decoder`
   * when the records' strings are raw bytes.
   */
  add(records: readonly unknown[], ref?: string, decoder?: RecordDecoder): void;
  /** Seals the accumulators into a JSON-serialisable partial. The mapper is spent after this. */
  finish(): MapResult;
}

type AnyFamily = MetricFamily<unknown, unknown>;

/**
 * Exact de-duplication of status IDs within one mapper. Timelines arrive sorted (newest first,
 * or oldest first when paging with min_id), so an ID below the smallest or above the largest
 * seen so far is new without any lookup; only out-of-order IDs need the set, which is built
 * from the IDs so far the first time that happens.
 */
class IdDeduper {
  readonly ids: string[] = [];
  private min = '';
  private max = '';
  private set: Set<string> | undefined;
  /** True when `id` is new (and records it). */
  add(id: string): boolean {
    const ids = this.ids;
    if (ids.length === 0) {
      this.min = id;
      this.max = id;
    } else if (compareDecimalIds(id, this.min) < 0) {
      this.min = id;
    } else if (compareDecimalIds(id, this.max) > 0) {
      this.max = id;
    } else {
      if (this.set === undefined) this.set = new Set(ids);
      if (this.set.has(id)) return false;
    }
    ids.push(id);
    this.set?.add(id);
    return true;
  }
}

/** A Mastodon snowflake ID (time in its high bits; any from 2016 on has 16+ digits). */
const SNOWFLAKE_RE = /^[1-9]\d{15,19}$/;

export function createStatusMapper(opts: MapOptions = {}): StatusMapper {
  return new FoldingMapper(opts);
}

/**
 * The mapper as a class rather than closures made per mapper: a map thread makes one mapper per
 * part, and V8 drops the optimised code of closures made afresh once none of them lives (see
 * records.ts), so the per-record loop was compiled again after a full collection between parts.
 * A method on the prototype is one function per thread, and keeps its optimised code.
 */
class FoldingMapper implements StatusMapper {
  private readonly window: TimeWindow | null;
  private readonly names: FamilyName[];
  private readonly families: AnyFamily[];
  private readonly accs: unknown[];
  private readonly counts = emptyCounts();
  private readonly quarantined: QuarantinedRecord[] = [];
  private readonly dedup = new IdDeduper();
  private readonly slots = new Map<string, number>();
  private readonly accts: string[] = [];
  private readonly facts = new Facts();
  private readonly minId: string | undefined;
  private readonly maxId: string | undefined;
  private readonly startMs: number;
  private readonly endMs: number;
  private finished = false;

  constructor(opts: MapOptions) {
    this.window = windowOf(opts);
    this.names = selectFamilies(opts.families);
    this.families = this.names.map((n) => FAMILIES[n] as unknown as AnyFamily);
    this.accs = this.families.map((f) => f.start(opts));
    this.minId = opts.idRange?.minId;
    this.maxId = opts.idRange?.maxId;
    this.startMs = this.window?.startMs ?? Number.NEGATIVE_INFINITY;
    this.endMs = this.window?.endMs ?? Number.POSITIVE_INFINITY;
  }

  private validate(
    record: unknown,
    index: number,
    ref: string | undefined,
    decoder: RecordDecoder | undefined,
  ): MastodonStatus | undefined {
    if (isStatusFast(record)) {
      decoder?.declared(record);
      return record;
    }
    // The fast check answers the same on undecoded strings; zod's messages need the text.
    if (decoder) record = decoder.whole(record);
    const parsed = MastodonStatus.safeParse(record);
    if (parsed.success) return parsed.data;
    const id = typeof record === 'object' && record !== null ? (record as { id?: unknown }).id : undefined;
    // A broken record whose snowflake ID dates it to another day is that day's to keep aside:
    // a day's aggregation also reads the next day's pages (late statuses), and without this both
    // days would quarantine (and count) the same record.
    if (typeof id === 'string' && SNOWFLAKE_RE.test(id) && this.window) {
      const idMs = msFromSnowflake(id);
      if (idMs < this.startMs || idMs >= this.endMs) {
        this.counts.outOfWindow++;
        return undefined;
      }
    }
    const entry: QuarantinedRecord = { index, reason: describeIssues(parsed.error) };
    if (ref !== undefined) entry.ref = ref;
    if (typeof id === 'string') entry.id = id;
    this.quarantined.push(entry);
    this.counts.quarantined++;
    return undefined;
  }

  add(records: readonly unknown[], ref?: string, decoder?: RecordDecoder): void {
    if (this.finished) throw new Error('mapper already finished');
    const { counts, dedup, slots, accts, facts, families, accs, minId, maxId, startMs, endMs } = this;
    const nFamilies = families.length;
    const n = records.length;
    counts.input += n;
    for (let index = 0; index < n; index++) {
      const status = this.validate(records[index], index, ref, decoder);
      if (status === undefined) continue;
      if (status.visibility !== 'public') {
        counts.nonPublic++;
        continue;
      }
      if (status.reblog !== null && status.reblog !== undefined) {
        counts.reblogs++;
        continue;
      }
      const createdMs = isoToMs(status.created_at);
      if (createdMs < startMs || createdMs >= endMs) {
        counts.outOfWindow++;
        continue;
      }
      const id = status.id;
      if (
        (minId !== undefined && compareDecimalIds(id, minId) < 0) ||
        (maxId !== undefined && compareDecimalIds(id, maxId) >= 0)
      ) {
        counts.outOfRange++;
        continue;
      }
      if (!dedup.add(id)) {
        counts.duplicates++;
        continue;
      }
      counts.counted++;
      const account = status.account;
      const acct = account.acct;
      let slot = slots.get(acct);
      if (slot === undefined) {
        slot = accts.length;
        slots.set(acct, slot);
        accts.push(acct);
      }
      facts.set(status, createdMs, slot, isOptedOut(account));
      for (let f = 0; f < nFamilies; f++) (families[f] as AnyFamily).add(accs[f], facts);
    }
  }

  finish(): MapResult {
    if (this.finished) throw new Error('mapper already finished');
    this.finished = true;
    const { accts, slots, names, families, accs } = this;
    // Slots in acct order, via a native string sort (no JS comparator).
    const sorted = [...accts].sort();
    const order: number[] = new Array(sorted.length);
    for (let k = 0; k < sorted.length; k++) order[k] = slots.get(sorted[k] as string) as number;
    const sealCtx: SealCtx = { accts, order };
    const partials: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) {
      partials[names[i] as string] = (families[i] as AnyFamily).seal(accs[i], sealCtx);
    }
    // Timelines arrive newest-first page after page: reversing makes the list almost sorted,
    // which the engine's TimSort finishes in about linear time.
    const ids = this.dedup.ids.reverse().sort(compareDecimalIds);
    return {
      partial: {
        v: 1,
        window: this.window,
        families: names,
        counts: this.counts,
        ids,
        partials: partials as FamilyPartials,
      },
      quarantined: this.quarantined,
    };
  }
}

/** Maps one batch of raw records (e.g. a parsed page). */
export function mapStatuses(statuses: readonly unknown[], opts: MapOptions = {}): MapResult {
  const mapper = createStatusMapper(opts);
  mapper.add(statuses);
  return mapper.finish();
}

/** The partial of no statuses: the identity of mergePartials. */
export function emptyPartial(opts: MapOptions = {}): CombinedPartial {
  return createStatusMapper(opts).finish().partial;
}

/**
 * A partial's counted IDs for the overlap guard, in the most compact exact form: unsigned 64-bit
 * integers (8 bytes an ID instead of a ~40-byte string: ~50 MB less for a 1M-status reduce)
 * when every ID fits, else the strings themselves. Input and output are in ascending order.
 */
export type IdColumn = BigUint64Array | readonly string[];
const U64_MAX = 0xffff_ffff_ffff_ffffn;

export function compactIds(ids: readonly string[]): IdColumn {
  const out = new BigUint64Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const v = BigInt(ids[i] as string);
    if (v > U64_MAX) return ids;
    out[i] = v;
  }
  return out;
}

/** The union of two ID columns; throws PartialOverlapError when they share an ID. */
export function mergeIdColumns(a: IdColumn, b: IdColumn): IdColumn {
  if (a instanceof BigUint64Array && b instanceof BigUint64Array) {
    return mergeDisjoint(a, b, (x, y) => (x < y ? -1 : x > y ? 1 : 0), new BigUint64Array(a.length + b.length));
  }
  const strings = (c: IdColumn): readonly string[] => (c instanceof BigUint64Array ? Array.from(c, String) : c);
  return mergeSortedIds(strings(a), strings(b));
}

function mergeSortedIds(a: readonly string[], b: readonly string[]): string[] {
  return mergeDisjoint(a, b, compareDecimalIds, new Array<string>(a.length + b.length));
}

/** Merges two ascending columns into `out` (sized for both); throws PartialOverlapError on shared values. */
function mergeDisjoint<T, C extends { [i: number]: T }>(
  a: ArrayLike<T>,
  b: ArrayLike<T>,
  cmp: (x: T, y: T) => number,
  out: C,
): C {
  let i = 0;
  let j = 0;
  let k = 0;
  let overlapping = 0;
  const examples: string[] = [];
  while (i < a.length && j < b.length) {
    const x = a[i] as T;
    const y = b[j] as T;
    const c = cmp(x, y);
    if (c === 0) {
      overlapping++;
      if (examples.length < 3) examples.push(String(x));
      i++;
      j++;
    } else if (c < 0) {
      out[k++] = x;
      i++;
    } else {
      out[k++] = y;
      j++;
    }
  }
  if (overlapping > 0) throw new PartialOverlapError(overlapping, examples);
  while (i < a.length) out[k++] = a[i++] as T;
  while (j < b.length) out[k++] = b[j++] as T;
  return out;
}

function sameWindow(a: TimeWindow | null, b: TimeWindow | null): boolean {
  if (a === null || b === null) return a === b;
  return a.startMs === b.startMs && a.endMs === b.endMs;
}

/** Associative, commutative and exact; throws on partials that cannot be combined. */
export function mergePartials(a: CombinedPartial, b: CombinedPartial): CombinedPartial {
  if (a.v !== 1 || b.v !== 1) throw new Error(`unsupported partial version ${a.v}/${b.v}`);
  if (!sameWindow(a.window, b.window)) {
    throw new Error(
      `cannot merge partials of different windows: ${JSON.stringify(a.window)} vs ${JSON.stringify(b.window)}`,
    );
  }
  if (a.families.join() !== b.families.join()) {
    throw new Error(`cannot merge partials of different families: [${a.families}] vs [${b.families}]`);
  }
  const counts = emptyCounts();
  for (const k of COUNT_KEYS) counts[k] = a.counts[k] + b.counts[k];
  const partials: Record<string, unknown> = {};
  for (const name of a.families) {
    const family = FAMILIES[name] as unknown as AnyFamily;
    partials[name] = family.merge(a.partials[name], b.partials[name]);
  }
  return {
    v: 1,
    window: a.window === null ? null : { ...a.window },
    families: [...a.families],
    counts,
    ids: mergeSortedIds(a.ids, b.ids),
    partials: partials as FamilyPartials,
  };
}

/**
 * A partial as JSON, each distinct acct column written once. The account-keyed families of a
 * partial usually hold the same column (every counted account): written per family it was most
 * of a partial's bytes (six copies), and read back as six separate arrays a reduce would join six
 * times. Here a family's `accts` is written as an index into `acctColumns`; partialFromJson
 * gives back families sharing one column object, which joinColumns then joins once for all.
 */
export function partialToJson(partial: CombinedPartial): string {
  const columns: (readonly string[])[] = [];
  const partials: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(partial.partials)) {
    const accts = (p as { accts?: unknown } | undefined)?.accts;
    if (!Array.isArray(accts)) {
      partials[name] = p;
      continue;
    }
    let n = 0;
    while (n < columns.length && !sameColumn(columns[n] as readonly string[], accts)) n++;
    if (n === columns.length) columns.push(accts as string[]);
    partials[name] = { ...(p as object), accts: n };
  }
  return JSON.stringify({ ...partial, acctColumns: columns, partials });
}

function sameColumn(a: readonly string[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A partial from partialToJson's JSON (or from a plain JSON.stringify of one: columns inline). */
export function partialFromJson(text: string): CombinedPartial {
  const parsed = JSON.parse(text) as CombinedPartial & { acctColumns?: string[][] };
  const columns = parsed.acctColumns;
  if (columns) {
    for (const p of Object.values(parsed.partials) as Array<{ accts?: unknown }>) {
      if (typeof p?.accts !== 'number') continue;
      const column = columns[p.accts];
      if (!column) throw new Error(`partial names acct column ${p.accts}, it has ${columns.length}`);
      p.accts = column;
    }
    delete parsed.acctColumns;
  }
  return parsed;
}

/** Merges any number of partials (left fold; the order does not change the result). */
export function mergeAll(parts: readonly CombinedPartial[]): CombinedPartial {
  if (parts.length === 0) throw new Error('mergeAll needs at least one partial');
  return parts.slice(1).reduce(mergePartials, parts[0] as CombinedPartial);
}

/** Accounts flagged opted-out in any toot, from the accounts family (undefined without it). */
export function optedOutAccounts(partial: CombinedPartial): Set<string> | undefined {
  const acc = partial.partials.accounts as { accts: string[]; flags: number[] } | undefined;
  if (!acc) return undefined;
  return new Set(acc.accts.filter((_, i) => ((acc.flags[i] ?? 0) & 1) !== 0));
}

/** Rows of every family in the partial, plus `map_counts`. */
export function finalizeAll(partial: CombinedPartial, ctx: FinalizeCtx = {}): KvRow[] {
  const rows: KvRow[] = COUNT_KEYS.map((k) => ({
    metric: 'map_counts',
    key: COUNT_ROW_KEYS[k],
    value: partial.counts[k],
  }));
  const full: FinalizeCtx = { ...ctx, optedOutAccts: ctx.optedOutAccts ?? optedOutAccounts(partial) };
  for (const name of partial.families) {
    const family = FAMILIES[name] as unknown as AnyFamily;
    rows.push(...family.finalize(partial.partials[name], full));
  }
  return rows;
}
