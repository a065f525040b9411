import { createHmac } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { FAILURE_TYPES } from '../../domain/failures';
import type { ActivityDeps } from '../deps';

/**
 * The account key used in account-level rows: the acct itself, or with `privacy.pseudonymise` a
 * keyed hash (HMAC-SHA256, key from the env var the config names), stable across days so trends
 * per account still line up, but not reversible without the key.
 */
export function accountKeyFn(deps: ActivityDeps): ((acct: string) => string) | undefined {
  const p = deps.config.privacy;
  if (!p.pseudonymise) return undefined;
  const key = deps.env[p.keyEnv];
  if (!key) {
    throw ApplicationFailure.nonRetryable(
      `privacy.pseudonymise is on but ${p.keyEnv} is not set in the worker's environment`,
      FAILURE_TYPES.missingPseudonymKey,
    );
  }
  return (acct) => `anon:${createHmac('sha256', key).update(acct.toLowerCase()).digest('hex').slice(0, 16)}`;
}
