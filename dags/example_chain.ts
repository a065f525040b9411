import { z } from 'zod';
import { defineDag } from './define-dag';

// A tiny DAG that exercises the engine without touching Mastodon, S3 or DuckDB: a chain, a
// fan-out over a list an upstream returned, and a final task that runs whatever happened.
// Its activities (`noop`, `sleepMs`) are test helpers provided by the worker.
export const exampleChain = defineDag({
  id: 'example_chain',
  description: 'Demo: a chain, a fan-out and a join over no-op activities',
  schedule: null,
  defaultTaskOptions: { retries: 1, startToCloseTimeout: '1m' },
  maxActiveTasks: 4,
  params: z.strictObject({ sleepMs: z.number().int().min(0).max(60_000).default(100) }),
  tasks: [
    { id: 'start', activity: 'noop', args: { items: [1, 2, 3] } },
    { id: 'wait', activity: 'sleepMs', deps: ['start'] },
    { id: 'fan_out', activity: 'noop', deps: ['start'], expand: { from: 'start', field: 'items', concurrency: 2 } },
    { id: 'finish', activity: 'noop', deps: ['wait', 'fan_out'], triggerRule: 'all_done' },
  ],
});
