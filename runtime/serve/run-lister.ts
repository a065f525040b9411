// What `/api/runs` needs from Temporal, as an interface the app is given (the HTTP layer never
// talks to Temporal itself): the runs of one DAG over a range of logical days, each with its
// task states. temporal-run-lister.ts implements it with the Temporal client; the Temporal client
// library of issue #11 (runtime/dag-client.ts) can replace that file without touching the app.

export interface TaskStateView {
  state: string;
  attempts: number;
  error?: string;
  items?: { total: number; succeeded: number; failed: number };
}

export interface DagRunView {
  day: string;
  workflowId: string;
  runId: string;
  /** success | failed | running | cancelled | none (domain/status-grid.ts). */
  state: string;
  runType?: string;
  backfillId?: string;
  startTime: string;
  closeTime?: string;
  /** The run's page in the Temporal UI, when the UI address is known. */
  temporalUiUrl?: string;
  /** Task ID → state; null when Temporal could not tell (e.g. a running run with no worker to answer the query). */
  tasks: Record<string, TaskStateView> | null;
}

export interface RunLister {
  /** Every execution (re-runs included) of the DAG's runs with a logical day in [from, to], oldest first. */
  listRuns(dag: string, from: string, to: string): Promise<DagRunView[]>;
}

/** Temporal cannot be reached: the API answers 503. */
export class RunsUnavailableError extends Error {}
