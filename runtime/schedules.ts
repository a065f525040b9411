import {
  ScheduleNotFoundError,
  type Client,
  type ScheduleDescription,
  type ScheduleOptions,
  type ScheduleOverlapPolicy,
  type ScheduleUpdateOptions,
} from '@temporalio/client';
import type { SearchAttributePair, TypedSearchAttributes } from '@temporalio/common';
import type { DagSpec } from '../domain/dag-spec';
import { parseDuration } from '../domain/durations';
import { scheduledRunWorkflowId, scheduleId } from '../domain/keys';
import { DagIdKey, RunTypeKey } from '../domain/search-attributes';
import { SCHEDULED_RUN_WORKFLOW_TYPE } from '../workflows/contracts';

// One Temporal Schedule per scheduled DAG, kept equal to the DAG registry by `schedules sync`.
//
// The action starts `scheduledDagRun` (workflows/scheduled-run.ts), which turns the schedule's
// fire time into the logical date and runs `dag/<dagId>/<day>`. Schedules this code creates carry
// a memo marking them as mastoflow's, scoped by task queue: sync only ever updates or deletes
// schedules with that mark and the same task queue, so schedules made by hand, and other
// mastoflow deployments sharing the namespace on their own queue, are left alone.
//
// Sync is idempotent: it compares each desired schedule field by field with what the server
// describes and updates only on a difference. Temporal stores a cron string as a structured
// calendar, so the cron is also written into the calendar's comment (`<cron> #mastoflow cron:
// <cron>`, Temporal's cron comment syntax) and compared there.

export const MANAGED_MEMO_KEY = 'mastoflow';

/** The mark on every schedule mastoflow manages (schedule memo; set at creation, immutable). */
export interface ManagedMark {
  managed: true;
  dagId: string;
  taskQueue: string;
}

/** Pauses made with `mastoflow schedules pause` carry this note; sync does not undo them. */
export const OPERATOR_PAUSE_NOTE = 'paused with mastoflow schedules pause';

export interface DesiredSchedule {
  scheduleId: string;
  dagId: string;
  cron: string;
  timezone: string;
  catchupWindowMs: number;
  overlap: ScheduleOverlapPolicy;
  paused: boolean;
  taskQueue: string;
  /** Handed to the scheduled workflows as memo, and by them to runDag (its DuckDB queue). */
  storeTaskQueue: string;
  workflowId: string;
  args: [{ dagId: string }];
}

/**
 * maxActiveRuns 1 → BUFFER_ONE: when yesterday's run is still going at the next fire, the new
 * day waits and then runs (its logical date comes from its own scheduled time, so it processes
 * the right day). SKIP would silently drop that day, a gap only a backfill repairs. One buffered
 * fire is enough for a late run; after a longer stall the extra fires are dropped rather than
 * piling up (`status` shows the gaps, `backfill` fills them).
 * maxActiveRuns > 1 → ALLOW_ALL: runs of different days may overlap. Temporal has no "at most N"
 * overlap policy, so N itself bounds backfills only.
 */
export function overlapPolicyFor(maxActiveRuns: number): ScheduleOverlapPolicy {
  return maxActiveRuns <= 1 ? 'BUFFER_ONE' : 'ALLOW_ALL';
}

export function cronComment(cron: string): string {
  return `mastoflow cron: ${cron}`;
}

export interface DesiredScheduleOptions {
  taskQueue: string;
  storeTaskQueue: string;
  /** For DAGs whose schedule sets no catch-up window (config `schedule.catchupWindow`). */
  defaultCatchupWindow: string | number;
}

export function desiredSchedules(dags: Iterable<DagSpec>, opts: DesiredScheduleOptions): DesiredSchedule[] {
  const out: DesiredSchedule[] = [];
  for (const dag of dags) {
    if (dag.schedule === null) continue;
    const cron = dag.schedule.cron.trim();
    if (cron.includes('#')) {
      // '#' starts a comment in Temporal's cron syntax, so `1#2` (nth weekday) cannot be expressed.
      throw new Error(`dag "${dag.id}": schedule.cron "${cron}" uses '#', which Temporal schedules do not support`);
    }
    out.push({
      scheduleId: scheduleId(dag.id),
      dagId: dag.id,
      cron,
      timezone: dag.schedule.timezone,
      catchupWindowMs: dag.schedule.catchupWindow ?? parseDuration(opts.defaultCatchupWindow),
      overlap: overlapPolicyFor(dag.maxActiveRuns),
      paused: dag.schedule.paused,
      taskQueue: opts.taskQueue,
      storeTaskQueue: opts.storeTaskQueue,
      workflowId: scheduledRunWorkflowId(dag.id),
      args: [{ dagId: dag.id }],
    });
  }
  return out.sort((a, b) => a.scheduleId.localeCompare(b.scheduleId));
}

