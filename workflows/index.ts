// The workflow bundle's entry point: every workflow type the worker serves is exported here.
export { smokeWorkflow } from './smoke';
export { backfillDag } from './backfill';
export { scheduledDagRun } from './scheduled-run';
export { runDag } from './run-dag';
export { runDagExpandChunk } from './run-dag-expand';
export { fetchDay } from './fetch-day';
export { rateBudgetKeeper } from './rate-budget-keeper';
export { forgetAccount } from './forget';
