import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import type { TaskActivityName } from '../../activities/index';
import { activityNames } from '../../activities/index';
import { defineDag } from '../../dags/define-dag';
import { MastodonDailyParams } from '../../domain/mastodon-daily-params';

// The typed seam between DAG files and activities: a task's `activity` is checked by the
// compiler against the activities that exist and against the DAG's params. The
// `@ts-expect-error` lines are the test: `tsc` (which runs over test/) fails if any of them
// compiles, i.e. if the seam stopped catching the mistake.

describe('DAG ↔ activity seam', () => {
  it('accepts existing task activities', () => {
    const dag = defineDag({ id: 'seam_ok', tasks: [{ id: 'a', activity: 'noop' }] });
    expect(dag.tasks[0]?.activity).toBe('noop');
  });

  it('rejects a misspelt activity name at compile time', () => {
    const dag = defineDag({
      id: 'seam_typo',
      // @ts-expect-error 'nop' is not an activity
      tasks: [{ id: 'a', activity: 'nop' }],
    });
    expect(activityNames()).not.toContain(dag.tasks[0]?.activity);
  });

  it('rejects an activity that is not a DAG task activity (takes no TaskContext)', () => {
    // @ts-expect-error fetchItem is an activity of fetchDay, not a task activity
    defineDag({ id: 'seam_not_task', tasks: [{ id: 'a', activity: 'fetchItem' }] });
    expect(activityNames()).toContain('fetchItem');
  });

  it("rejects an activity whose params the DAG's params schema does not provide", () => {
    // @ts-expect-error mastodonPlanFetch reads mastodon_daily's params (instances, lookbackDays)
    defineDag({ id: 'seam_params', tasks: [{ id: 'a', activity: 'mastodonPlanFetch' }] });
    const typed = defineDag({
      id: 'seam_params_ok',
      params: MastodonDailyParams,
      tasks: [{ id: 'a', activity: 'mastodonPlanFetch' }],
    });
    expect(typed.params).toBe(MastodonDailyParams);
  });

  it('generic task activities take any params', () => {
    expectTypeOf<'noop'>().toExtend<TaskActivityName<{ count: number }>>();
    expectTypeOf<'sleepMs'>().toExtend<TaskActivityName<z.output<typeof MastodonDailyParams>>>();
    const dag = defineDag({
      id: 'seam_generic',
      params: z.strictObject({ count: z.number().default(1) }),
      tasks: [{ id: 'a', activity: 'emitList' }],
    });
    expect(dag.tasks).toHaveLength(1);
  });
});