function actionSearchAttributes(d: DesiredSchedule): SearchAttributePair[] {
  return [
    { key: DagIdKey, value: d.dagId },
    { key: RunTypeKey, value: 'scheduled' },
  ];
}

function updateOptions(d: DesiredSchedule, state: { paused: boolean; note?: string }): ScheduleUpdateOptions {
  return {
    spec: { cronExpressions: [`${d.cron} #${cronComment(d.cron)}`], timezone: d.timezone },
    action: {
      type: 'startWorkflow',
      workflowType: SCHEDULED_RUN_WORKFLOW_TYPE,
      workflowId: d.workflowId,
      taskQueue: d.taskQueue,
      args: d.args,
      memo: { storeTaskQueue: d.storeTaskQueue },
      typedSearchAttributes: actionSearchAttributes(d),
    },
    policies: { overlap: d.overlap, catchupWindow: d.catchupWindowMs, pauseOnFailure: false },
    typedSearchAttributes: [{ key: DagIdKey, value: d.dagId }],
    state,
  };
}

export function createOptions(d: DesiredSchedule): ScheduleOptions {
  const mark: ManagedMark = { managed: true, dagId: d.dagId, taskQueue: d.taskQueue };
  return {
    scheduleId: d.scheduleId,
    ...updateOptions(d, { paused: d.paused, ...(d.paused ? { note: 'paused in the DAG spec' } : {}) }),
    memo: { [MANAGED_MEMO_KEY]: mark },
  };
}

export function managedMark(memo: Record<string, unknown> | undefined): ManagedMark | undefined {
  const mark = memo?.[MANAGED_MEMO_KEY] as Partial<ManagedMark> | undefined;
  return mark && mark.managed === true && typeof mark.taskQueue === 'string' && typeof mark.dagId === 'string'
    ? (mark as ManagedMark)
    : undefined;
}

/** JSON with sorted keys, so two equal values compare equal whatever their key order. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

/** A keyword search attribute from either shape the SDK describes them in. */
function keywordOf(
  attrs: SearchAttributePair[] | TypedSearchAttributes | undefined,
  key: typeof DagIdKey,
): string | undefined {
  if (!attrs) return undefined;
  if (Array.isArray(attrs)) {
    const value = attrs.find((p) => p.key.name === key.name)?.value;
    return typeof value === 'string' ? value : undefined;
  }
  return attrs.get(key);
}

/** Whether sync should leave a paused schedule paused although the spec says active. */
export function operatorPaused(desc: Pick<ScheduleDescription, 'state'>): boolean {
  return desc.state.paused && (desc.state.note ?? '').startsWith(OPERATOR_PAUSE_NOTE);
}

/**
 * Each difference between the desired and the described schedule as `field: have → want`.
 * Empty = nothing to update.
 */
export function scheduleDifferences(d: DesiredSchedule, desc: ScheduleDescription): string[] {
  const diffs: string[] = [];
  const diff = (field: string, have: unknown, want: unknown) => {
    if (stableJson(have) !== stableJson(want))
      diffs.push(`${field}: ${stableJson(have) ?? 'unset'} → ${stableJson(want)}`);
  };
  const calendars = desc.spec.calendars ?? [];
  const describedCron =
    calendars.length === 1 && calendars[0]?.comment?.startsWith(cronComment(''))
      ? calendars[0].comment.slice(cronComment('').length)
      : `(${calendars.length} calendar(s) not written by mastoflow)`;
  diff('cron', describedCron, d.cron);
  diff('extra spec entries', (desc.spec.intervals?.length ?? 0) + (desc.spec.skip?.length ?? 0), 0);
  diff('timezone', desc.spec.timezone ?? 'UTC', d.timezone);
  diff('spec window', [desc.spec.startAt ?? null, desc.spec.endAt ?? null, desc.spec.jitter ?? 0], [null, null, 0]);
  const a = desc.action;
  diff('action.workflowType', a.workflowType, SCHEDULED_RUN_WORKFLOW_TYPE);
  diff('action.workflowId', a.workflowId, d.workflowId);
  diff('action.taskQueue', a.taskQueue, d.taskQueue);
  diff('action.args', a.args, d.args);
  diff('action.memo', a.memo ?? {}, { storeTaskQueue: d.storeTaskQueue });
  diff('action.DagId', keywordOf(a.typedSearchAttributes, DagIdKey), d.dagId);
  diff('action.RunType', keywordOf(a.typedSearchAttributes, RunTypeKey), 'scheduled');
  diff('overlap', desc.policies.overlap, d.overlap);
  diff('catchupWindowMs', desc.policies.catchupWindow, d.catchupWindowMs);
  diff('pauseOnFailure', desc.policies.pauseOnFailure, false);
  diff('DagId', keywordOf(desc.typedSearchAttributes, DagIdKey), d.dagId);
  if (desc.state.paused !== d.paused && !(desc.state.paused && !d.paused && operatorPaused(desc))) {
    diff('paused', desc.state.paused, d.paused);
  }
  return diffs;
}

