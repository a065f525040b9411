import { ApplicationFailure } from '@temporalio/common';
import type { S3Client } from '@aws-sdk/client-s3';
import { ErasureListEntry, type ErasureHash } from '../../domain/erasure';
import { FAILURE_TYPES } from '../../domain/failures';
import { erasureListEntryKey, erasureListPrefix } from '../../domain/keys';
import { putJson } from '../mastodon/raw-store';
import { keyPagesUnder } from '../store/s3-listing';
import { ErasureMatcher, erasureSecret } from './erasure-hash';

// The erasure list in S3: one small object per erased account, named by its hash
// (erasure/v1/list/<hash>.json). Every fetch and every map reads it (a listing of one prefix)
// and drops what it names, so a re-fetch or a reprocess cannot bring an erased account back.

export async function readErasureHashes(s3: S3Client, bucket: string): Promise<Set<string>> {
  const out = new Set<string>();
  for await (const keys of keyPagesUnder(s3, bucket, erasureListPrefix()))
    for (const k of keys) {
      const m = /\/([0-9a-f]{64})\.json$/.exec(k);
      if (m?.[1]) out.add(m[1]);
    }
  return out;
}

export async function addToErasureList(
  s3: S3Client,
  bucket: string,
  entry: { accountHash: ErasureHash; addedAt: string; reason: 'request' | 'opt-out' },
): Promise<void> {
  await putJson(s3, bucket, erasureListEntryKey(entry.accountHash), ErasureListEntry.parse(entry));
}

/**
 * The matcher for the current list, or undefined when the list is empty (the common case: no
 * secret needed, nothing to check). A non-empty list without the secret fails the task: storing
 * or counting an erased account's posts is not an acceptable fallback.
 */
export async function loadErasureMatcher(deps: {
  s3: S3Client;
  bucket: string;
  env: NodeJS.ProcessEnv;
  config: { privacy: { keyEnv: string } };
}): Promise<ErasureMatcher | undefined> {
  const hashes = await readErasureHashes(deps.s3, deps.bucket);
  if (hashes.size === 0) return undefined;
  const secret = erasureSecret(deps.env, deps.config.privacy);
  if (!secret.value)
    throw ApplicationFailure.nonRetryable(
      `the erasure list holds ${hashes.size} account(s) but ${secret.variable} (privacy.keyEnv) is not set in the worker's environment: without it erased accounts cannot be recognised`,
      FAILURE_TYPES.missingPseudonymKey,
    );
  return new ErasureMatcher(hashes, secret.value);
}

/** The map job's `erased` field: the list and its secret, or nothing when the list is empty. */
export async function mapErasureList(deps: Parameters<typeof loadErasureMatcher>[0]): Promise<{
  erased?: { hashes: string[]; secret: string };
}> {
  const m = await loadErasureMatcher(deps);
  return m ? { erased: { hashes: [...m.hashes], secret: m.secretValue } } : {};
}
