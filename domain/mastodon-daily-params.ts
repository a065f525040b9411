import { z } from 'zod';

// The run params of the mastodon_daily DAG. Defined in domain/ because both sides use it: the
// DAG (dags/mastodon_daily.ts) declares it as its params schema, so runDag parses a run's params
// with it once, and the DAG's activities take the parsed form as `TaskContext<MastodonDailyParams>`.
export const MastodonDailyParams = z.strictObject({
  /** Only these instances (names from the config); all when empty. */
  instances: z.array(z.string().min(1)).default([]),
  /** Re-scan the timelines of this many earlier days (default: the config's schedule.lookbackDays). */
  lookbackDays: z.number().int().min(0).max(7).optional(),
});
export type MastodonDailyParams = z.output<typeof MastodonDailyParams>;
