import { ApplicationFailure } from '@temporalio/common';
import type { z } from 'zod';
import { describeZodError, type IssueFormat } from './zod-issues';

// Every failure type mastoflow raises (the `type` of a Temporal ApplicationFailure), named once
// with one name per meaning. Retry policies (`nonRetryableErrorTypes`), tests and users reading
// the Temporal UI match on these strings, so they are constants here, not literals elsewhere.
// Workflows and activities both import this module (@temporalio/common is deterministic).

export const FAILURE_TYPES = {
  /** An input (workflow input, activity input, task args, a fan-out item) fails its schema. */
  invalidInput: 'InvalidInput',
  /** A DAG spec that does not parse or whose graph is broken. */
  invalidDag: 'InvalidDag',
  /** A config instance name that the worker's config does not have. */
  unknownInstance: 'UnknownInstance',
  /** A DAG run ended with a failed or upstream_failed leaf task; details hold the run summary. */
  dagRunFailed: 'DagRunFailed',
  /** No task can run and none is running: a bug in the scheduler, never a user error. */
  dagRunStuck: 'DagRunStuck',
  /** A fetch manifest exists but the fetch has not finished yet: retried until it has. */
  incompleteFetch: 'IncompleteFetch',
  /** An object in S3 that an earlier task wrote (manifest, page, partial, rows) is gone. */
  missingObject: 'MissingObject',
  /** A fetch manifest in S3 that fails its schema. */
  badManifest: 'BadManifest',
  /** privacy.pseudonymise is on but the worker's environment lacks the key. */
  missingPseudonymKey: 'MissingPseudonymKey',
  /** Failures a test or demo activity raises on purpose (the `fail` and `flaky` activities, smoke). */
  deliberate: 'DeliberateFailure',
  // Mastodon HTTP outcomes (activities/mastodon/errors.ts decides which applies).
  mastodonServer: 'MastodonServerError',
  mastodonTimeout: 'MastodonTimeout',
  mastodonNetwork: 'MastodonNetworkError',
  mastodonInvalidBody: 'MastodonInvalidBody',
  mastodonRateLimited: 'MastodonRateLimited',
  mastodonClient: 'MastodonClientError',
} as const;

export type FailureType = (typeof FAILURE_TYPES)[keyof typeof FAILURE_TYPES];

/** A non-retryable failure of one of the catalog's types. */
export function nonRetryableFailure(type: FailureType, message: string, ...details: unknown[]): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, type, ...details);
}

/** A retryable failure of one of the catalog's types. */
export function retryableFailure(type: FailureType, message: string, ...details: unknown[]): ApplicationFailure {
  return ApplicationFailure.retryable(message, type, ...details);
}

/** Bad input: non-retryable (retrying cannot fix it), the message leads with what was being parsed. */
export function invalidInput(what: string, message: string): ApplicationFailure {
  return nonRetryableFailure(FAILURE_TYPES.invalidInput, `${what}: ${message}`);
}

/** Parse with a zod schema, or throw an InvalidInput failure naming every bad field. */
export function parseOrFail<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  what: string,
  format: IssueFormat = {},
): z.output<S> {
  const parsed = schema.safeParse(raw, { reportInput: true });
  if (parsed.success) return parsed.data;
  throw invalidInput(what, describeZodError(parsed.error, format));
}