export interface SyncReport {
  created: string[];
  updated: Array<{ scheduleId: string; changes: string[] }>;
  deleted: string[];
  unchanged: string[];
  /** Active in the spec but paused by an operator: left paused. */
  keptPaused: string[];
  /** IDs that exist but are not ours to touch (made by hand or by another task queue's sync). */
  conflicts: Array<{ scheduleId: string; reason: string }>;
}

export interface SyncOptions extends DesiredScheduleOptions {
  /** Report what would change without changing it. */
  dryRun?: boolean;
}

async function describeOrUndefined(client: Client, id: string): Promise<ScheduleDescription | undefined> {
  try {
    return await client.schedule.getHandle(id).describe();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return undefined;
    throw err;
  }
}

/** Managed schedules of this deployment (task queue) as listed by visibility. */
export async function listManagedScheduleIds(
  client: Client,
  taskQueue: string,
): Promise<Array<{ scheduleId: string; mark: ManagedMark }>> {
  const out: Array<{ scheduleId: string; mark: ManagedMark }> = [];
  for await (const summary of client.schedule.list()) {
    const mark = managedMark(summary.memo);
    if (mark && mark.taskQueue === taskQueue) out.push({ scheduleId: summary.scheduleId, mark });
  }
  return out.sort((a, b) => a.scheduleId.localeCompare(b.scheduleId));
}

/** Create, update and delete schedules so that they match the scheduled DAGs. */
export async function syncSchedules(client: Client, dags: Iterable<DagSpec>, opts: SyncOptions): Promise<SyncReport> {
  const report: SyncReport = { created: [], updated: [], deleted: [], unchanged: [], keptPaused: [], conflicts: [] };
  const desired = desiredSchedules(dags, opts);
  const wanted = new Set(desired.map((d) => d.scheduleId));

  for (const d of desired) {
    const desc = await describeOrUndefined(client, d.scheduleId);
    if (!desc) {
      if (!opts.dryRun) await client.schedule.create(createOptions(d));
      report.created.push(d.scheduleId);
      continue;
    }
    const mark = managedMark(desc.memo);
    if (!mark) {
      report.conflicts.push({
        scheduleId: d.scheduleId,
        reason: 'exists but was not created by mastoflow; delete it or rename the DAG',
      });
      continue;
    }
    if (mark.taskQueue !== d.taskQueue) {
      // The mark (memo) cannot be updated in place, so a move to another queue is a re-create.
      if (!opts.dryRun) {
        await client.schedule.getHandle(d.scheduleId).delete();
        await client.schedule.create(createOptions(d));
      }
      report.updated.push({
        scheduleId: d.scheduleId,
        changes: [`taskQueue: ${mark.taskQueue} → ${d.taskQueue} (re-created)`],
      });
      continue;
    }
    const changes = scheduleDifferences(d, desc);
    const keep = !d.paused && operatorPaused(desc);
    if (keep) report.keptPaused.push(d.scheduleId);
    if (changes.length === 0) {
      report.unchanged.push(d.scheduleId);
      continue;
    }
    if (!opts.dryRun) {
      const paused = d.paused || keep;
      const note = keep
        ? desc.state.note
        : d.paused
          ? 'paused in the DAG spec'
          : 'unpaused by mastoflow schedules sync';
      await client.schedule
        .getHandle(d.scheduleId)
        .update(() => updateOptions(d, { paused, ...(note ? { note } : {}) }));
    }
    report.updated.push({ scheduleId: d.scheduleId, changes });
  }

  for (const { scheduleId: id } of await listManagedScheduleIds(client, opts.taskQueue)) {
    if (wanted.has(id)) continue;
    if (!opts.dryRun) {
      try {
        await client.schedule.getHandle(id).delete();
      } catch (err) {
        if (!(err instanceof ScheduleNotFoundError)) throw err;
      }
    }
    report.deleted.push(id);
  }
  return report;
}

