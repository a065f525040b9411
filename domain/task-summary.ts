// One-line names for what a run schedules, shown in the Temporal UI. Temporal (SDK 1.24) stores
// user metadata with each scheduled activity (`summary`) and child workflow (`staticSummary`);
// the UI's timeline and event list show it instead of bare type names, so a run reads
// `fetch mastodon.social public-local 2026-11-20`, `map … part 3/12`, `load mastodon.social
// 2026-11-20` rather than a column of `mastodonFetchSource` and `runDagExpandChunk`.
//
// Fan-out items are named by their planning task: an item that is an object with a string
// `label` (ITEM_LABEL_FIELD) is shown by that label, e.g. `mastodon.social public-local
// 2026-11-20`; other items by their position (`fetch 3/24`). The label is for people only: runDag
// takes it off before the item reaches its activity, so activities see the item they always did.

/** Longer summaries are cut: a label must not flood the UI (or the history events holding it). */
export const SUMMARY_MAX_CHARS = 120;

/** Field of a fan-out item that names it in the UI. */
export const ITEM_LABEL_FIELD = 'label';

/** What a planning task may add to each item it returns for a fan-out. */
export interface ItemLabel {
  label?: string;
}

/** `text` on one line, whitespace collapsed, at most `max` characters (cut ones end in `…`). */
export function oneLine(text: string, max: number = SUMMARY_MAX_CHARS): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The label the planning task gave the item, if it is an object with a non-empty string label. */
export function itemLabel(item: unknown): string | undefined {
  if (!isPlainObject(item)) return undefined;
  const label = item[ITEM_LABEL_FIELD];
  return typeof label === 'string' && label.trim() !== '' ? label : undefined;
}

/** The item as its activity receives it: without the label (other items as they are). */
export function withoutItemLabel(item: unknown): unknown {
  if (!isPlainObject(item) || !(ITEM_LABEL_FIELD in item)) return item;
  const { [ITEM_LABEL_FIELD]: _label, ...rest } = item;
  return rest;
}

export interface TaskSummaryInput {
  taskId: string;
  /** The run's day (YYYY-MM-DD). */
  logicalDate: string;
  /** Fan-out calls only: the item's label (if any), its 0-based index and the list's length. */
  item?: { label?: string; index: number; total: number };
}

/**
 * An activity call's summary: `plan_fetch 2026-11-20` for a task, `fetch mastodon.social
 * public-local 2026-11-20` for a labelled item (the label carries its own day, which may be a
 * look-back day), `fetch 3/24` for an unlabelled one.
 */
export function taskSummary(input: TaskSummaryInput): string {
  const { taskId, logicalDate, item } = input;
  if (item === undefined) return oneLine(`${taskId} ${logicalDate}`);
  if (item.label !== undefined) return oneLine(`${taskId} ${item.label}`);
  return oneLine(`${taskId} ${item.index + 1}/${item.total}`);
}

export interface ChunkSummaryInput {
  taskId: string;
  logicalDate: string;
  /** [start, end) indexes of the chunk's items in the whole list. */
  start: number;
  end: number;
  total: number;
}

/** A fan-out chunk workflow's summary: `fetch ×24 items 1–24 of 24 (2026-11-20)`. */
export function chunkSummary(input: ChunkSummaryInput): string {
  const { taskId, logicalDate, start, end, total } = input;
  return oneLine(`${taskId} ×${end - start} items ${start + 1}–${end} of ${total} (${logicalDate})`);
}

/** A day's runDag started by a backfill or a scheduled run: `mastodon_daily 2026-11-20 (backfill)`. */
export function dayRunSummary(input: { dagId: string; day: string; runType: string }): string {
  return oneLine(`${input.dagId} ${input.day} (${input.runType})`);
}
