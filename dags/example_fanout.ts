import { z } from 'zod';
import { defineDag } from './define-dag';

// Demo of dynamic fan-out, the shape of a map step: one task returns a list, the next runs once
// per item (at most 8 at a time) and writes one small object per item under mapped/, the last
// one runs after all items succeeded. `mastoflow run example_fanout --param count=500`.
export const exampleFanout = defineDag({
  id: 'example_fanout',
  description: 'Demo: fan out over a list (one S3 object per item), then join',
  schedule: null,
  defaultTaskOptions: { retries: 2, initialBackoff: '1s', startToCloseTimeout: '1m' },
  maxActiveTasks: 8,
  params: z.strictObject({ count: z.number().int().min(0).max(10_000).default(20) }),
  tasks: [
    { id: 'list_items', activity: 'emitList', args: { prefix: 'item-' } },
    {
      id: 'process',
      activity: 'writePart',
      deps: ['list_items'],
      expand: { from: 'list_items', field: 'items', concurrency: 8 },
    },
    { id: 'join', activity: 'noop', deps: ['process'] },
  ],
});