export function formatSyncReport(report: SyncReport, dryRun = false): string {
  const lines: string[] = [];
  const verb = dryRun ? 'would be ' : '';
  for (const id of report.created) lines.push(`+ ${id} ${verb}created`);
  for (const u of report.updated) lines.push(`~ ${u.scheduleId} ${verb}updated: ${u.changes.join('; ')}`);
  for (const id of report.deleted) lines.push(`- ${id} ${verb}deleted (its DAG has no schedule any more)`);
  for (const id of report.keptPaused)
    lines.push(`  ${id} left paused (paused by an operator; unpause with \`mastoflow schedules unpause\`)`);
  for (const c of report.conflicts) lines.push(`! ${c.scheduleId}: ${c.reason}`);
  lines.push(
    `${dryRun ? 'dry run: ' : ''}${report.created.length} created, ${report.updated.length} updated, ${report.deleted.length} deleted, ${report.unchanged.length} unchanged` +
      (report.conflicts.length > 0 ? `, ${report.conflicts.length} conflict(s)` : ''),
  );
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Operations on one DAG's schedule (list / pause / unpause / trigger)

export interface ScheduleRow {
  scheduleId: string;
  dagId: string;
  cron: string;
  timezone: string;
  paused: boolean;
  note?: string;
  overlap: string;
  nextFire?: string;
  lastFire?: { scheduledAt: string; workflowId: string };
}

export async function describeManagedSchedules(client: Client, taskQueue: string): Promise<ScheduleRow[]> {
  const rows: ScheduleRow[] = [];
  for (const { scheduleId: id, mark } of await listManagedScheduleIds(client, taskQueue)) {
    const desc = await describeOrUndefined(client, id);
    if (!desc) continue;
    const comment = desc.spec.calendars?.[0]?.comment ?? '';
    const last = desc.info.recentActions.at(-1);
    rows.push({
      scheduleId: id,
      dagId: mark.dagId,
      cron: comment.startsWith(cronComment('')) ? comment.slice(cronComment('').length) : '(edited outside mastoflow)',
      timezone: desc.spec.timezone ?? 'UTC',
      paused: desc.state.paused,
      ...(desc.state.note ? { note: desc.state.note } : {}),
      overlap: desc.policies.overlap ?? 'SKIP',
      ...(desc.info.nextActionTimes[0] ? { nextFire: desc.info.nextActionTimes[0].toISOString() } : {}),
      ...(last
        ? { lastFire: { scheduledAt: last.scheduledAt.toISOString(), workflowId: last.action.workflow.workflowId } }
        : {}),
    });
  }
  return rows;
}

/** The handle of a DAG's schedule, checked to exist and to be mastoflow's. */
export async function managedScheduleHandle(client: Client, dagId: string) {
  const id = scheduleId(dagId);
  const desc = await describeOrUndefined(client, id);
  if (!desc) throw new Error(`DAG "${dagId}" has no schedule ${id} (run \`mastoflow schedules sync\` first)`);
  if (!managedMark(desc.memo)) throw new Error(`schedule ${id} was not created by mastoflow; refusing to change it`);
  return { handle: client.schedule.getHandle(id), description: desc };
}

export async function pauseSchedule(client: Client, dagId: string, reason?: string): Promise<void> {
  const { handle } = await managedScheduleHandle(client, dagId);
  await handle.pause(reason ? `${OPERATOR_PAUSE_NOTE}: ${reason}` : OPERATOR_PAUSE_NOTE);
}

export async function unpauseSchedule(client: Client, dagId: string): Promise<void> {
  const { handle } = await managedScheduleHandle(client, dagId);
  await handle.unpause('unpaused with mastoflow schedules unpause');
}

/** Fire the schedule's action now (the run processes the UTC day before now, like any fire). */
export async function triggerSchedule(client: Client, dagId: string): Promise<void> {
  const { handle } = await managedScheduleHandle(client, dagId);
  // ALLOW_ALL: a manual trigger is a deliberate act, not subject to the overlap buffer.
  await handle.trigger('ALLOW_ALL');
}
