import { parentPort } from 'node:worker_threads';
import { createS3Getter, type S3Getter, type S3ReadTarget } from '../store/s3-signed-get';
import { mapPages, MissingPageError, type MapPagesJob } from './map-pages';
import type { ThreadReply, ThreadRequest } from './map-pool';

// A map worker thread: runs one part at a time for the pool in map-pool.ts. Reads go through
// the light signed GET (one keep-alive connection pool per thread and target).

const port = parentPort;
if (!port) throw new Error('map-thread.ts must run as a worker thread (see map-pool.ts)');

let getter: { id: string; get: S3Getter } | undefined;
function getterFor(target: S3ReadTarget): S3Getter {
  const id = JSON.stringify([target.endpoint, target.region, target.bucket, target.forcePathStyle, target.credentials]);
  if (getter?.id !== id) {
    getter?.get.close();
    getter = { id, get: createS3Getter(target) };
  }
  return getter.get;
}

const PROGRESS_EVERY = 10;

port.on('message', (msg: ThreadRequest) => {
  void run(msg.id, msg.job, msg.target);
});

async function run(id: number, job: MapPagesJob, target: S3ReadTarget): Promise<void> {
  try {
    const get = getterFor(target);
    const out = await mapPages(job, (k) => get.getText(k), (done) => {
      if (done % PROGRESS_EVERY === 0) port!.postMessage({ id, progress: done } satisfies ThreadReply);
    });
    port!.postMessage({ id, result: out } satisfies ThreadReply);
  } catch (err) {
    const e = err as Error;
    port!.postMessage({ id, error: { name: e.name, message: e.message, ...(err instanceof MissingPageError ? { key: err.key } : {}) } } satisfies ThreadReply);
  }
}
