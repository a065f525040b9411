import os from 'node:os';
import { heartbeat } from '@temporalio/activity';
import type { ActivityDeps } from '../deps';
import type { S3ReadTarget } from '../store/s3-light-client';
import { mapPartToStore, type MapPartJob, type MapPartSummary } from './map-pages';
import { sharedMapThreadPool } from './map-pool';
import { deleteKey, getBytes, putText } from './s3-json';

// Where a map part's CPU work runs: on the process's map threads (default, one per core), or in
// the activity's own thread with `worker.mapThreads: 0`. Either way the activity heartbeats its
// progress, and keeps heartbeating while its part waits for a free thread.

const WAITING_BEAT_MS = 5_000;

export function mapThreadCount(deps: ActivityDeps): number {
  return deps.config.worker.mapThreads ?? os.availableParallelism();
}

/** The S3 endpoint and the credentials the S3 client resolves now (static or temporary). */
async function readTarget(deps: ActivityDeps): Promise<S3ReadTarget> {
  const c = await deps.s3.config.credentials();
  const s3 = deps.config.s3;
  return {
    ...(s3.endpoint ? { endpoint: s3.endpoint } : {}),
    region: s3.region,
    bucket: deps.bucket,
    forcePathStyle: s3.forcePathStyle,
    credentials: {
      accessKeyId: c.accessKeyId,
      secretAccessKey: c.secretAccessKey,
      ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}),
    },
  };
}

export async function runMapPart(deps: ActivityDeps, job: MapPartJob): Promise<MapPartSummary> {
  let pages = 0;
  let beatAt = 0;
  // Heartbeats are throttled here too: each call costs real CPU in the SDK even when it is not sent.
  const onProgress = (done: number): void => {
    pages = done;
    if (Date.now() - beatAt < 1_000) return;
    beatAt = Date.now();
    heartbeat({ page: done });
  };
  const waiting = setInterval(() => heartbeat({ page: pages }), WAITING_BEAT_MS);
  try {
    const threads = mapThreadCount(deps);
    if (threads === 0) {
      const store = {
        read: (key: string) => getBytes(deps.s3, deps.bucket, key),
        put: (key: string, body: string, type: string) => putText(deps.s3, deps.bucket, key, body, type),
        del: (key: string) => deleteKey(deps.s3, deps.bucket, key),
      };
      return await mapPartToStore(job, store, onProgress);
    }
    return await sharedMapThreadPool(threads, deps.threadCode).run(job, await readTarget(deps), onProgress);
  } finally {
    clearInterval(waiting);
  }
}
