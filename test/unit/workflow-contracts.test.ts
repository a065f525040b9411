import { describe, expect, expectTypeOf, it } from 'vitest';
import * as workflows from '../../workflows/index';
import {
  type BackfillWorkflow,
  type FetchDayWorkflow,
  type ForgetWorkflow,
  type RunDagWorkflow,
  type ScheduledRunWorkflow,
  type SmokeWorkflow,
  WORKFLOW_TYPES,
} from '../../workflows/contracts';

// The contract module names every workflow type once; the bundle's entry point must serve
// exactly those names (Temporal derives a workflow's type from its exported function name), and
// each workflow must accept what its contract says clients send and return what they read.

describe('workflow contracts', () => {
  it('workflows/index.ts exports a workflow under every contract type name, and nothing else', () => {
    expect(Object.keys(workflows).sort()).toEqual([...WORKFLOW_TYPES].sort());
    for (const name of WORKFLOW_TYPES) expect(typeof (workflows as Record<string, unknown>)[name]).toBe('function');
  });

  it('each workflow function fits its contract signature', () => {
    expectTypeOf(workflows.runDag).toExtend<RunDagWorkflow>();
    expectTypeOf(workflows.scheduledDagRun).toExtend<ScheduledRunWorkflow>();
    expectTypeOf(workflows.backfillDag).toExtend<BackfillWorkflow>();
    expectTypeOf(workflows.fetchDay).toExtend<FetchDayWorkflow>();
    expectTypeOf(workflows.smokeWorkflow).toExtend<SmokeWorkflow>();
    expectTypeOf(workflows.forgetAccount).toExtend<ForgetWorkflow>();
  });
});
