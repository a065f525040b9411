import type { Hono } from 'hono';
import { ApiError } from '../api-error';
import type { AppDeps } from '../app-deps';
import { dateRange, readQuery } from '../params';

// GET /api/runs: a DAG's runs over a range of logical days, with their task states and Temporal
// UI links, from Temporal (through the injected RunLister).

export function registerRunRoutes(app: Hono, deps: AppDeps): void {
  app.get('/api/runs', async (c) => {
    const q = readQuery(c.req.url, ['dag', 'from', 'to']);
    const dag = q.dag;
    if (dag === undefined) throw new ApiError(400, 'dag', `dag is required; one of ${deps.dags.join(', ')}`);
    if (!deps.dags.includes(dag))
      throw new ApiError(
        400,
        'dag',
        `dag: unknown DAG ${JSON.stringify(dag.slice(0, 60))}; one of ${deps.dags.join(', ')}`,
      );
    const { from, to } = dateRange(q, deps.today());
    return c.json({ dag, from, to, runs: await deps.runs.listRuns(dag, from, to) });
  });
}
